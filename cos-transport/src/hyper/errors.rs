//! Mapping hyper-util's client errors to [`TransportError`]: what failed, and whether the request
//! may have reached the server (only a failure to connect proves it did not).

use std::error::Error as StdError;
use std::io;

use crate::error::{RequestState, TimeoutKind, TransportError, TransportErrorKind};

#[derive(Debug, Default)]
struct Findings {
    tls: bool,
    timed_out: bool,
    protocol: bool,
}

fn inspect(err: &(dyn StdError + 'static), found: &mut Findings) {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            found.tls = true;
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            if io_err.kind() == io::ErrorKind::TimedOut {
                found.timed_out = true;
            }
            // io::Error::source skips the wrapped error itself; look at it directly
            if let Some(inner) = io_err.get_ref() {
                inspect(inner, found);
            }
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_parse() || h.is_parse_status() || h.is_user() {
                found.protocol = true;
            }
            if h.is_timeout() {
                found.timed_out = true;
            }
        }
        next = e.source();
    }
}

/// Classifies an error returned by hyper-util's legacy client for a request.
pub(crate) fn from_client_error(err: hyper_util::client::legacy::Error) -> TransportError {
    let mut found = Findings::default();
    inspect(&err, &mut found);
    let (kind, state) = if err.is_connect() {
        let kind = if found.tls {
            TransportErrorKind::Tls
        } else if found.timed_out {
            TransportErrorKind::Timeout(TimeoutKind::Connect)
        } else {
            TransportErrorKind::Connect
        };
        (kind, RequestState::NotSent)
    } else {
        let kind = if found.tls {
            TransportErrorKind::Tls
        } else if found.protocol {
            TransportErrorKind::Protocol
        } else {
            TransportErrorKind::Io
        };
        (kind, RequestState::MaybeSent)
    };
    TransportError::new(kind, state).with_source(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rustls_error_inside_io_error() {
        let io_err = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        let mut found = Findings::default();
        inspect(&io_err, &mut found);
        assert!(found.tls);
        assert!(!found.timed_out);
    }

    #[test]
    fn finds_timed_out_io_error() {
        let io_err = io::Error::new(io::ErrorKind::TimedOut, "connect timed out");
        let mut found = Findings::default();
        inspect(&io_err, &mut found);
        assert!(found.timed_out);
    }
}
