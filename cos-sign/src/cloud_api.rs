//! Feature `verify`: what Tencent Cloud API 3.0 (STS, VOD, …) answers when it refuses a
//! signature, shared by [`tc3::verify`](crate::tc3::verify) and
//! [`sts_v1::verify`](crate::sts_v1::verify): one error type whose [`code`](ApiVerifyError::code)
//! is Tencent's error code (sts.md §1.5, §1.7), the ±300 s timestamp window, and the host forms
//! a client may have signed.

use alloc::string::String;

/// How far `X-TC-Timestamp` (or the v1 `Timestamp` parameter) may be from the server's clock,
/// either way, in seconds: five minutes, beyond which Tencent answers
/// `AuthFailure.SignatureExpire`.
pub const TIMESTAMP_TOLERANCE: u64 = 300;

/// The canonical STS host, which the Java COS-STS SDK signs (signature v1) whenever its
/// endpoint is not an `sts.*.tencentcloudapi.com` name, e.g. an IP address.
pub const STS_HOST: &str = "sts.tencentcloudapi.com";

/// Why a Cloud API request's signature was refused. [`code`](Self::code) gives the error
/// code Tencent answers with in `Response.Error.Code`. No variant carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiVerifyError {
    /// The Authorization is missing or not of the `TC3-HMAC-SHA256 Credential=…,
    /// SignedHeaders=…, Signature=…` shape.
    #[error("the Authorization header is not a TC3-HMAC-SHA256 signature: {0}")]
    InvalidAuthorization(String),
    /// `Authorization: SKIP`: an unsigned call, which Tencent accepts only for
    /// AssumeRoleWithWebIdentity and AssumeRoleWithSAML (sts.md §1.8). The caller, which
    /// knows the action, decides; as a refusal it is `AuthFailure.InvalidAuthorization`.
    #[error("the request is unsigned (Authorization: SKIP)")]
    Unsigned,
    /// A required parameter or header is absent (`X-TC-Timestamp`, `Timestamp`, `Nonce`,
    /// `SecretId`, `Signature`).
    #[error("missing parameter `{0}`")]
    MissingParameter(String),
    /// A parameter has the wrong type (a timestamp or nonce that is not an integer).
    #[error("parameter `{name}` is invalid: {reason}")]
    InvalidParameter {
        /// The parameter or header.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// v1 `SignatureMethod` is neither `HmacSHA1` nor `HmacSHA256`.
    #[error("unsupported SignatureMethod `{0}`")]
    UnsupportedSignatureMethod(String),
    /// The timestamp is more than [`TIMESTAMP_TOLERANCE`] seconds from `now`.
    #[error("the signature is expired: timestamp {timestamp}, now {now}")]
    SignatureExpire {
        /// The timestamp the request carried.
        timestamp: u64,
        /// The time of the check.
        now: u64,
    },
    /// The lookup does not know the SecretId.
    #[error("SecretId `{0}` is not found")]
    SecretIdNotFound(String),
    /// The key is temporary and the request's token (`X-TC-Token`, v1 `Token`) is missing
    /// or is not the key's.
    #[error("the session token is missing or does not belong to the key")]
    TokenFailure,
    /// The credential date is not the UTC date of the timestamp (the documentation requires
    /// it; it is what a signer using local time gets wrong around midnight).
    #[error("credential date {date} is not the UTC date of the timestamp ({expected})")]
    DateMismatch {
        /// The date in the Credential.
        date: String,
        /// The UTC date of the timestamp.
        expected: String,
    },
    /// A header named in SignedHeaders is absent from the request.
    #[error("signed header `{0}` is missing from the request")]
    MissingSignedHeader(String),
    /// The recomputed signature differs. Carries what the verifier computed (for the signing
    /// host the request's own `Host`), to compare with the client's.
    #[error("the signature does not match")]
    SignatureFailure {
        /// TC3: the CanonicalRequest computed; v1: empty.
        canonical_request: String,
        /// The StringToSign computed.
        string_to_sign: String,
    },
}

impl ApiVerifyError {
    /// Tencent's error code for this refusal (`Response.Error.Code`).
    ///
    /// ```
    /// use cos_sign::cloud_api::ApiVerifyError;
    /// assert_eq!(ApiVerifyError::TokenFailure.code(), "AuthFailure.TokenFailure");
    /// assert_eq!(ApiVerifyError::MissingParameter("Nonce".into()).code(), "MissingParameter");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidAuthorization(_) | Self::Unsigned => "AuthFailure.InvalidAuthorization",
            Self::MissingParameter(_) => "MissingParameter",
            Self::InvalidParameter { .. } => "InvalidParameter",
            // No source says which code Tencent uses; the parameter's value is what is wrong.
            Self::UnsupportedSignatureMethod(_) => "InvalidParameterValue",
            Self::SignatureExpire { .. } => "AuthFailure.SignatureExpire",
            Self::SecretIdNotFound(_) => "AuthFailure.SecretIdNotFound",
            Self::TokenFailure => "AuthFailure.TokenFailure",
            Self::DateMismatch { .. }
            | Self::MissingSignedHeader(_)
            | Self::SignatureFailure { .. } => "AuthFailure.SignatureFailure",
        }
    }

    /// The message Tencent answers with where it has been seen in the wild (sts.md §1.7),
    /// otherwise `None` (use the `Display` text).
    pub fn tencent_message(&self) -> Option<&'static str> {
        match self.code() {
            "AuthFailure.SecretIdNotFound" => {
                Some("The SecretId is not found, please ensure that your SecretId is correct.")
            }
            "AuthFailure.SignatureExpire" => {
                Some("The signature is expired, please request again.")
            }
            "AuthFailure.SignatureFailure" => Some(
                "The provided credentials could not be validated. Please check your signature is correct.",
            ),
            _ => None,
        }
    }
}

