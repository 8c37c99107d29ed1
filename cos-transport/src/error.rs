//! `TransportError`: what went wrong while moving one HTTP exchange, and whether the request may
//! have reached the server (which decides whether a retry of a non-idempotent request is safe).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// A boxed error source.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The TCP connection (or the TLS handshake) was not established in time.
    Connect,
    /// The connection stopped accepting request-body bytes for longer than the idle timeout.
    RequestBodyIdle,
    /// The request was fully written but the response headers did not arrive in time.
    ResponseHeaders,
    /// The response body stalled: no frame arrived within the idle timeout.
    ResponseBodyIdle,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::RequestBodyIdle => "request body idle",
            TimeoutKind::ResponseHeaders => "response headers",
            TimeoutKind::ResponseBodyIdle => "response body idle",
        })
    }
}

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Resolving the name or opening the TCP connection failed.
    Connect,
    /// The TLS handshake or the TLS session failed (certificate, protocol, alert).
    Tls,
    /// A timer fired.
    Timeout(TimeoutKind),
    /// The connection broke (reset, closed early, broken pipe).
    Io,
    /// The peer spoke invalid HTTP, or the request could not be expressed in HTTP.
    Protocol,
    /// Reading the response body (or producing the request body) failed.
    Body,
    /// A response body was longer than the limit the caller set.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Anything else (a test transport that has no answer, a runtime error).
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportErrorKind::Connect => f.write_str("connect error"),
            TransportErrorKind::Tls => f.write_str("TLS error"),
            TransportErrorKind::Timeout(kind) => write!(f, "{kind} timeout"),
            TransportErrorKind::Io => f.write_str("connection error"),
            TransportErrorKind::Protocol => f.write_str("HTTP protocol error"),
            TransportErrorKind::Body => f.write_str("body error"),
            TransportErrorKind::BodyTooLarge { limit } => {
                write!(f, "response body longer than {limit} bytes")
            }
            TransportErrorKind::Other => f.write_str("transport error"),
        }
    }
}

/// Whether a failed request may have been seen by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestState {
    /// The request certainly did not reach the server (no connection was made): any request may
    /// be retried.
    NotSent,
    /// Some or all of the request may have reached the server: only idempotent requests may be
    /// retried.
    MaybeSent,
}

/// An error moving one HTTP exchange.
#[derive(Debug, thiserror::Error)]
pub struct TransportError {
    kind: TransportErrorKind,
    state: RequestState,
    peer: Option<String>,
    after: Option<Duration>,
    message: Option<String>,
    #[source]
    source: Option<BoxError>,
}

/// The innermost error of a chain: the OS's or the TLS library's own words, which the layers
/// above (hyper-util's "client error (Connect)") only wrap.
pub(crate) fn root_cause<'a>(
    err: &'a (dyn StdError + Send + Sync + 'static),
) -> &'a (dyn StdError + 'static) {
    let mut current: &(dyn StdError + 'static) = err;
    loop {
        // io::Error::source skips the error it wraps; look inside it directly.
        let inner = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|e| e as &(dyn StdError + 'static))
            .or_else(|| current.source());
        match inner {
            Some(next) => current = next,
            None => return current,
        }
    }
}

/// The `host:port` a request to `uri` reaches, the scheme's default port filled in (an IPv6
/// host keeps the brackets `http::Uri` gives it): what a transport failure names as its peer.
pub(crate) fn peer_of(uri: &http::Uri) -> Option<String> {
    let host = uri.host()?;
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    Some(format!("{host}:{port}"))
}

/// `30 s`, `1.5 s`, `250 ms`.
pub(crate) struct Seconds(pub(crate) Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms < 1000 {
            write!(f, "{ms} ms")
        } else if ms.is_multiple_of(1000) {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let peer = self.peer.as_deref();
        let at = |f: &mut fmt::Formatter<'_>, prep: &str| match peer {
            Some(p) => write!(f, " {prep} {p}"),
            None => Ok(()),
        };
        let within = |f: &mut fmt::Formatter<'_>, word: &str| match self.after {
            Some(d) => write!(f, " {word} {}", Seconds(d)),
            None => Ok(()),
        };
        match self.kind {
            TransportErrorKind::Connect => {
                f.write_str("could not connect")?;
                at(f, "to")?;
            }
            TransportErrorKind::Tls => {
                f.write_str("TLS failed")?;
                at(f, "with")?;
            }
            TransportErrorKind::Timeout(TimeoutKind::Connect) => {
                f.write_str("could not connect")?;
                at(f, "to")?;
                within(f, "within")?;
            }
            TransportErrorKind::Timeout(TimeoutKind::ResponseHeaders) => {
                f.write_str("no response")?;
                at(f, "from")?;
                within(f, "within")?;
            }
            TransportErrorKind::Timeout(TimeoutKind::RequestBodyIdle) => {
                f.write_str("the request body stalled")?;
                at(f, "towards")?;
                within(f, "for")?;
            }
            TransportErrorKind::Timeout(TimeoutKind::ResponseBodyIdle) => {
                f.write_str("the response body stalled")?;
                at(f, "from")?;
                within(f, "for")?;
            }
            TransportErrorKind::Io => {
                f.write_str("the connection broke")?;
                at(f, "to")?;
            }
            TransportErrorKind::Protocol => {
                f.write_str("invalid HTTP")?;
                at(f, "from")?;
            }
            kind => {
                write!(f, "{kind}")?;
                at(f, "from")?;
            }
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {}", root_cause(source.as_ref()))?;
        }
        Ok(())
    }
}

