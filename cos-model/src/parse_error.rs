//! `ParseError`: why a response could not be turned into an operation's output.

use crate::CosError;
use http::StatusCode;

/// A response that is not the operation's success: COS's error, or a body or header that
/// cannot be read. Every variant keeps the status and the request id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// COS answered an error (any non-success status, or a 200 whose body is `<Error>`).
    #[error(transparent)]
    Cos(CosError),
    /// The body is not the expected document (not UTF-8, not XML, wrong root, bad value).
    #[error("cannot decode the response body (HTTP {}{}): {message}", .status.as_u16(), fmt_rid(.request_id))]
    Decode {
        /// The status.
        status: StatusCode,
        /// `x-cos-request-id`.
        request_id: Option<String>,
        /// What went wrong.
        message: String,
    },
    /// A header the operation needs is absent (e.g. Upload Part's `ETag`).
    #[error("the response lacks the {name} header (HTTP {}{})", .status.as_u16(), fmt_rid(.request_id))]
    MissingHeader {
        /// The status.
        status: StatusCode,
        /// `x-cos-request-id`.
        request_id: Option<String>,
        /// The header name.
        name: &'static str,
    },
    /// A header has a value that cannot be read (e.g. a non-numeric `x-cos-hash-crc64ecma`).
    #[error("invalid {name} header {value:?} (HTTP {}{})", .status.as_u16(), fmt_rid(.request_id))]
    InvalidHeader {
        /// The status.
        status: StatusCode,
        /// `x-cos-request-id`.
        request_id: Option<String>,
        /// The header name.
        name: &'static str,
        /// The raw value (lossy UTF-8).
        value: String,
    },
}

fn fmt_rid(rid: &Option<String>) -> String {
    rid.as_ref()
        .map(|r| format!(", request id {r}"))
        .unwrap_or_default()
}

impl ParseError {
    /// The response's status.
    pub fn status(&self) -> StatusCode {
        match self {
            ParseError::Cos(e) => e.status,
            ParseError::Decode { status, .. }
            | ParseError::MissingHeader { status, .. }
            | ParseError::InvalidHeader { status, .. } => *status,
        }
    }

    /// The response's request id.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ParseError::Cos(e) => e.request_id.as_deref(),
            ParseError::Decode { request_id, .. }
            | ParseError::MissingHeader { request_id, .. }
            | ParseError::InvalidHeader { request_id, .. } => request_id.as_deref(),
        }
    }

    /// COS's error, when that is what this is.
    pub fn cos(&self) -> Option<&CosError> {
        match self {
            ParseError::Cos(e) => Some(e),
            _ => None,
        }
    }

    /// Whether sending the request again may help: a retryable [`CosError`], or a success
    /// status whose body was cut short or garbled (Complete's long-running 200).
    pub fn is_retryable(&self) -> bool {
        match self {
            ParseError::Cos(e) => e.is_retryable(),
            ParseError::Decode { status, .. } => status.is_success(),
            ParseError::MissingHeader { .. } | ParseError::InvalidHeader { .. } => false,
        }
    }

    pub(crate) fn decode(head: &crate::ResponseHead, message: impl Into<String>) -> Self {
        ParseError::Decode {
            status: head.status,
            request_id: head.request_id().map(str::to_owned),
            message: message.into(),
        }
    }
}

impl From<CosError> for ParseError {
    fn from(e: CosError) -> Self {
        ParseError::Cos(e)
    }
}
