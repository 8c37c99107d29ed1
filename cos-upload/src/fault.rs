//! What went wrong with one COS call, classified into the few kinds the upload state machine
//! reacts to differently (retry, retry after refresh, start afresh, give up).

use std::fmt;
use std::sync::Arc;

/// The kind of a failed call, as far as the upload's reaction is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// A 5xx (InternalError, ServiceUnavailable, 520…): transient.
    Server,
    /// `SlowDown` (503): transient, back off longer.
    SlowDown,
    /// The connection failed or was reset. `maybe_sent` tells whether the request may have
    /// reached the server (a reset after the body was sent).
    Connection {
        /// Whether the server may have acted on the request.
        maybe_sent: bool,
    },
    /// A timeout.
    Timeout,
    /// `RequestTimeTooSkewed` / `Request has expired`: the client corrects its clock offset.
    ClockSkew,
    /// The temporary credentials expired; the client's provider refreshes them.
    CredentialExpired,
    /// `NoSuchUpload`: the multipart upload no longer exists.
    NoSuchUpload,
    /// `NoSuchKey` / 404 on HEAD: the object does not exist.
    NotFound,
    /// `BadDigest`: COS received bytes whose MD5 differs from Content-MD5 (corrupted in transit).
    BadDigest,
    /// The bytes COS acknowledged do not have the CRC64 we sent.
    Integrity,
    /// A response that could not be understood (a 200 Complete without an ETag, bad XML).
    BadResponse,
    /// Any other refusal (AccessDenied, InvalidArgument, EntityTooSmall, …): not retried.
    Rejected,
}

impl FaultKind {
    /// Whether retrying the same call may succeed.
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            FaultKind::NoSuchUpload | FaultKind::NotFound | FaultKind::Rejected
        )
    }
}

/// A failed COS call: its kind, the COS error code and request id when the server answered,
/// and the underlying error. Cheap to clone. Never holds credentials.
#[derive(Clone)]
pub struct ApiError {
    kind: FaultKind,
    code: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    /// An error of `kind` with a message.
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            request_id: None,
            status: None,
            message: message.into(),
            source: None,
        }
    }

    /// Adds the COS error code (e.g. `SlowDown`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Adds the `x-cos-request-id`.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Adds the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// The COS error code, when COS answered with one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The request id, when COS answered.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " (code {code}")?;
            if let Some(status) = self.status {
                write!(f, ", status {status}")?;
            }
            if let Some(id) = &self.request_id {
                write!(f, ", request id {id}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_code_status_and_request_id() {
        let e = ApiError::new(FaultKind::SlowDown, "please slow down")
            .with_code("SlowDown")
            .with_status(503)
            .with_request_id("NjQ");
        assert_eq!(
            e.to_string(),
            "please slow down (code SlowDown, status 503, request id NjQ)"
        );
        assert!(e.kind().is_retryable());
        assert!(!FaultKind::NoSuchUpload.is_retryable());
    }
}
