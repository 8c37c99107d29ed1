//! Authentication: the Authorization header, pre-signed queries and POST form fields, verified
//! with cos-sign's `verify` from the request as it arrived (decoded path, decoded query, the
//! headers as sent), the server clock, and the emulator's checks around it.
//!
//! Order of checks (the first failure answers):
//! 1. no Authorization header, no pre-signed query → 403 AccessDenied;
//! 2. a `Date` header more than [`SKEW_TOLERANCE_SECS`] from the server clock → 403
//!    RequestTimeTooSkewed;
//! 3. unknown `q-ak` → 403 InvalidAccessKeyId;
//! 4. a temporary key past its expiry → 400 ExpiredToken; a missing or different
//!    `x-cos-security-token` (header, query or form field) → 403 InvalidAccessKeyId;
//! 5. key time ended → 403 AccessDenied "Request has expired"; key time starting more than
//!    [`SKEW_TOLERANCE_SECS`] after the server clock → 403 RequestTimeTooSkewed (both with
//!    `<ServerTime>`); a start within the tolerance is accepted;
//! 6. the signature → 403 SignatureDoesNotMatch with `<StringToSign>` and `<FormatString>`.

use crate::error::{CosError, ErrorCode};
use crate::keys::KeyEntry;
use crate::names::percent_decode;
use crate::ops::Ctx;
use crate::shared::read;
use crate::timefmt::Millis;
use cos_sign::verify::{self, VerifiedPost, VerifyError};
use cos_sign::{Credentials, KeyTime, SignableRequest};

/// How far a request's time (its `Date`, or the start of its key time) may be from the
/// server clock before the request is refused with RequestTimeTooSkewed: 15 minutes, as S3.
/// COS does not publish its tolerance.
pub const SKEW_TOLERANCE_SECS: i64 = 900;

const TOKEN: &str = "x-cos-security-token";

fn denied(msg: &str) -> CosError {
    CosError::with_message(ErrorCode::AccessDenied, msg)
}

fn server_time(now: Millis) -> String {
    Millis(now.secs() * 1000).iso8601().replace(".000Z", "Z")
}

fn expired(now: Millis) -> CosError {
    CosError::with_message(ErrorCode::AccessDenied, "Request has expired")
        .extra("ServerTime", server_time(now))
}

fn skewed(now: Millis) -> CosError {
    CosError::new(ErrorCode::RequestTimeTooSkewed).extra("ServerTime", server_time(now))
}

/// Pulls `q-ak` and `q-key-time` out of `k=v&k=v` authorization text.
fn fields_of(auth: &str) -> (Option<String>, Option<String>) {
    let mut ak = None;
    let mut kt = None;
    for item in auth.split('&') {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        let v = percent_decode(v, false).unwrap_or_else(|| v.to_string());
        match k.trim() {
            "q-ak" => ak = Some(v),
            "q-key-time" => kt = Some(v),
            _ => {}
        }
    }
    (ak, kt)
}

/// Maps a verification failure to COS's answer.
pub fn map_verify_error(e: VerifyError, now: Millis) -> CosError {
    match e {
        VerifyError::SignatureMismatch {
            http_string,
            string_to_sign,
            ..
        } => CosError::new(ErrorCode::SignatureDoesNotMatch)
            .extra("StringToSign", string_to_sign)
            .extra("FormatString", http_string),
        VerifyError::UnknownAccessKey(_) => CosError::new(ErrorCode::InvalidAccessKeyId),
        VerifyError::Expired { .. } => expired(now),
        VerifyError::NotYetValid { .. } => skewed(now),
        VerifyError::MissingSignedHeader(h) => CosError::with_message(
            ErrorCode::SignatureDoesNotMatch,
            format!("The signed header `{h}` is missing from the request."),
        ),
        VerifyError::MissingSignedParameter(p) => CosError::with_message(
            ErrorCode::SignatureDoesNotMatch,
            format!("The signed parameter `{p}` is missing from the request."),
        ),
        VerifyError::PolicyExpired => denied("Invalid according to Policy: Policy expired."),
        VerifyError::PolicyConditionFailed { condition } => denied(&format!(
            "Invalid according to Policy: Policy Condition failed: {condition}"
        )),
        VerifyError::Malformed(m) => denied(&format!("The authorization is malformed: {m}")),
        other => denied(&other.to_string()),
    }
}

