//! `FailureInfo`: why an upload, a credential fetch or an abort failed, as a plain value
//! (COS's code, message and request id when COS answered) that events, snapshots and
//! [`VodError::Engine`](crate::VodError::Engine) carry.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure ended an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FailureKind {
    /// COS answered with an error (see `code`).
    Cos,
    /// The network or HTTP layer failed after retries.
    Transport,
    /// The credential provider failed or gave unusable credentials.
    Credentials,
    /// The local file could not be read, or changed during the upload.
    Source,
    /// The local file changed (code `SourceChanged`) or vanished (code `SourceMissing`)
    /// since it was added to the list, typically while the app was not running: it is never
    /// uploaded with other bytes. Delete the file from the list (which aborts what it left
    /// on COS) and add it again to upload its new content.
    SourceChanged,
    /// The uploaded object did not match the local data (CRC64).
    Integrity,
    /// Bucket, region or key missing or invalid.
    Target,
    /// Anything else.
    Other,
}

/// Why an upload failed: the COS code, message and request id when COS answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureInfo {
    /// The kind of failure.
    pub kind: FailureKind,
    /// The COS error code (e.g. `NoSuchBucket`), or our own code for local failures.
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The COS request id, when COS answered.
    pub request_id: Option<String>,
    /// The HTTP status, when COS answered.
    pub status: Option<u16>,
}

impl FailureInfo {
    /// A failure with no COS details.
    pub fn new(kind: FailureKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            request_id: None,
            status: None,
        }
    }
}

impl fmt::Display for FailureInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}
