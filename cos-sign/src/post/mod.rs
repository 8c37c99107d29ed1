//! POST Object (browser form upload): the policy builder ([`PostPolicy`]), the signed form
//! fields a browser posts ([`PostForm`]), and reading a policy back ([`parse_policy`]).
//!
//! The signature covers the exact policy bytes: SignKey = hex HMAC-SHA1(SecretKey, KeyTime);
//! StringToSign = hex SHA-1(policy JSON); `q-signature` = hex HMAC-SHA1(SignKey text,
//! StringToSign); the `policy` field is the Base64 of those same bytes.
//!
//! ```
//! use cos_sign::{post::PostPolicy, Credentials, KeyTime};
//! let credentials = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")
//!     .with_security_token("TOKEN_EXAMPLE");
//! let form = PostPolicy::new(1700003600)
//!     .sign_fields()
//!     .bucket("examplebucket-1250000000")
//!     .key_prefix("uploads/")
//!     .content_length_range(1, 10485760)
//!     .security_token()
//!     .sign(&credentials, KeyTime::new(1700000000, 1700003600))?;
//! assert_eq!(form.signature(), "522e162adf433d009f8b08201f27375362bc6a82");
//! assert_eq!(form.field("q-key-time"), Some("1700000000;1700003600"));
//! # Ok::<(), cos_sign::post::PolicyError>(())
//! ```

mod condition;
mod form;
pub(crate) mod iso8601;
mod policy;

pub use condition::Condition;
pub use form::PostForm;
pub use iso8601::{MAX_SECONDS, format_expiration, parse_expiration_millis};
pub use policy::{ParsedPolicy, PostPolicy, parse_policy};

use alloc::string::String;

/// Why a POST policy cannot be built, signed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The key time ends before it starts.
    #[error("key time ends ({end}) before it starts ({start})")]
    InvalidKeyTime {
        /// Start of the window.
        start: u64,
        /// End of the window.
        end: u64,
    },
    /// The expiration is past 9999-12-31T23:59:59Z.
    #[error("expiration {0} is past year 9999")]
    ExpirationOutOfRange(u64),
    /// `content-length-range` with `min > max`.
    #[error("content-length-range {min}..{max} is empty")]
    InvalidContentLengthRange {
        /// Smallest size.
        min: u64,
        /// Largest size.
        max: u64,
    },
    /// A field name that cannot be used (empty, or an `x-cos-` field that does not start so).
    #[error("invalid policy field name `{0}`")]
    InvalidFieldName(String),
    /// The policy is not JSON of the form `{"expiration": "...", "conditions": [...]}`.
    #[error("malformed policy: {0}")]
    MalformedPolicy(String),
    /// A condition is not one of the known forms.
    #[error("malformed policy condition {0}")]
    MalformedCondition(String),
}
