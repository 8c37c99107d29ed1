//! [`CallError`]: one COS call that failed, as the upload sees it once the client has retried
//! what one request can retry — the client's error itself, or a check of ours that the answer
//! failed — and the one thing the upload still decides: what it can do about it
//! ([`CallErrorKind`]: start afresh, resend a corrupted part, look at the object, wait for new
//! credentials, or give up).

use std::fmt;
use std::sync::Arc;

use cos_model::ErrorCode;
use cos_transport::ErrorKind;

/// What the upload can still do about a failed call. Everything a retry of the same request
/// could mend was tried by the client already, so most failures are [`Failed`](Self::Failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallErrorKind {
    /// The multipart upload no longer exists (`NoSuchUpload`): start afresh, or, after a
    /// Complete that may have taken effect, look at the object.
    NoSuchUpload,
    /// The object does not exist (`NoSuchKey`, a 404 to HEAD).
    NotFound,
    /// COS received bytes whose MD5 is not the `Content-MD5` sent (`BadDigest`): the body was
    /// corrupted on the way, so sending it again can succeed.
    BadDigest,
    /// COS acknowledged bytes that are not the ones sent (their ETag or CRC64 differs): send
    /// them again.
    Integrity,
    /// COS refused the credentials, or the provider could not produce any: nothing succeeds
    /// until new ones arrive (keep the upload for a resume).
    Credentials,
    /// Anything else: final for this call.
    Failed,
}

#[derive(Clone)]
enum Cause {
    Client(Arc<cos_transport::Error>),
    Message(Arc<str>),
}

/// A failed COS call: see the module documentation. Cheap to clone; never holds credentials
/// (the client's errors do not).
#[derive(Clone)]
pub struct CallError {
    kind: CallErrorKind,
    may_have_taken_effect: bool,
    budget_exhausted: bool,
    cause: Cause,
}

fn kind_of(e: &cos_transport::Error) -> CallErrorKind {
    match e.kind() {
        ErrorKind::CredentialsRefused { .. } | ErrorKind::Credentials(_) => {
            return CallErrorKind::Credentials;
        }
        ErrorKind::Transport(_) => return CallErrorKind::Failed,
        _ => {}
    }
    match e.cos().map(|c| &c.code) {
        Some(ErrorCode::NoSuchUpload) => CallErrorKind::NoSuchUpload,
        Some(ErrorCode::NoSuchKey | ErrorCode::NoSuchResource) => CallErrorKind::NotFound,
        Some(ErrorCode::BadDigest) => CallErrorKind::BadDigest,
        _ => CallErrorKind::Failed,
    }
}

impl From<cos_transport::Error> for CallError {
    fn from(e: cos_transport::Error) -> Self {
        Self {
            kind: kind_of(&e),
            may_have_taken_effect: e.may_have_taken_effect(),
            budget_exhausted: e.budget_exhausted(),
            cause: Cause::Client(Arc::new(e)),
        }
    }
}

impl CallError {
    /// A failure found by the upload itself (a check of an answer, a deadline of its own), or
    /// reported by a [`CosApi`](crate::CosApi) that is not the client.
    pub fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            may_have_taken_effect: false,
            budget_exhausted: false,
            cause: Cause::Message(Arc::from(message.into())),
        }
    }

    /// A call not sent again because the client's retry policy allows no more sends (its
    /// attempts or its shared budget are used up). `previous` is what the last send got.
    pub fn not_resent(previous: &CallError) -> Self {
        let mut e = previous.clone();
        e.kind = CallErrorKind::Failed;
        e.budget_exhausted = true;
        e
    }

    /// Marks that the call may have taken effect although it failed (its answer was lost).
    pub fn with_maybe_taken_effect(mut self) -> Self {
        self.may_have_taken_effect = true;
        self
    }

    /// What the upload can do about it.
    pub fn kind(&self) -> CallErrorKind {
        self.kind
    }

    /// The client's error, when the client reported it.
    pub fn client(&self) -> Option<&cos_transport::Error> {
        match &self.cause {
            Cause::Client(e) => Some(e),
            Cause::Message(_) => None,
        }
    }

    /// COS's error code, when COS answered one.
    pub fn code(&self) -> Option<&str> {
        self.client()?.cos().map(|c| c.code.as_str())
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.client()?.status().map(|s| s.as_u16())
    }

    /// `x-cos-request-id`, when a response arrived.
    pub fn request_id(&self) -> Option<&str> {
        self.client()?.request_id()
    }

    /// Whether the call may have taken effect on COS (an answer lost after the request
    /// arrived, or an earlier send of the same request that may have been applied).
    pub fn may_have_taken_effect(&self) -> bool {
        self.may_have_taken_effect
    }

    /// Whether sends stopped because the client's retry budget (or attempts) ran out.
    pub fn budget_exhausted(&self) -> bool {
        self.budget_exhausted
    }

    /// Whether new credentials are needed before anything can succeed.
    pub fn needs_new_credentials(&self) -> bool {
        self.kind == CallErrorKind::Credentials
    }
}

