//! `POST /-/sts?duration=SECONDS[&policy=URL-ENCODED-JSON]`: the emulator's test shortcut to
//! temporary keys (the STS API itself is served on `--sts-listen`). Loopback clients only;
//! answers `{"credentials":{"tmpSecretId","tmpSecretKey","sessionToken"},"startTime",
//! "expiredTime"}` with times on the server's clock. A key issued with a policy may do only
//! what the policy allows.

use super::{Ctx, Outcome};
use crate::error::{CosError, ErrorCode};
use crate::keys::MAX_STS_DURATION;
use crate::reply::{full, set};
use crate::shared::write;
use http::{Response, StatusCode, header};

/// Default lifetime of a temporary key (as Tencent's STS SDK).
pub const DEFAULT_STS_DURATION: u64 = 1800;

/// Issues a temporary key.
pub fn issue(ctx: &Ctx<'_>) -> Outcome {
    if !ctx.peer.ip().is_loopback() {
        return Err(CosError::with_message(
            ErrorCode::AccessDenied,
            "The STS endpoint serves loopback clients only.",
        )
        .into());
    }
    let duration = match ctx.query.get("duration") {
        None => DEFAULT_STS_DURATION,
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| (1..=MAX_STS_DURATION).contains(d))
            .ok_or_else(|| {
                CosError::with_message(
                    ErrorCode::InvalidArgument,
                    "duration must be an integer within 1..=129600.",
                )
            })?,
    };
    let policy = match ctx.query.get("policy") {
        None => None,
        Some(text) => {
            let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                CosError::with_message(ErrorCode::InvalidArgument, format!("policy: {e}"))
            })?;
            let policy = crate::policy::Policy::parse(&doc).map_err(|e| {
                CosError::with_message(ErrorCode::InvalidArgument, format!("policy: {e}"))
            })?;
            Some(std::sync::Arc::new(policy))
        }
    };
    let key = write(&ctx.sh.keys).issue(ctx.now.secs(), duration, policy);
    tracing::info!(id = %key.tmp_secret_id, expires = key.expired_time, "issued a temporary key");
    let mut r = Response::new(full(key.to_json()));
    *r.status_mut() = StatusCode::OK;
    set(&mut r, header::CONTENT_TYPE, "application/json");
    Ok(r)
}