/// The host without its `:port` (`127.0.0.1:9000` → `127.0.0.1`, `[::1]:9000` → `[::1]`), as
/// the Node SDK signs it (`URL.hostname`); `None` when there is no port to strip.
///
/// ```
/// use cos_sign::cloud_api::strip_port;
/// assert_eq!(strip_port("sts.localhost:9000"), Some("sts.localhost"));
/// assert_eq!(strip_port("[::1]:9000"), Some("[::1]"));
/// assert_eq!(strip_port("sts.tencentcloudapi.com"), None);
/// assert_eq!(strip_port("[::1]"), None);
/// ```
pub fn strip_port(host: &str) -> Option<&str> {
    let (name, port) = host.rsplit_once(':')?;
    let bracketed_or_plain = if host.starts_with('[') {
        name.ends_with(']')
    } else {
        !name.contains(':')
    };
    (bracketed_or_plain
        && !name.is_empty()
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit()))
    .then_some(name)
}

/// Parses a timestamp parameter: decimal digits only.
pub(crate) fn parse_timestamp(name: &str, text: &str) -> Result<u64, ApiVerifyError> {
    let invalid = |reason: &str| ApiVerifyError::InvalidParameter {
        name: name.into(),
        reason: reason.into(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("not a non-negative integer"));
    }
    text.parse().map_err(|_| invalid("too large"))
}

/// Checks `timestamp` within [`TIMESTAMP_TOLERANCE`] of `now`, either way.
pub(crate) fn check_timestamp(timestamp: u64, now: u64) -> Result<(), ApiVerifyError> {
    if timestamp.abs_diff(now) > TIMESTAMP_TOLERANCE {
        Err(ApiVerifyError::SignatureExpire { timestamp, now })
    } else {
        Ok(())
    }
}

/// Checks the request's session token against the key's, in constant time: a temporary key
/// (one with a token) needs its own token; a permanent key ignores any.
pub(crate) fn check_token(
    credentials: &crate::Credentials,
    given: Option<&str>,
) -> Result<(), ApiVerifyError> {
    match credentials.security_token() {
        None => Ok(()),
        Some(expected) if given.is_some_and(|g| constant_time_eq(expected, g)) => Ok(()),
        Some(_) => Err(ApiVerifyError::TokenFailure),
    }
}

/// Constant-time equality (for equal lengths; the length itself is not secret).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn strip_port_only_strips_a_numeric_port() {
        for (host, stripped) in [
            ("127.0.0.1:9000", Some("127.0.0.1")),
            ("a:b", None),
            ("a:", None),
            (":80", None),
            ("::1", None),
            ("[::1]:80", Some("[::1]")),
            ("[::1]", None),
            ("", None),
        ] {
            assert_eq!(strip_port(host), stripped, "{host}");
        }
    }

    #[test]
    fn timestamps_parse_and_the_window_is_inclusive() {
        assert_eq!(parse_timestamp("T", "1700000000"), Ok(1700000000));
        for bad in ["", "-1", "1.5", " 1", "99999999999999999999999"] {
            assert_eq!(
                parse_timestamp("T", bad).unwrap_err().code(),
                "InvalidParameter"
            );
        }
        assert!(check_timestamp(1000, 1300).is_ok());
        assert!(check_timestamp(1300, 1000).is_ok());
        assert_eq!(
            check_timestamp(1000, 1301),
            Err(ApiVerifyError::SignatureExpire {
                timestamp: 1000,
                now: 1301
            })
        );
        assert!(check_timestamp(1301, 1000).is_err());
    }

    #[test]
    fn tokens_are_required_only_of_temporary_keys() {
        let permanent = Credentials::new("a", "b");
        assert!(check_token(&permanent, None).is_ok());
        assert!(check_token(&permanent, Some("x")).is_ok());
        let temporary = Credentials::new("a", "b").with_security_token("tok");
        assert!(check_token(&temporary, Some("tok")).is_ok());
        assert_eq!(
            check_token(&temporary, None),
            Err(ApiVerifyError::TokenFailure)
        );
        assert_eq!(
            check_token(&temporary, Some("to")),
            Err(ApiVerifyError::TokenFailure)
        );
    }

    #[test]
    fn every_refusal_has_a_tencent_code() {
        let all = [
            ApiVerifyError::InvalidAuthorization(String::new()),
            ApiVerifyError::Unsigned,
            ApiVerifyError::MissingParameter(String::new()),
            ApiVerifyError::InvalidParameter {
                name: String::new(),
                reason: String::new(),
            },
            ApiVerifyError::UnsupportedSignatureMethod(String::new()),
            ApiVerifyError::SignatureExpire {
                timestamp: 0,
                now: 0,
            },
            ApiVerifyError::SecretIdNotFound(String::new()),
            ApiVerifyError::TokenFailure,
            ApiVerifyError::DateMismatch {
                date: String::new(),
                expected: String::new(),
            },
            ApiVerifyError::MissingSignedHeader(String::new()),
            ApiVerifyError::SignatureFailure {
                canonical_request: String::new(),
                string_to_sign: String::new(),
            },
        ];
        for e in &all {
            let code = e.code();
            assert!(
                code.starts_with("AuthFailure.")
                    || code.ends_with("Parameter")
                    || code == "InvalidParameterValue",
                "{code}"
            );
        }
        assert_eq!(
            all[10].tencent_message(),
            Some(
                "The provided credentials could not be validated. Please check your signature is correct."
            )
        );
        assert_eq!(all[7].tencent_message(), None);
    }
}