impl fmt::Debug for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallError")
            .field("kind", &self.kind)
            .field("may_have_taken_effect", &self.may_have_taken_effect)
            .field("budget_exhausted", &self.budget_exhausted)
            .field("error", &self.to_string())
            .finish()
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Client(e) => write!(f, "{e}")?,
            Cause::Message(m) => f.write_str(m)?,
        }
        if self.budget_exhausted && self.client().is_none_or(|e| !e.budget_exhausted()) {
            f.write_str(" (not sent again: the retry budget is used up)")?;
        }
        Ok(())
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The client's text is this one's; its source is the next thing to read.
        self.client().and_then(std::error::Error::source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_model::CosError;
    use cos_transport::{RequestState, TransportError, TransportErrorKind};
    use http::StatusCode;

    fn cos(code: ErrorCode, status: u16) -> cos_transport::Error {
        let status = StatusCode::from_u16(status).unwrap();
        cos_transport::Error::new(
            ErrorKind::Service(CosError::new(status, code, "m")),
            "UploadPart",
            1,
        )
    }

    #[test]
    fn classifies_only_what_the_upload_can_act_on() {
        let k = |e| CallError::from(e).kind();
        assert_eq!(
            k(cos(ErrorCode::NoSuchUpload, 404)),
            CallErrorKind::NoSuchUpload
        );
        assert_eq!(k(cos(ErrorCode::NoSuchKey, 404)), CallErrorKind::NotFound);
        assert_eq!(k(cos(ErrorCode::BadDigest, 400)), CallErrorKind::BadDigest);
        assert_eq!(k(cos(ErrorCode::InternalError, 500)), CallErrorKind::Failed);
        assert_eq!(k(cos(ErrorCode::SlowDown, 503)), CallErrorKind::Failed);
        let refused = cos_transport::Error::new(
            ErrorKind::CredentialsRefused {
                error: CosError::new(StatusCode::BAD_REQUEST, ErrorCode::ExpiredToken, "x"),
                temporary: true,
                refreshed: true,
            },
            "PutObject",
            2,
        );
        let e = CallError::from(refused);
        assert!(e.needs_new_credentials());
        assert!(!e.may_have_taken_effect(), "COS answered both sends");
        let reset = cos_transport::Error::new(
            ErrorKind::Transport(TransportError::new(
                TransportErrorKind::Io,
                RequestState::MaybeSent,
            )),
            "CompleteMultipartUpload",
            1,
        );
        let e = CallError::from(reset);
        assert_eq!(e.kind(), CallErrorKind::Failed);
        assert!(e.may_have_taken_effect());
    }

    #[test]
    fn reads_as_the_client_error_once() {
        let e = CallError::from(cos(ErrorCode::InternalError, 500));
        assert_eq!(e.to_string(), "UploadPart: 500 InternalError: m");
        assert_eq!(e.code(), Some("InternalError"));
        assert_eq!(e.status(), Some(500));
        let stopped = CallError::not_resent(&CallError::new(
            CallErrorKind::BadDigest,
            "part 3: BadDigest",
        ));
        assert_eq!(stopped.kind(), CallErrorKind::Failed);
        assert_eq!(
            stopped.to_string(),
            "part 3: BadDigest (not sent again: the retry budget is used up)"
        );
    }
}
