//! [`Error`]: what `Client::execute` returns when an operation fails. It keeps COS's code,
//! message, request id, trace id and status, the operation, the method and URL, and the
//! number of attempts, and reads as one line that says each of them once:
//! `PUT https://bucket.cos.region.myqcloud.com/a.mp4: 403 SignatureDoesNotMatch: … (request id …)`.

use std::fmt;

use cos_model::{CosError, ModelError, ParseError};
use cos_sign::SignError;
use http::{Method, StatusCode, Uri};

use crate::credentials::CredentialError;
use crate::error::TransportError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// COS answered with an error.
    #[error("{0}")]
    Service(CosError),
    /// COS refused the credentials (`ExpiredToken`, `InvalidAccessKeyId`, …): temporary ones
    /// after one forced refresh when the provider could refresh, permanent ones at once.
    /// New credentials are needed; the same request with the same keys will not succeed.
    #[error(
        "{error} (COS refused the {} credentials{})",
        if *.temporary { "temporary" } else { "permanent" },
        if *.refreshed { ", also after a refresh" } else { "" }
    )]
    CredentialsRefused {
        /// COS's answer.
        error: CosError,
        /// Whether the refused credentials were temporary (a token, a remote signer).
        temporary: bool,
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
    request: Option<(Method, String)>,
    attempts: u32,
    budget_exhausted: bool,
    maybe_applied: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request {
            Some((method, url)) => write!(f, "{method} {url}: {}", self.kind)?,
            None => write!(f, "{}: {}", self.operation, self.kind)?,
        }
        if self.attempts > 1 {
            write!(f, ", {} attempts", self.attempts)?;
        }
        if self.budget_exhausted {
            f.write_str(" (retry budget exhausted)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The kind's own source, not the kind: its text is already part of this one's.
        std::error::Error::source(self.kind.as_ref())
    }
}

/// The URL as a user may read it: the query's signature, key id and token are left out
/// (pre-signed and `sign=` forms carry them), everything else (`partNumber`, `uploadId`) stays.
pub(crate) fn display_url(uri: &Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.to_string();
    };
    let base = uri.to_string();
    let path_end = base.len() - query.len() - 1;
    match kept_query(uri) {
        Some(kept) => format!("{}?{kept}", &base[..path_end]),
        None => base[..path_end].to_owned(),
    }
}

