//! The crate's error type: why an upload did not end with the source's bytes stored under
//! its key. Every variant is typed; an integrity mismatch is never reported as success.

use cos_model::{PartNumber, UploadId};

use crate::call_error::CallError;
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

impl CallKind {
    /// The COS operation's name, as cos-model's operations name themselves.
    pub fn operation(self) -> &'static str {
        match self {
            CallKind::PutObject => "PutObject",
            CallKind::Initiate => "InitiateMultipartUpload",
            CallKind::UploadPart => "UploadPart",
            CallKind::Complete => "CompleteMultipartUpload",
            CallKind::HeadObject => "HeadObject",
            CallKind::DeleteObject => "DeleteObject",
            CallKind::Abort => "AbortMultipartUpload",
            CallKind::ListParts => "ListParts",
            CallKind::ListUploads => "ListMultipartUploads",
        }
    }
}

impl std::fmt::Display for CallKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.operation())
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
    /// A COS call failed (after the client's retries). The text is the client's: the
    /// method, the URL (which names the part), what COS or the network said, the sends.
    #[error("{error}")]
    Call {
        /// Which call.
        call: CallKind,
        /// The part number, for UploadPart.
        part: Option<PartNumber>,
        /// The error.
        error: CallError,
    },
    /// COS acknowledged a part whose CRC64 differs from the bytes we sent (after retries).
    #[error("part {number}: COS stored CRC64 {stored}, the bytes sent have {sent}")]
    PartCrcMismatch {
        /// The part number.
        number: PartNumber,
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
    #[error("multipart upload{} no longer exists and the upload cannot start afresh", id_label(.upload_id.as_ref()))]
    UploadVanished {
        /// The upload id.
        upload_id: Option<UploadId>,
    },
    /// The checkpoint store failed.
    #[error("checkpoint store: {0}")]
    Checkpoint(String),
    /// The upload was paused; its checkpoint is kept and a later run resumes it.
    #[error("the upload was paused{}", id_label(.upload_id.as_ref()))]
    Paused {
        /// The multipart upload id, when one was started.
        upload_id: Option<UploadId>,
    },
    /// The upload was cancelled and its multipart upload aborted.
    #[error("the upload was cancelled{}", id_label(.upload_id.as_ref()))]
    Cancelled {
        /// The aborted multipart upload id, when one was started.
        upload_id: Option<UploadId>,
    },
    /// Aborting the multipart upload failed: it is left on COS (its parts are billed) until
    /// aborted by hand or by orphan clean-up.
    #[error("aborting multipart upload {upload_id} failed ({abort_error}) after: {cause}")]
    AbortFailed {
        /// The upload id left behind.
        upload_id: UploadId,
        /// Why the upload was being aborted (cancel or a failure).
        cause: Box<UploadError>,
        /// The abort's error.
        abort_error: CallError,
    },
    /// A COS call failed, and the multipart upload is kept on COS with its checkpoint:
    /// uploading the same source to the same key again resumes it (expired credentials, a
    /// network outage longer than the retries, a permission fixed later).
    #[error("{cause}; multipart upload {upload_id} is kept for a resume")]
    Resumable {
        /// The upload id kept.
        upload_id: UploadId,
        /// What failed.
        cause: Box<UploadError>,
    },
    /// The request named no API and the uploader has none (built with
    /// `Uploader::builder_without_api`); nothing was sent.
    #[error("the request names no COS API and the uploader has no default one")]
    NoApi,
    /// The API addresses no bucket (a `Client` built without `.bucket(..)`); nothing was sent.
    #[error("the client addresses no bucket: build it with .bucket(..) or use with_bucket(..)")]
    NoBucket,
    /// The uploader's driver task ended without a result (the runtime shut down).
    #[error("the upload task ended without a result (runtime shut down?)")]
    TaskLost,
}

impl UploadError {
    /// The multipart upload id this error concerns, when there is one.
    pub fn upload_id(&self) -> Option<&UploadId> {
        match self {
            UploadError::AbortFailed { upload_id, .. }
            | UploadError::Resumable { upload_id, .. } => Some(upload_id),
            UploadError::UploadVanished { upload_id }
            | UploadError::Paused { upload_id }
            | UploadError::Cancelled { upload_id } => upload_id.as_ref(),
            _ => None,
        }
    }

    /// The failed COS call behind this one, when a call failed.
    pub fn call_error(&self) -> Option<&CallError> {
        match self {
            UploadError::Call { error, .. } => Some(error),
            UploadError::AbortFailed { cause, .. } | UploadError::Resumable { cause, .. } => {
                cause.call_error()
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

    /// Whether a COS call failed because COS refused the credentials or none could be had:
    /// new ones are needed (the upload is kept for a resume when a checkpoint can be kept).
    pub fn needs_new_credentials(&self) -> bool {
        self.call_error()
            .is_some_and(CallError::needs_new_credentials)
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

fn id_label(id: Option<&UploadId>) -> String {
    id.map(|id| format!(" (upload id {id})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call_error::CallErrorKind;

    fn id() -> UploadId {
        UploadId::new("1700-abc").unwrap()
    }

    #[test]
    fn abort_failure_names_the_upload_id() {
        let e = UploadError::AbortFailed {
            upload_id: id(),
            cause: Box::new(UploadError::Cancelled {
                upload_id: Some(id()),
            }),
            abort_error: CallError::new(CallErrorKind::Failed, "DELETE …: no response"),
        };
        let text = e.to_string();
        assert!(text.contains("1700-abc"), "{text}");
        assert!(e.is_cancelled());
        assert_eq!(e.upload_id(), Some(&id()));
    }

    #[test]
    fn call_errors_read_as_the_call_error_once() {
        let e = UploadError::Call {
            call: CallKind::UploadPart,
            part: Some(PartNumber::new(7).unwrap()),
            error: CallError::new(
                CallErrorKind::Failed,
                "PUT …?partNumber=7&uploadId=u: 500 InternalError",
            ),
        };
        assert_eq!(
            e.to_string(),
            "PUT …?partNumber=7&uploadId=u: 500 InternalError"
        );
        let kept = UploadError::Resumable {
            upload_id: id(),
            cause: Box::new(e),
        };
        assert_eq!(
            kept.to_string(),
            "PUT …?partNumber=7&uploadId=u: 500 InternalError; multipart upload 1700-abc is kept for a resume"
        );
    }
}
