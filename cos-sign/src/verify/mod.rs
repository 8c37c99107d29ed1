//! Feature `verify`: checking COS signatures the way the server does, for emulators, proxies
//! and backends that accept COS-signed requests.
//!
//! Three entry points: [`verify_header`] (an `Authorization` header), [`verify_presigned`]
//! (the `q-*` or merged `sign=` query form) and [`verify_post_form`] (a POST Object form).
//! Each parses, checks the key-time window against the caller's `now`, checks that every
//! listed header and parameter is present, recomputes and compares in constant time.
//! Session tokens are not checked here (the caller knows which tokens it issued).
//!
//! ```
//! use cos_sign::{sign, Credentials, HeaderPolicy, KeyTime, SignableRequest};
//! use cos_sign::verify::{verify_header, VerifyError};
//!
//! let credentials = Credentials::new("AKIDexample", "secret");
//! let headers = [("Host", "b-1250000000.cos.ap-guangzhou.myqcloud.com")];
//! let req = SignableRequest::new("GET", "/a.txt").with_headers(&headers);
//! let sig = sign(&req, &credentials, KeyTime::new(100, 200), &HeaderPolicy::Default)?;
//! let lookup = |id: &str| (id == "AKIDexample").then(|| credentials.clone());
//!
//! let verified = verify_header(sig.authorization(), &req, &lookup, 150).unwrap();
//! assert_eq!(verified.signed_headers, ["host"]);
//! assert!(matches!(verify_header(sig.authorization(), &req, &lookup, 201), Err(VerifyError::Expired { .. })));
//! # Ok::<(), cos_sign::SignError>(())
//! ```

mod authorization;
mod post_form;
mod request;

pub use authorization::AuthorizationFields;
pub use post_form::{VerifiedPost, verify_post_form};
pub use request::{verify_header, verify_presigned};

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Credentials, KeyTime};

/// Finds the credentials of an access key id (`q-ak`).
pub trait SecretLookup {
    /// The credentials of `access_key_id`, or `None` when it is unknown.
    fn credentials(&self, access_key_id: &str) -> Option<Credentials>;
}

impl<F: Fn(&str) -> Option<Credentials>> SecretLookup for F {
    fn credentials(&self, access_key_id: &str) -> Option<Credentials> {
        self(access_key_id)
    }
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// `q-ak`.
    pub access_key_id: String,
    /// `q-key-time`.
    pub key_time: KeyTime,
    /// `q-sign-time` (equal to `key_time` from every SDK).
    pub sign_time: KeyTime,
    /// `q-header-list`, in order.
    pub signed_headers: Vec<String>,
    /// `q-url-param-list`, in order.
    pub signed_params: Vec<String>,
    /// The HttpString that was recomputed.
    pub http_string: String,
    /// The StringToSign that was recomputed.
    pub string_to_sign: String,
}

/// Why a signature was refused. No variant carries a secret key or a SignKey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The Authorization, query or form is not a well-formed COS signature.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// `q-ak` is not known to the lookup.
    #[error("unknown access key id `{0}`")]
    UnknownAccessKey(String),
    /// `now` is after the end of the window.
    #[error("request has expired: key time {key_time}, now {now}")]
    Expired {
        /// The window.
        key_time: KeyTime,
        /// The time of the check.
        now: u64,
    },
    /// `now` is before the start of the window.
    #[error("request is not valid yet: key time {key_time}, now {now}")]
    NotYetValid {
        /// The window.
        key_time: KeyTime,
        /// The time of the check.
        now: u64,
    },
    /// A header named in `q-header-list` is not in the request.
    #[error("signed header `{0}` is missing from the request")]
    MissingSignedHeader(String),
    /// A parameter named in `q-url-param-list` is not in the request.
    #[error("signed query parameter `{0}` is missing from the request")]
    MissingSignedParameter(String),
    /// The recomputed signature differs; carries what was computed, as COS's error body does
    /// (`FormatString`, `StringToSign`). For a POST form `http_string` is the policy JSON.
    #[error("signature does not match")]
    SignatureMismatch {
        /// The HttpString (FormatString) the verifier computed.
        http_string: String,
        /// The StringToSign the verifier computed.
        string_to_sign: String,
    },
    /// The POST policy's `expiration` is past.
    #[error("POST policy has expired")]
    PolicyExpired,
    /// A POST policy condition does not hold; `condition` is its JSON text.
    #[error("POST policy condition failed: {condition}")]
    PolicyConditionFailed {
        /// The condition, e.g. `["starts-with","$key","uploads/"]`.
        condition: String,
    },
}

/// Checks `now` against a window.
fn check_window(key_time: KeyTime, now: u64) -> Result<(), VerifyError> {
    if now < key_time.start {
        Err(VerifyError::NotYetValid { key_time, now })
    } else if now > key_time.end {
        Err(VerifyError::Expired { key_time, now })
    } else {
        Ok(())
    }
}

/// Constant-time equality of two signatures.
fn signatures_equal(computed: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(computed.as_bytes().ct_eq(given.as_bytes()))
}
