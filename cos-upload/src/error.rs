//! The crate's error type: why an upload did not end with the source's bytes stored under
//! its key. Every variant is typed; an integrity mismatch is never reported as success.

use crate::fault::ApiError;
use crate::plan::PlanError;

/// Which COS call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallKind {
    /// PUT Object (the single-request upload).
    PutObject,
    /// Initiate Multipart Upload.
    Initiate,
    /// Upload Part.
    UploadPart,
    /// Complete Multipart Upload.
    Complete,
    /// HEAD Object (checking whether an interrupted Complete took effect).
    HeadObject,
    /// DELETE Object (removing an object whose CRC64 did not match).
    DeleteObject,
    /// Abort Multipart Upload.
    Abort,
    /// List Parts.
    ListParts,
    /// List Multipart Uploads.
    ListUploads,
}

impl std::fmt::Display for CallKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CallKind::PutObject => "PutObject",
            CallKind::Initiate => "InitiateMultipartUpload",
            CallKind::UploadPart => "UploadPart",
            CallKind::Complete => "CompleteMultipartUpload",
            CallKind::HeadObject => "HeadObject",
            CallKind::DeleteObject => "DeleteObject",
            CallKind::Abort => "AbortMultipartUpload",
            CallKind::ListParts => "ListParts",
            CallKind::ListUploads => "ListMultipartUploads",
        })
    }
}

/// A problem with the source being uploaded.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading failed.
    #[error("reading the source failed: {0}")]
    Io(String),
    /// The file changed (size or modification time) while it was being uploaded.
    #[error("the source changed during the upload: {0}")]
    Changed(String),
    /// The file is shorter than when the upload was planned.
    #[error("the source ended at byte {at}, {expected} bytes were expected")]
    Truncated {
        /// Where it ended.
        at: u64,
        /// Its planned length.
        expected: u64,
    },
    /// A stream is longer than 10 000 parts of its growth schedule can hold.
    #[error("the stream is longer than 10 000 parts of its growth schedule can hold")]
    StreamTooLong,
}

/// Why an upload did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The object cannot be cut into parts within COS's limits.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The source could not be read or changed during the upload.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A COS call failed (after the client's retries and ours).
    #[error("{call} failed after {attempts} attempt(s){}: {error}", part_label(*.part))]
    Call {
        /// Which call.
        call: CallKind,
        /// The part number, for UploadPart.
        part: Option<u32>,
        /// How many times we tried.
        attempts: u32,
        /// The last error.
        error: ApiError,
    },
    /// COS acknowledged a part whose CRC64 differs from the bytes we sent (after retries).
    #[error("part {number}: COS stored CRC64 {stored}, the bytes sent have {sent}")]
    PartCrcMismatch {
        /// The part number.
        number: u32,
        /// The CRC64 of the bytes we sent.
        sent: u64,
        /// The CRC64 COS returned.
        stored: u64,
    },
    /// The object's CRC64 after Complete (or PUT) differs from the source's.
    #[error(
        "the stored object has CRC64 {stored}, the source has {expected}{}",
        if *.deleted { " (the wrong object was deleted)" } else { " (DELETING THE WRONG OBJECT FAILED)" }
    )]
    ObjectCrcMismatch {
        /// The CRC64 of the source (combined from the parts).
        expected: u64,
        /// The CRC64 COS returned.
        stored: u64,
        /// Whether the wrong object was deleted again.
        deleted: bool,
    },
    /// The multipart upload disappeared (`NoSuchUpload`) and could not be started afresh.
    #[error("multipart upload {upload_id} no longer exists and the upload cannot start afresh")]
    UploadVanished {
        /// The upload id.
        upload_id: String,
    },
    /// The checkpoint store failed.
    #[error("checkpoint store: {0}")]
    Checkpoint(String),
    /// The upload was paused; its checkpoint is kept and a later run resumes it.
    #[error("the upload was paused{}", id_label(.upload_id.as_deref()))]
    Paused {
        /// The multipart upload id, when one was started.
        upload_id: Option<String>,
    },
    /// The upload was cancelled and its multipart upload aborted.
    #[error("the upload was cancelled{}", id_label(.upload_id.as_deref()))]
    Cancelled {
        /// The aborted multipart upload id, when one was started.
        upload_id: Option<String>,
    },
    /// Aborting the multipart upload failed: it is left on COS (its parts are billed) until
    /// aborted by hand or by orphan clean-up.
    #[error("aborting multipart upload {upload_id} failed ({abort_error}) after: {cause}")]
    AbortFailed {
        /// The upload id left behind.
        upload_id: String,
        /// Why the upload was being aborted (cancel or a failure).
        cause: Box<UploadError>,
        /// The abort's last error.
        abort_error: ApiError,
    },
    /// A COS call failed, and the multipart upload is kept on COS with its checkpoint:
    /// uploading the same source to the same key again resumes it (expired credentials, a
    /// network outage longer than the retries, a permission fixed later).
    #[error("{cause}; multipart upload {upload_id} is kept for a resume")]
    Resumable {
        /// The upload id kept.
        upload_id: String,
        /// What failed.
        cause: Box<UploadError>,
    },
    /// The request named no API and the uploader has none (built with
    /// `Uploader::builder_without_api`); nothing was sent.
    #[error("the request names no COS API and the uploader has no default one")]
    NoApi,
    /// The uploader's driver task ended without a result (the runtime shut down).
    #[error("the upload task ended without a result (runtime shut down?)")]
    TaskLost,
}

