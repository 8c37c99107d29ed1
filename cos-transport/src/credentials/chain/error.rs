//! What the chain says when it finds nothing ([`ChainError`]: every source and why it had
//! nothing) or when a source that is configured fails ([`SourceError`]: which source and why).
//! Neither ever holds a secret: they name variables, files, URLs and roles.

use std::fmt;

use crate::error::BoxError;

/// A configured source that cannot give keys: half-set variables, an unreadable profile, a
/// metadata service or STS that refused. The chain stops there rather than fall through to a
/// different identity.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}{}", cause_suffix(.cause))]
pub struct SourceError {
    /// The source (`environment`, `profile file`, `TKE web identity`, `CVM instance role`,
    /// `assumed role`).
    pub source_name: &'static str,
    /// What went wrong, naming the variable, file or URL.
    pub message: String,
    /// The lower error (an I/O, transport or STS error), if any.
    #[source]
    pub cause: Option<BoxError>,
}

fn cause_suffix(cause: &Option<BoxError>) -> String {
    cause.as_ref().map(|c| format!(": {c}")).unwrap_or_default()
}

impl SourceError {
    pub(crate) fn new(source_name: &'static str, message: impl Into<String>) -> Self {
        Self {
            source_name,
            message: message.into(),
            cause: None,
        }
    }

    pub(crate) fn caused_by(
        source_name: &'static str,
        message: impl Into<String>,
        cause: impl Into<BoxError>,
    ) -> Self {
        Self {
            source_name,
            message: message.into(),
            cause: Some(cause.into()),
        }
    }
}

/// One source the chain tried and why it had nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// The source's name.
    pub source_name: &'static str,
    /// Why it had nothing (`TENCENTCLOUD_SECRET_ID is not set`, `… does not exist`, …).
    pub reason: String,
}

/// No source of the chain had credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ChainError {
    /// Every source tried, in order.
    pub tried: Vec<Tried>,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no credentials found; tried ")?;
        for (i, t) in self.tried.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", t.source_name, t.reason)?;
        }
        Ok(())
    }
}
