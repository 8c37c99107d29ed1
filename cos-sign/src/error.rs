//! [`SignError`]: why a request cannot be signed. Never carries a secret.

use alloc::string::String;

/// Why a request cannot be signed.
///
/// None of the variants carries a secret key, a session token or a signature key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The method is empty or not an HTTP token.
    #[error("invalid HTTP method `{method}`")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// The path does not start with `/` (sign `/` + key; `/` for bucket operations).
    #[error("the path to sign must start with `/`: `{path}`")]
    InvalidPath {
        /// The path as given.
        path: String,
    },
    /// The window ends before it starts.
    #[error("key time ends ({end}) before it starts ({start})")]
    InvalidKeyTime {
        /// `KeyTime::start`.
        start: u64,
        /// `KeyTime::end`.
        end: u64,
    },
    /// Two signed headers have the same name once lowercased (`Content-Type` and
    /// `content-type`): which one the server sees is not for the signer to guess.
    #[error("header `{name}` is given more than once (names are compared lowercased)")]
    DuplicateHeader {
        /// The name as signed (`lower(UrlEncode(name))`).
        name: String,
    },
    /// Two query parameters have the same name once lowercased.
    #[error("query parameter `{name}` is given more than once (names are compared lowercased)")]
    DuplicateParameter {
        /// The name as signed (`lower(UrlEncode(name))`).
        name: String,
    },
    /// A header value is not UTF-8 (only from the `http` adapter).
    #[error("header `{name}` has a value that is not UTF-8")]
    NonUtf8Header {
        /// The header name.
        name: String,
    },
    /// The request URI's path or query has an invalid percent escape or is not UTF-8 once
    /// decoded (only from the `http` adapter).
    #[error("request URI is not decodable: {0}")]
    UndecodableUri(#[from] crate::encode::DecodeError),
}