/// The query without its signature, key id and token (`None` when nothing is left): what a
/// log or an error may show of it.
pub(crate) fn kept_query(uri: &Uri) -> Option<String> {
    let kept: Vec<&str> = uri
        .query()?
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
            !(name.starts_with("q-")
                || name == "sign"
                || name == "x-cos-security-token"
                || name == "signature")
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

impl Error {
    /// An error of `kind` from `operation` after `attempts` sends (0 when nothing was sent).
    ///
    /// For transports and test doubles that stand in for a client; the client itself also
    /// names the request with [`with_request`](Self::with_request).
    pub fn new(kind: ErrorKind, operation: &'static str, attempts: u32) -> Self {
        Self {
            kind: Box::new(kind),
            operation,
            request: None,
            attempts,
            budget_exhausted: false,
            maybe_applied: false,
        }
    }

    /// Marks that an attempt may have taken effect on COS although its answer was lost (the
    /// client sets it when any attempt failed after the request may have reached the server).
    pub fn with_maybe_applied(mut self) -> Self {
        self.maybe_applied = true;
        self
    }

    /// Names the request (its method and URL; the URL's signature is never shown).
    pub fn with_request(mut self, method: &Method, uri: &Uri) -> Self {
        self.request = Some((method.clone(), display_url(uri)));
        self
    }

    /// Marks that retries stopped because the shared retry budget was empty.
    pub fn with_budget_exhausted(mut self) -> Self {
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

    /// The request's method, once a request was built.
    pub fn method(&self) -> Option<&Method> {
        self.request.as_ref().map(|(m, _)| m)
    }

    /// The request's URL without any signature, once a request was built.
    pub fn url(&self) -> Option<&str> {
        self.request.as_ref().map(|(_, u)| u.as_str())
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
            ErrorKind::Service(e) | ErrorKind::CredentialsRefused { error: e, .. } => Some(e),
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

    /// Whether COS refused the credentials: new ones are needed before this can succeed.
    pub fn is_credentials_refused(&self) -> bool {
        matches!(self.kind.as_ref(), ErrorKind::CredentialsRefused { .. })
    }

    /// Whether COS refused temporary credentials (the case a caller can mend by fetching new
    /// ones: an expired token, a key that no longer exists).
    pub fn is_temporary_credentials_refused(&self) -> bool {
        matches!(
            self.kind.as_ref(),
            ErrorKind::CredentialsRefused {
                temporary: true,
                ..
            }
        )
    }

    /// Whether the request may have taken effect on COS although it failed: this or an
    /// earlier attempt failed after the request may have reached the server (a reset, a
    /// timeout waiting for the answer, a 2xx whose body was cut short). An error that COS
    /// answered on every attempt (a 500, a 200 `<Error>`) took no effect as far as COS says.
    pub fn may_have_taken_effect(&self) -> bool {
        self.maybe_applied
            || self
                .transport()
                .is_some_and(TransportError::may_have_reached_server)
            || matches!(self.kind.as_ref(), ErrorKind::Response(p) if p.status().is_success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_model::ErrorCode;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn keeps_cos_context() {
        let mut cos = CosError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::SlowDown, "slow");
        cos.request_id = Some("rid".into());
        cos.trace_id = Some("tid".into());
        let err = Error::new(ErrorKind::Service(cos), "UploadPart", 4)
            .with_request(
                &Method::PUT,
                &uri("http://127.0.0.1:9/b-1250000000/k?partNumber=1&uploadId=u"),
            )
            .with_budget_exhausted();
        assert_eq!(err.operation(), "UploadPart");
        assert_eq!(err.attempts(), 4);
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(err.request_id(), Some("rid"));
        assert_eq!(err.trace_id(), Some("tid"));
        assert!(err.budget_exhausted());
        assert_eq!(
            err.to_string(),
            "PUT http://127.0.0.1:9/b-1250000000/k?partNumber=1&uploadId=u: 503 SlowDown: slow \
             (request id rid, trace id tid), 4 attempts (retry budget exhausted)"
        );
        assert!(!err.is_credentials_refused());
    }

    #[test]
    fn urls_never_show_a_signature() {
        let shown = display_url(&uri(
            "https://b.cos.r.myqcloud.com/k?response-content-type=a&q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc&x-cos-security-token=t",
        ));
        assert_eq!(
            shown,
            "https://b.cos.r.myqcloud.com/k?response-content-type=a"
        );
        assert_eq!(
            display_url(&uri(
                "https://b.cos.r.myqcloud.com/k?sign=q-sign-algorithm%3Dsha1"
            )),
            "https://b.cos.r.myqcloud.com/k"
        );
        assert_eq!(
            display_url(&uri("https://b.cos.r.myqcloud.com/k")),
            "https://b.cos.r.myqcloud.com/k"
        );
    }

    #[test]
    fn errors_and_clients_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
        send_sync::<crate::Client>();
        send_sync::<crate::TransportError>();
    }

    #[test]
    fn refused_credentials_are_visible() {
        let cos = CosError::new(StatusCode::BAD_REQUEST, ErrorCode::ExpiredToken, "expired");
        let err = Error::new(
            ErrorKind::CredentialsRefused {
                error: cos,
                temporary: true,
                refreshed: true,
            },
            "PutObject",
            2,
        );
        assert!(err.is_credentials_refused());
        assert!(err.is_temporary_credentials_refused());
        assert_eq!(
            err.to_string(),
            "PutObject: 400 ExpiredToken: expired (COS refused the temporary credentials, also \
             after a refresh), 2 attempts"
        );
    }
}
