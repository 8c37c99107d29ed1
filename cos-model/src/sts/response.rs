//! The answer of the key-issuing STS actions: `{"Response": {"Credentials": {…},
//! "ExpiredTime", "Expiration", "RequestId"}}`, or `{"Response": {"Error": {"Code",
//! "Message"}, "RequestId"}}` — with HTTP 200 either way.

use std::fmt;

use serde::Deserialize;

/// Temporary keys as STS issues them. `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct StsCredentials {
    /// `TmpSecretId`.
    pub tmp_secret_id: String,
    /// `TmpSecretKey`.
    pub tmp_secret_key: String,
    /// `Token`, sent as `x-cos-security-token`.
    pub token: String,
    /// `ExpiredTime`: the Unix second after which the keys are refused.
    pub expired_time: u64,
    /// `Expiration` (ISO-8601), when STS gave one.
    pub expiration: Option<String>,
    /// `RequestId`.
    pub request_id: String,
}

impl StsCredentials {
    /// The answer a frontend's `getAuthorization` callback hands to cos-js-sdk-v5 and
    /// cos-wx-sdk-v5 unchanged: the flat `TmpSecretId`/`TmpSecretKey`/`SecurityToken`/
    /// `StartTime`/`ExpiredTime`, and the qcloud-cos-sts shape `credentials{tmpSecretId,
    /// tmpSecretKey,sessionToken}`, `startTime`, `expiredTime`, `expiration`, `requestId`.
    /// `StartTime` is `ExpiredTime - duration_seconds` (STS's clock, as Tencent's COS STS SDKs
    /// compute it). It carries the secret: it is for the one client the keys were minted for.
    pub fn frontend_json(&self, duration_seconds: u32) -> serde_json::Value {
        let start = self
            .expired_time
            .saturating_sub(u64::from(duration_seconds));
        serde_json::json!({
            "TmpSecretId": self.tmp_secret_id,
            "TmpSecretKey": self.tmp_secret_key,
            "SecurityToken": self.token,
            "StartTime": start,
            "ExpiredTime": self.expired_time,
            "credentials": {
                "tmpSecretId": self.tmp_secret_id,
                "tmpSecretKey": self.tmp_secret_key,
                "sessionToken": self.token,
            },
            "startTime": start,
            "expiredTime": self.expired_time,
            "expiration": self.expiration,
            "requestId": self.request_id,
        })
    }
}

impl fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsCredentials")
            .field("tmp_secret_id", &self.tmp_secret_id)
            .field("tmp_secret_key", &"<redacted>")
            .field("token", &"<redacted>")
            .field("expired_time", &self.expired_time)
            .field("expiration", &self.expiration)
            .field("request_id", &self.request_id)
            .finish()
    }
}

/// What kind of failure an [`StsError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StsErrorKind {
    /// STS answered `Response.Error` (with its code, e.g. `AuthFailure.SignatureFailure`).
    Service,
    /// The answer was not HTTP 200 (STS answers every error with 200; a proxy did not).
    Status(u16),
    /// The body was not the envelope STS sends.
    Malformed,
}

/// An STS call that did not issue keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.kind, .code, .message, .request_id))]
pub struct StsError {
    /// What kind of failure.
    pub kind: StsErrorKind,
    /// Tencent's error code (`AuthFailure.SignatureFailure`, `InvalidParameter.OverTimeError`,
    /// …), for [`StsErrorKind::Service`].
    pub code: String,
    /// The message.
    pub message: String,
    /// `RequestId`, when the answer had one.
    pub request_id: Option<String>,
}

fn describe(kind: &StsErrorKind, code: &str, message: &str, request_id: &Option<String>) -> String {
    let rid = request_id
        .as_deref()
        .map(|r| format!(" (request id {r})"))
        .unwrap_or_default();
    match kind {
        StsErrorKind::Service => format!("STS {code}: {message}{rid}"),
        StsErrorKind::Status(s) => format!("STS answered HTTP {s}: {message}{rid}"),
        StsErrorKind::Malformed => format!("STS answered something unreadable: {message}"),
    }
}

impl StsError {
    fn malformed(message: impl Into<String>) -> Self {
        Self {
            kind: StsErrorKind::Malformed,
            code: String::new(),
            message: message.into(),
            request_id: None,
        }
    }

    /// Whether retrying may help (`InternalError…`, `RequestLimitExceeded`, a 5xx).
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            StsErrorKind::Service => {
                self.code.starts_with("InternalError") || self.code == "RequestLimitExceeded"
            }
            StsErrorKind::Status(s) => s >= 500,
            StsErrorKind::Malformed => false,
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Body,
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "Credentials")]
    credentials: Option<Keys>,
    #[serde(rename = "ExpiredTime")]
    expired_time: Option<u64>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

#[derive(Deserialize)]
struct Keys {
    #[serde(rename = "Token")]
    token: String,
    #[serde(rename = "TmpSecretId")]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey")]
    tmp_secret_key: String,
}