impl TransportError {
    /// A new error of `kind` in `state`.
    pub fn new(kind: TransportErrorKind, state: RequestState) -> Self {
        Self {
            kind,
            state,
            peer: None,
            after: None,
            message: None,
            source: None,
        }
    }

    /// A timeout that fired after `after`.
    pub fn timeout_after(kind: TimeoutKind, after: Duration) -> Self {
        let mut error = Self::timeout(kind);
        error.after = Some(after);
        error
    }

    /// Names the other end (`host:port` or an address) the error concerns.
    pub fn with_peer(mut self, peer: impl Into<String>) -> Self {
        self.peer = Some(peer.into());
        self
    }

    /// The other end, when known.
    pub fn peer(&self) -> Option<&str> {
        self.peer.as_deref()
    }

    /// How long the timer that fired waited, for a timeout.
    pub fn waited(&self) -> Option<Duration> {
        self.after
    }

    /// A timeout; the connect timeout is the only one that implies [`RequestState::NotSent`].
    pub fn timeout(kind: TimeoutKind) -> Self {
        let state = match kind {
            TimeoutKind::Connect => RequestState::NotSent,
            _ => RequestState::MaybeSent,
        };
        Self::new(TransportErrorKind::Timeout(kind), state)
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Attaches a human-readable detail.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// What failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn state(&self) -> RequestState {
        self.state
    }

    /// `true` unless the request certainly never left this machine.
    pub fn may_have_reached_server(&self) -> bool {
        self.state == RequestState::MaybeSent
    }

    /// `true` for every timeout kind.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, TransportErrorKind::Timeout(_))
    }

    /// Whether a retry could help: everything except a response that was too long for its limit
    /// and a TLS failure (a bad certificate stays bad).
    pub fn is_transient(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::BodyTooLarge { .. } | TransportErrorKind::Tls
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_timeout_is_not_sent_but_others_may_be() {
        assert!(!TransportError::timeout(TimeoutKind::Connect).may_have_reached_server());
        for kind in [
            TimeoutKind::RequestBodyIdle,
            TimeoutKind::ResponseHeaders,
            TimeoutKind::ResponseBodyIdle,
        ] {
            let err = TransportError::timeout(kind);
            assert!(err.may_have_reached_server());
            assert!(err.is_timeout());
        }
    }

    #[test]
    fn display_includes_message_and_source() {
        let err = TransportError::new(TransportErrorKind::Io, RequestState::MaybeSent)
            .with_message("while writing")
            .with_source(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        let text = err.to_string();
        assert_eq!(
            text,
            "the connection broke: while writing: connection reset"
        );
        assert!(StdError::source(&err).is_some());
    }

    #[test]
    fn display_names_the_peer_and_the_root_cause_once() {
        let refused = std::io::Error::from_raw_os_error(111);
        let wrapped = std::io::Error::other(refused);
        let err = TransportError::new(TransportErrorKind::Connect, RequestState::NotSent)
            .with_peer("127.0.0.1:9")
            .with_source(wrapped);
        assert_eq!(
            err.to_string(),
            "could not connect to 127.0.0.1:9: Connection refused (os error 111)"
        );
        let err =
            TransportError::timeout_after(TimeoutKind::ResponseHeaders, Duration::from_secs(30))
                .with_peer("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com:443");
        assert_eq!(
            err.to_string(),
            "no response from examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com:443 within 30 s"
        );
        assert_eq!(Seconds(Duration::from_millis(1500)).to_string(), "1.5 s");
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert_eq!(
            peer_of(&uri("http://127.0.0.1/x")).as_deref(),
            Some("127.0.0.1:80")
        );
        assert_eq!(
            peer_of(&uri("https://[::1]/x")).as_deref(),
            Some("[::1]:443")
        );
        assert_eq!(peer_of(&uri("https://h:9000/x")).as_deref(), Some("h:9000"));
        assert_eq!(Seconds(Duration::from_millis(250)).to_string(), "250 ms");
    }

    #[test]
    fn tls_and_too_large_are_not_transient() {
        assert!(
            !TransportError::new(TransportErrorKind::Tls, RequestState::NotSent).is_transient()
        );
        assert!(
            !TransportError::new(
                TransportErrorKind::BodyTooLarge { limit: 1 },
                RequestState::MaybeSent
            )
            .is_transient()
        );
        assert!(
            TransportError::new(TransportErrorKind::Io, RequestState::MaybeSent).is_transient()
        );
    }
}
