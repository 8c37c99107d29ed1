//! [`StsCallError`]: an STS call that issued no keys, as one line naming the action, the URL
//! and the cause (Tencent's code and message, or the transport's root cause).

use std::fmt;

use cos_model::sts::StsError;

use crate::error::TransportError;

/// What failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsCallErrorKind {
    /// STS answered an error (`Response.Error`), or something that is not its envelope.
    #[error(transparent)]
    Sts(StsError),
    /// The exchange failed below HTTP.
    #[error(transparent)]
    Transport(TransportError),
    /// The request could not be put together (a header value that cannot be sent).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// An STS call that failed, with its context.
#[derive(Debug)]
pub struct StsCallError {
    kind: Box<StsCallErrorKind>,
    action: &'static str,
    url: String,
    attempts: u32,
}

impl fmt::Display for StsCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.action, self.url, self.kind)?;
        if self.attempts > 1 {
            write!(f, ", {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for StsCallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.kind.as_ref())
    }
}

impl StsCallError {
    pub(crate) fn new(
        kind: StsCallErrorKind,
        action: &'static str,
        url: &str,
        attempts: u32,
    ) -> Self {
        Self {
            kind: Box::new(kind),
            action,
            url: url.to_owned(),
            attempts,
        }
    }

    /// What failed.
    pub fn kind(&self) -> &StsCallErrorKind {
        &self.kind
    }

    /// Tencent's error, when STS answered one.
    pub fn sts(&self) -> Option<&StsError> {
        match self.kind.as_ref() {
            StsCallErrorKind::Sts(e) => Some(e),
            _ => None,
        }
    }

    /// Tencent's error code (`AuthFailure.SignatureFailure`, …), when STS answered one.
    pub fn code(&self) -> Option<&str> {
        self.sts()
            .filter(|e| !e.code.is_empty())
            .map(|e| e.code.as_str())
    }

    /// The action (`GetFederationToken`, …).
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// How many times the request was sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}
