//! `GetFederationToken` and `AssumeRole`: checks their parameters as STS does (required ones,
//! the lifetime limits, the policy's grammar) and issues a key bound to the policy.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::StsFailure;
use super::params::StsRequest;
use super::verify::Caller;
use crate::names::percent_decode;
use crate::policy::Policy;
use crate::shared::{Shared, write};

/// GetFederationToken's lifetime: default and most (a root account's limit).
const FEDERATION_DURATION: (u64, u64) = (1800, 7200);
/// AssumeRole's lifetime: default and most.
const ROLE_DURATION: (u64, u64) = (7200, 43_200);

/// Runs the request's action for `caller`.
pub fn run(
    sh: &Arc<Shared>,
    request: &StsRequest,
    caller: &Caller,
) -> Result<Map<String, Value>, StsFailure> {
    match request.action.as_str() {
        "GetFederationToken" => {
            if caller.temporary {
                return Err(StsFailure::new(
                    "FailedOperation.TempKeyNotAllowed",
                    "GetFederationToken can be called with permanent keys only.",
                ));
            }
            let name = request.text("Name").unwrap_or_default();
            if name.is_empty() {
                return Err(StsFailure::new(
                    "MissingParameter",
                    "The request lacks Name.",
                ));
            }
            if name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
            {
                return Err(StsFailure::new(
                    "InvalidParameter.ParamError",
                    format!("Name `{name}` is not made of letters, digits and -_.@ (at most 64)."),
                ));
            }
            let policy = request
                .text("Policy")
                .ok_or_else(|| StsFailure::new("MissingParameter", "The request lacks Policy."))?;
            let policy = parse_policy(&policy)?;
            let duration = duration(request, FEDERATION_DURATION)?;
            Ok(issue(sh, duration, Some(policy)))
        }
        "AssumeRole" => {
            let arn = request.text("RoleArn").unwrap_or_default();
            if arn.is_empty() {
                return Err(StsFailure::new(
                    "MissingParameter",
                    "The request lacks RoleArn.",
                ));
            }
            let role_ok = arn.starts_with("qcs::cam::uin/")
                && (arn.contains(":roleName/") || arn.contains(":role/"));
            if !role_ok {
                return Err(StsFailure::new(
                    "InvalidParameter.ParamError",
                    format!("RoleArn `{arn}` is not qcs::cam::uin/<uin>:roleName/<name>."),
                ));
            }
            let session = request.text("RoleSessionName").unwrap_or_default();
            let session_ok = (2..=128).contains(&session.len())
                && session
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
            if !session_ok {
                return Err(StsFailure::new(
                    if session.is_empty() {
                        "MissingParameter"
                    } else {
                        "InvalidParameter.ParamError"
                    },
                    "RoleSessionName must be 2 to 128 characters of [\\w+=,.@-].",
                ));
            }
            let policy = match request.text("Policy") {
                Some(p) if !p.is_empty() => Some(parse_policy(&p)?),
                _ => None,
            };
            let duration = duration(request, ROLE_DURATION)?;
            // A role may do anything in the emulator: its keys are bounded by the policy only.
            Ok(issue(sh, duration, policy))
        }
        other => Err(StsFailure::new(
            "InvalidAction",
            format!("The request `Action` is invalid or not found: {other}."),
        )),
    }
}

/// `Policy`: URL-encoded JSON as STS documents it, or plain JSON as some SDKs send it.
fn parse_policy(raw: &str) -> Result<Arc<Policy>, StsFailure> {
    let text = if raw.trim_start().starts_with('{') {
        raw.to_string()
    } else {
        percent_decode(raw, false).ok_or_else(|| {
            StsFailure::new(
                "InvalidParameter.StrategyFormatError",
                "Policy is not URL-encoded JSON.",
            )
        })?
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        StsFailure::new(
            "InvalidParameter.StrategyFormatError",
            format!("Policy is not JSON: {e}."),
        )
    })?;
    Policy::parse(&doc)
        .map(Arc::new)
        .map_err(|e| StsFailure::new("InvalidParameter.StrategyInvalid", format!("Policy: {e}.")))
}

fn duration(request: &StsRequest, (default, max): (u64, u64)) -> Result<u64, StsFailure> {
    let Some(text) = request.text("DurationSeconds") else {
        return Ok(default);
    };
    let seconds: u64 = text.parse().map_err(|_| {
        StsFailure::new(
            "InvalidParameter",
            format!("DurationSeconds `{text}` is not an integer."),
        )
    })?;
    if seconds == 0 || seconds > max {
        return Err(StsFailure::new(
            "InvalidParameter.OverTimeError",
            format!("DurationSeconds must be within 1..={max}."),
        ));
    }
    Ok(seconds)
}

/// Issues a key and answers with it (`Credentials`, `ExpiredTime`, `Expiration`).
fn issue(sh: &Arc<Shared>, duration: u64, policy: Option<Arc<Policy>>) -> Map<String, Value> {
    let key = write(&sh.keys).issue(sh.now().secs(), duration, policy);
    tracing::info!(id = %key.tmp_secret_id, expires = key.expired_time, "STS issued a temporary key");
    let expiration =
        crate::timefmt::Millis(key.expired_time.saturating_mul(1000)).iso8601_seconds();
    let answer = json!({
        "Credentials": {
            "Token": key.session_token,
            "TmpSecretId": key.tmp_secret_id,
            "TmpSecretKey": key.tmp_secret_key,
        },
        "ExpiredTime": key.expired_time,
        "Expiration": expiration,
    });
    match answer {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
