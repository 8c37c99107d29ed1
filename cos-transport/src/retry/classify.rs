//! Which failures are retried, and as what.
//!
//! - a transport failure before anything was sent (connect, DNS, connect timeout): any request;
//! - a transport failure after the request may have reached the server (reset, timeouts while
//!   sending or waiting): idempotent requests only;
//! - `SlowDown` (or HTTP 429): any request, with the longer slow-down backoff;
//! - `RequestTimeout` (the server gave up reading the body, so nothing was applied): any request;
//! - 5xx but 501 (including COS's 520) and a 2xx carrying `InternalError`/`ServiceUnavailable`: idempotent
//!   requests, and non-idempotent ones too unless the policy says otherwise (the server reported
//!   a failure, so the request did not take effect as far as COS tells).
//!
//! Everything else (4xx, TLS failures, a body over its limit) is final.

use crate::error::{RequestState, TransportError};

/// What went wrong with one attempt, as the retry logic sees it.
#[derive(Debug, Clone, Copy)]
pub enum Failure<'a> {
    /// No response: the transport failed.
    Transport(&'a TransportError),
    /// COS answered with an error.
    Response {
        /// The HTTP status.
        status: u16,
        /// The COS error code, when the body (or `x-cos-error-code`) carried one.
        code: Option<&'a str>,
    },
}

/// Why a failure is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// The request never left this machine.
    NotSent,
    /// The connection failed after the request may have been sent (idempotent requests only).
    MaybeSent,
    /// A timeout after the request may have been sent (idempotent requests only).
    Timeout,
    /// A 5xx answer.
    ServerError,
    /// `SlowDown` / 429: back off longer.
    SlowDown,
    /// `RequestTimeout`: the server stopped waiting for the request body.
    RequestTimeout,
}

impl RetryClass {
    /// Whether the retry budget charges the timeout price.
    pub fn is_timeout(self) -> bool {
        self == RetryClass::Timeout
    }
}

/// Classifies `failure`; `None` means it is final.
///
/// `server_errors_for_non_idempotent` decides whether a 5xx answer to a non-idempotent request
/// is retried.
pub fn classify(
    failure: Failure<'_>,
    idempotent: bool,
    server_errors_for_non_idempotent: bool,
) -> Option<RetryClass> {
    match failure {
        Failure::Transport(err) => {
            if !err.is_transient() {
                return None;
            }
            match err.state() {
                RequestState::NotSent => Some(RetryClass::NotSent),
                RequestState::MaybeSent if !idempotent => None,
                RequestState::MaybeSent if err.is_timeout() => Some(RetryClass::Timeout),
                RequestState::MaybeSent => Some(RetryClass::MaybeSent),
            }
        }
        Failure::Response { status, code } => {
            let class = match (status, code) {
                (_, Some("SlowDown")) | (429, _) => RetryClass::SlowDown,
                (_, Some("RequestTimeout")) => RetryClass::RequestTimeout,
                // NotImplemented is permanent
                (501, _) | (_, Some("NotImplemented")) => return None,
                (500..=599, _) | (_, Some("InternalError" | "ServiceUnavailable")) => {
                    RetryClass::ServerError
                }
                _ => return None,
            };
            if class == RetryClass::ServerError && !idempotent && !server_errors_for_non_idempotent
            {
                return None;
            }
            Some(class)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TimeoutKind, TransportErrorKind};

    fn resp(status: u16, code: Option<&str>, idempotent: bool) -> Option<RetryClass> {
        classify(Failure::Response { status, code }, idempotent, true)
    }

    #[test]
    fn responses() {
        assert_eq!(
            resp(503, Some("SlowDown"), false),
            Some(RetryClass::SlowDown)
        );
        assert_eq!(resp(429, None, true), Some(RetryClass::SlowDown));
        assert_eq!(
            resp(400, Some("RequestTimeout"), false),
            Some(RetryClass::RequestTimeout)
        );
        assert_eq!(
            resp(500, Some("InternalError"), true),
            Some(RetryClass::ServerError)
        );
        assert_eq!(resp(520, None, true), Some(RetryClass::ServerError));
        assert_eq!(
            resp(200, Some("InternalError"), true),
            Some(RetryClass::ServerError)
        );
        assert_eq!(
            resp(503, Some("ServiceUnavailable"), true),
            Some(RetryClass::ServerError)
        );
        assert_eq!(resp(501, Some("NotImplemented"), true), None);
        assert_eq!(resp(403, Some("AccessDenied"), true), None);
        assert_eq!(resp(404, Some("NoSuchKey"), true), None);
        assert_eq!(resp(400, Some("EntityTooSmall"), true), None);
        // the knob for non-idempotent 5xx
        let f = Failure::Response {
            status: 500,
            code: Some("InternalError"),
        };
        assert_eq!(classify(f, false, false), None);
        assert_eq!(classify(f, false, true), Some(RetryClass::ServerError));
        // SlowDown is always safe
        let f = Failure::Response {
            status: 503,
            code: Some("SlowDown"),
        };
        assert_eq!(classify(f, false, false), Some(RetryClass::SlowDown));
    }

    #[test]
    fn transport_failures() {
        let not_sent = TransportError::new(TransportErrorKind::Connect, RequestState::NotSent);
        assert_eq!(
            classify(Failure::Transport(&not_sent), false, true),
            Some(RetryClass::NotSent)
        );
        let reset = TransportError::new(TransportErrorKind::Io, RequestState::MaybeSent);
        assert_eq!(
            classify(Failure::Transport(&reset), true, true),
            Some(RetryClass::MaybeSent)
        );
        assert_eq!(classify(Failure::Transport(&reset), false, true), None);
        let timeout = TransportError::timeout(TimeoutKind::ResponseHeaders);
        assert_eq!(
            classify(Failure::Transport(&timeout), true, true),
            Some(RetryClass::Timeout)
        );
        assert_eq!(classify(Failure::Transport(&timeout), false, true), None);
        let connect_timeout = TransportError::timeout(TimeoutKind::Connect);
        assert_eq!(
            classify(Failure::Transport(&connect_timeout), false, true),
            Some(RetryClass::NotSent)
        );
        let tls = TransportError::new(TransportErrorKind::Tls, RequestState::NotSent);
        assert_eq!(classify(Failure::Transport(&tls), true, true), None);
    }
}