/// What a credential check needs besides the signature.
struct Presented<'a> {
    access_key: Option<String>,
    key_time: Option<String>,
    token: Option<&'a str>,
}

/// Checks the key, its token, its expiry and the key-time window; returns the pair to verify
/// with and the `now` to verify at (inside the window when the start is within tolerance).
fn check_key(
    ctx_now: Millis,
    p: &Presented<'_>,
    entry: Option<KeyEntry>,
) -> Result<(Credentials, u64, KeyPolicy), CosError> {
    let entry = entry.ok_or_else(|| CosError::new(ErrorCode::InvalidAccessKeyId))?;
    let policy = match &entry {
        KeyEntry::Temporary(t) => t.policy.clone(),
        KeyEntry::Permanent(_) => None,
    };
    if let KeyEntry::Temporary(t) = &entry {
        if ctx_now.secs() > t.expired_time {
            return Err(CosError::new(ErrorCode::ExpiredToken));
        }
        if p.token != Some(t.session_token.as_str()) {
            return Err(CosError::with_message(
                ErrorCode::InvalidAccessKeyId,
                "The x-cos-security-token is missing or does not belong to this temporary key.",
            ));
        }
    }
    let now = u64::try_from(ctx_now.secs()).unwrap_or(0);
    let mut verify_now = now;
    if let Some(kt) = p
        .key_time
        .as_deref()
        .and_then(|k| k.parse::<KeyTime>().ok())
    {
        if kt.end < now {
            return Err(expired(ctx_now));
        }
        if kt.start > now {
            if kt.start - now > SKEW_TOLERANCE_SECS as u64 {
                return Err(skewed(ctx_now));
            }
            verify_now = kt.start;
        }
    }
    Ok((entry.credentials(), verify_now, policy))
}

/// The policy of the key that signed a request (none: an account's own key, or a temporary
/// key issued without one).
pub type KeyPolicy = Option<std::sync::Arc<crate::policy::Policy>>;

fn lookup_entry(ctx: &Ctx<'_>, id: Option<&str>) -> Option<KeyEntry> {
    id.and_then(|id| read(&ctx.sh.keys).get(id).cloned())
}

fn check_date(ctx: &Ctx<'_>) -> Result<(), CosError> {
    if let Some(date) = ctx
        .headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = Millis::parse_http_date_secs(date)
        && (t - ctx.now.secs()).abs() > SKEW_TOLERANCE_SECS
    {
        return Err(skewed(ctx.now));
    }
    Ok(())
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(&str, &str)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str(), std::str::from_utf8(v.as_bytes()).ok()?)))
        .collect()
}

/// Authenticates a request signed in its Authorization header or its query; returns the
/// signing key's policy.
pub fn authenticate_request(ctx: &Ctx<'_>) -> Result<KeyPolicy, CosError> {
    let headers = header_pairs(ctx.headers);
    let query: Vec<(&str, &str)> = ctx
        .query
        .pairs()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: ctx.method.as_str(),
        path: &ctx.target.signed_path,
        query: &query,
        headers: &headers,
    };
    let authorization = ctx
        .headers
        .get(http::header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let token = ctx
        .headers
        .get(TOKEN)
        .and_then(|v| v.to_str().ok())
        .or_else(|| ctx.query.get(TOKEN));
    let presented = match (&authorization, ctx.query.is_presigned()) {
        (Some(a), _) => {
            let (access_key, key_time) = fields_of(a);
            Presented {
                access_key,
                key_time,
                token,
            }
        }
        (None, true) => {
            let (access_key, key_time) = match ctx.query.get("sign") {
                Some(merged) => fields_of(merged),
                None => (
                    ctx.query.get("q-ak").map(str::to_string),
                    ctx.query.get("q-key-time").map(str::to_string),
                ),
            };
            Presented {
                access_key,
                key_time,
                token,
            }
        }
        (None, false) => {
            return Err(denied(
                "Request has no Authorization header or signed query.",
            ));
        }
    };
    check_date(ctx)?;
    let entry = lookup_entry(ctx, presented.access_key.as_deref());
    let (creds, now, policy) = check_key(ctx.now, &presented, entry)?;
    let lookup = |id: &str| (id == creds.secret_id()).then(|| creds.clone());
    let result = match &authorization {
        Some(a) => verify::verify_header(a, &req, &lookup, now),
        None => verify::verify_presigned(&req, &lookup, now),
    };
    result
        .map(|_| policy)
        .map_err(|e| map_verify_error(e, ctx.now))
}