impl UploadError {
    /// The multipart upload id this error concerns, when there is one.
    pub fn upload_id(&self) -> Option<&str> {
        match self {
            UploadError::UploadVanished { upload_id }
            | UploadError::AbortFailed { upload_id, .. }
            | UploadError::Resumable { upload_id, .. } => Some(upload_id),
            UploadError::Paused { upload_id } | UploadError::Cancelled { upload_id } => {
                upload_id.as_deref()
            }
            _ => None,
        }
    }

    /// The COS error behind this one, when a call failed.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            UploadError::Call { error, .. } => Some(error),
            UploadError::AbortFailed { cause, .. } | UploadError::Resumable { cause, .. } => {
                cause.api_error()
            }
            _ => None,
        }
    }

    /// Whether the multipart upload was kept for a resume (paused, or failed resumably).
    pub fn is_resumable(&self) -> bool {
        matches!(
            self,
            UploadError::Resumable { .. } | UploadError::Paused { upload_id: Some(_) }
        )
    }

    /// Whether a COS call failed because the credentials expired (new ones are needed).
    pub fn is_credential_expired(&self) -> bool {
        self.api_error()
            .is_some_and(|e| e.kind() == crate::fault::FaultKind::CredentialExpired)
    }

    /// Whether the upload stopped because it was paused (its checkpoint is kept).
    pub fn is_paused(&self) -> bool {
        matches!(self, UploadError::Paused { .. })
    }

    /// Whether the upload stopped because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        match self {
            UploadError::Cancelled { .. } => true,
            UploadError::AbortFailed { cause, .. } => cause.is_cancelled(),
            _ => false,
        }
    }
}

fn part_label(part: Option<u32>) -> String {
    part.map(|n| format!(" for part {n}")).unwrap_or_default()
}

fn id_label(id: Option<&str>) -> String {
    id.map(|id| format!(" (upload id {id})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultKind;

    #[test]
    fn abort_failure_names_the_upload_id() {
        let e = UploadError::AbortFailed {
            upload_id: "1700-abc".into(),
            cause: Box::new(UploadError::Cancelled {
                upload_id: Some("1700-abc".into()),
            }),
            abort_error: ApiError::new(FaultKind::Timeout, "timed out"),
        };
        let text = e.to_string();
        assert!(text.contains("1700-abc"), "{text}");
        assert!(e.is_cancelled());
        assert_eq!(e.upload_id(), Some("1700-abc"));
    }

    #[test]
    fn call_errors_name_the_part() {
        let e = UploadError::Call {
            call: CallKind::UploadPart,
            part: Some(7),
            attempts: 4,
            error: ApiError::new(FaultKind::Server, "internal error"),
        };
        assert_eq!(
            e.to_string(),
            "UploadPart failed after 4 attempt(s) for part 7: internal error"
        );
    }
}
