//! [`Error`]: what `Client::execute` returns when an operation fails. It keeps COS's code,
//! message, request id, trace id and status, the operation's name and the number of attempts.

use std::fmt;

use cos_model::{CosError, ModelError, ParseError};
use cos_sign::SignError;
use http::StatusCode;

use crate::credentials::CredentialError;
use crate::error::TransportError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// COS answered with an error.
    #[error("{0}")]
    Service(CosError),
    /// COS refused the (temporary) credentials as expired or unknown, after one forced refresh
    /// when the provider could refresh.
    #[error("credentials rejected ({}refreshed once): {error}", if *.refreshed { "" } else { "not " })]
    CredentialsExpired {
        /// COS's answer (`ExpiredToken`, `InvalidAccessKeyId`, …).
        error: CosError,
        /// Whether a forced refresh was tried before giving up.
        refreshed: bool,
    },
    /// The exchange failed below HTTP (connect, TLS, timeout, reset, …).
    #[error(transparent)]
    Transport(TransportError),
    /// The response could not be read as the operation's output.
    #[error(transparent)]
    Response(ParseError),
    /// The credential provider failed.
    #[error(transparent)]
    Credentials(CredentialError),
    /// The operation could not build its request.
    #[error(transparent)]
    Build(ModelError),
    /// The request could not be signed.
    #[error(transparent)]
    Sign(SignError),
    /// The request could not be put together (a header value that cannot be sent, a built
    /// request without its signing input).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// An operation that failed, with its context.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    operation: &'static str,
    attempts: u32,
    budget_exhausted: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if self.budget_exhausted {
            f.write_str(" (retry budget exhausted)")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.kind.as_ref())
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, operation: &'static str, attempts: u32) -> Self {
        Self {
            kind: Box::new(kind),
            operation,
            attempts,
            budget_exhausted: false,
        }
    }

    pub(crate) fn with_budget_exhausted(mut self) -> Self {
        self.budget_exhausted = true;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> ErrorKind {
        *self.kind
    }

    /// The operation's name (`UploadPart`, …).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// How many times the request was sent (0 when it failed before the first send).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether retries stopped because the shared retry budget was empty.
    pub fn budget_exhausted(&self) -> bool {
        self.budget_exhausted
    }

    /// COS's error, when COS answered one.
    pub fn cos(&self) -> Option<&CosError> {
        match self.kind.as_ref() {
            ErrorKind::Service(e) | ErrorKind::CredentialsExpired { error: e, .. } => Some(e),
            ErrorKind::Response(p) => p.cos(),
            _ => None,
        }
    }

    /// The transport error, when the exchange failed below HTTP.
    pub fn transport(&self) -> Option<&TransportError> {
        match self.kind.as_ref() {
            ErrorKind::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the last response, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self.kind.as_ref() {
            ErrorKind::Response(p) => Some(p.status()),
            _ => self.cos().map(|e| e.status),
        }
    }

    /// `x-cos-request-id` of the last response, if one arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self.kind.as_ref() {
            ErrorKind::Response(p) => p.request_id(),
            _ => self.cos().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// `x-cos-trace-id` of the last response, if any.
    pub fn trace_id(&self) -> Option<&str> {
        self.cos().and_then(|e| e.trace_id.as_deref())
    }

    /// Whether the credentials were refused as expired or unknown (new credentials needed).
    pub fn is_credential_expired(&self) -> bool {
        matches!(self.kind.as_ref(), ErrorKind::CredentialsExpired { .. })
            || self.cos().is_some_and(CosError::is_credential_expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_model::ErrorCode;

    #[test]
    fn keeps_cos_context() {
        let mut cos = CosError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::SlowDown, "slow");
        cos.request_id = Some("rid".into());
        cos.trace_id = Some("tid".into());
        let err = Error::new(ErrorKind::Service(cos), "UploadPart", 4).with_budget_exhausted();
        assert_eq!(err.operation(), "UploadPart");
        assert_eq!(err.attempts(), 4);
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(err.request_id(), Some("rid"));
        assert_eq!(err.trace_id(), Some("tid"));
        assert!(err.budget_exhausted());
        let text = err.to_string();
        assert!(
            text.starts_with("UploadPart failed after 4 attempts (retry budget exhausted): "),
            "{text}"
        );
        assert!(text.contains("SlowDown"), "{text}");
        assert!(!err.is_credential_expired());
    }

    #[test]
    fn errors_and_clients_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
        send_sync::<crate::Client>();
        send_sync::<crate::TransportError>();
    }

    #[test]
    fn credential_expiry_is_visible() {
        let cos = CosError::new(StatusCode::BAD_REQUEST, ErrorCode::ExpiredToken, "expired");
        let err = Error::new(
            ErrorKind::CredentialsExpired {
                error: cos,
                refreshed: true,
            },
            "PutObject",
            2,
        );
        assert!(err.is_credential_expired());
        assert!(err.to_string().contains("refreshed once"));
    }
}