/// The outcome of a POST form's authentication.
pub enum PostAuth {
    /// A policy form: the file length must still be checked against it.
    Policy(VerifiedPost, KeyPolicy),
    /// A header-style signature (the wx SDK's `Signature` field, or an Authorization header).
    Signature(KeyPolicy),
}

impl PostAuth {
    /// Checks the uploaded length against the policy's `content-length-range`.
    pub fn check_length(&self, len: u64) -> Result<(), CosError> {
        match self {
            PostAuth::Policy(v, _) => v.check_content_length(len).map_err(|_| {
                let too_small = v.conditions.iter().any(|c| {
                    matches!(c, cos_sign::post::Condition::ContentLengthRange { min, .. } if len < *min)
                });
                let code = if too_small { ErrorCode::EntityTooSmall } else { ErrorCode::EntityTooLarge };
                CosError::with_message(
                    code,
                    format!("Your proposed upload of {len} bytes is outside the policy's content-length-range."),
                )
            }),
            PostAuth::Signature(_) => Ok(()),
        }
    }

    /// The signing key's CAM policy.
    pub fn key_policy(&self) -> KeyPolicy {
        match self {
            PostAuth::Policy(_, p) | PostAuth::Signature(p) => p.clone(),
        }
    }
}

/// Authenticates a POST Object form from its text fields (those before `file`).
pub fn authenticate_post(ctx: &Ctx<'_>, fields: &[(String, String)]) -> Result<PostAuth, CosError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let token = field(TOKEN)
        .or_else(|| ctx.headers.get(TOKEN).and_then(|v| v.to_str().ok()))
        .or_else(|| ctx.query.get(TOKEN));
    if field("policy").is_some() {
        let presented = Presented {
            access_key: field("q-ak").map(str::to_string),
            key_time: field("q-key-time").map(str::to_string),
            token,
        };
        let entry = lookup_entry(ctx, presented.access_key.as_deref());
        let (creds, now, policy) = check_key(ctx.now, &presented, entry)?;
        let lookup = |id: &str| (id == creds.secret_id()).then(|| creds.clone());
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let bucket = ctx.bucket_name()?;
        return verify::verify_post_form(&pairs, bucket, &lookup, now)
            .map(|v| PostAuth::Policy(v, policy))
            .map_err(|e| map_verify_error(e, ctx.now));
    }
    let signature = field("Signature").map(str::to_string).or_else(|| {
        ctx.headers
            .get(http::header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    });
    let Some(signature) = signature else {
        return Err(denied(
            "The POST form has neither a policy nor a Signature.",
        ));
    };
    let (access_key, key_time) = fields_of(&signature);
    let presented = Presented {
        access_key,
        key_time,
        token,
    };
    check_date(ctx)?;
    let entry = lookup_entry(ctx, presented.access_key.as_deref());
    let (creds, now, policy) = check_key(ctx.now, &presented, entry)?;
    let lookup = |id: &str| (id == creds.secret_id()).then(|| creds.clone());
    let headers = header_pairs(ctx.headers);
    let query: Vec<(&str, &str)> = ctx
        .query
        .pairs()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: ctx.method.as_str(),
        path: &ctx.target.signed_path,
        query: &query,
        headers: &headers,
    };
    verify::verify_header(&signature, &req, &lookup, now)
        .map(|_| PostAuth::Signature(policy))
        .map_err(|e| map_verify_error(e, ctx.now))
}