/// Reads a key-issuing action's answer.
pub(crate) fn parse_credentials(
    status: http::StatusCode,
    body: &[u8],
) -> Result<StsCredentials, StsError> {
    // an answer that carries keys is never echoed into an error (errors get logged)
    let text = if contains(body, b"\"Credentials\"") {
        "(an answer with Credentials, not shown)".to_owned()
    } else {
        String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
    };
    let envelope: Result<Envelope, _> = serde_json::from_slice(body);
    if status != http::StatusCode::OK {
        let (message, request_id) = match &envelope {
            Ok(e) => (
                e.response
                    .error
                    .as_ref()
                    .map_or(text.clone(), |x| x.message.clone()),
                e.response.request_id.clone(),
            ),
            Err(_) => (text, None),
        };
        return Err(StsError {
            kind: StsErrorKind::Status(status.as_u16()),
            code: String::new(),
            message,
            request_id,
        });
    }
    let envelope = envelope.map_err(|e| StsError::malformed(format!("{e}: {text}")))?;
    let r = envelope.response;
    if let Some(error) = r.error {
        return Err(StsError {
            kind: StsErrorKind::Service,
            code: error.code,
            message: error.message,
            request_id: r.request_id,
        });
    }
    let (Some(keys), Some(expired_time)) = (r.credentials, r.expired_time) else {
        return Err(StsError::malformed(format!(
            "the answer lacks Credentials or ExpiredTime: {text}"
        )));
    };
    Ok(StsCredentials {
        tmp_secret_id: keys.tmp_secret_id,
        tmp_secret_key: keys.tmp_secret_key,
        token: keys.token,
        expired_time,
        expiration: r.expiration,
        request_id: r.request_id.unwrap_or_default(),
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn the_frontend_answer_has_both_shapes_and_starts_duration_before_expiry() {
        let keys = StsCredentials {
            tmp_secret_id: "AKIDtmp".into(),
            tmp_secret_key: "tmp-secret".into(),
            token: "tok".into(),
            expired_time: 1_700_001_800,
            expiration: Some("2023-11-14T22:43:20Z".into()),
            request_id: "req-1".into(),
        };
        let json = keys.frontend_json(1800);
        assert_eq!(json["StartTime"], 1_700_000_000u64);
        assert_eq!(json["startTime"], json["StartTime"]);
        assert_eq!(json["TmpSecretKey"], "tmp-secret");
        assert_eq!(json["credentials"]["sessionToken"], "tok");
        assert_eq!(json["expiredTime"], 1_700_001_800u64);
    }

    #[test]
    fn reads_the_documented_answer() {
        // tccli examples.json, GetFederationToken
        let body = br#"{"Response":{"Credentials":{"Token":"kTRt***","TmpSecretId":"AKID***","TmpSecretKey":"Eo28***"},"Expiration":"2023-06-14T05:06:57Z","ExpiredTime":1686719217,"RequestId":"59a5e07e-3d3e-4ae5-9b6b-7a9b7c0c5d4f"}}"#;
        let c = parse_credentials(StatusCode::OK, body).unwrap();
        assert_eq!(c.tmp_secret_id, "AKID***");
        assert_eq!(c.expired_time, 1_686_719_217);
        assert_eq!(c.expiration.as_deref(), Some("2023-06-14T05:06:57Z"));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("kTRt") && !debug.contains("Eo28"),
            "{debug}"
        );
    }

    #[test]
    fn an_error_comes_with_200_and_is_typed() {
        let body = br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"r-1"}}"#;
        let e = parse_credentials(StatusCode::OK, body).unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Service);
        assert_eq!(e.code, "AuthFailure.SignatureFailure");
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert_eq!(
            e.to_string(),
            "STS AuthFailure.SignatureFailure: The provided credentials could not be validated. \
             Please check your signature is correct. (request id r-1)"
        );
        assert!(!e.is_retryable());
        let busy = br#"{"Response":{"Error":{"Code":"InternalError.SystemError","Message":"x"},"RequestId":"r"}}"#;
        assert!(
            parse_credentials(StatusCode::OK, busy)
                .unwrap_err()
                .is_retryable()
        );
    }

    #[test]
    fn other_answers_are_errors_that_say_what_they_were() {
        let e =
            parse_credentials(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>").unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Status(502));
        assert!(e.is_retryable());
        let e = parse_credentials(StatusCode::OK, b"{\"Response\":{}}").unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Malformed);
        let e = parse_credentials(StatusCode::OK, b"not json").unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Malformed);
    }

    #[test]
    fn an_unreadable_answer_with_keys_is_not_echoed() {
        let body = br#"{"Response":{"Credentials":{"Token":"tok-SECRET","TmpSecretId":"AKID","TmpSecretKey":"key-SECRET"},"RequestId":"r"}}"#;
        let e = parse_credentials(StatusCode::OK, body).unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Malformed);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let truncated = &body[..body.len() - 20];
        let e = parse_credentials(StatusCode::OK, truncated).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
