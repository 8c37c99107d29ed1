//! The crate's error type: why a listing, a delete by prefix or a copy stopped. A failed COS
//! request keeps the client's error whole (operation, method, URL, COS's status, code, message
//! and request id); the other variants are checks of this crate's own.

use cos_model::{CosError, ErrorCode, ModelError, UploadId};

/// Why an operation of this crate stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A COS request failed after the client's retries. The text is the client's: the method,
    /// the URL, what COS or the network said, the number of sends.
    #[error(transparent)]
    Request(#[from] cos_transport::Error),
    /// An option outside COS's limits; nothing was sent.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// The option (builder method).
        option: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// A request could not be built from the names given (nothing was sent).
    #[error(transparent)]
    Build(ModelError),
    /// The client addresses no bucket; nothing was sent.
    #[error("the client addresses no bucket: build it with .bucket(..) or use with_bucket(..)")]
    NoBucket,
    /// A truncated listing page named a next marker that does not move past the one just
    /// used: following it would ask for the same page for ever.
    #[error(
        "{operation} of bucket {bucket}: the listing is truncated but does not advance past marker {marker}"
    )]
    Stalled {
        /// The listing operation (`GetBucket`, …).
        operation: &'static str,
        /// The bucket listed.
        bucket: String,
        /// The marker that did not advance (`(none)` when the truncated page named none).
        marker: String,
    },
    /// HEAD of the copy source answered without a `Content-Length`: its size is unknown, so
    /// the copy cannot choose between one request and parts.
    #[error("HEAD of copy source {object}: no Content-Length in the answer")]
    SourceSizeUnknown {
        /// `bucket/key` of the source.
        object: String,
    },
    /// The copy source is larger than COS's largest object.
    #[error("copy source {object} is {size} bytes, larger than COS's largest object ({max} bytes)")]
    SourceTooLarge {
        /// `bucket/key` of the source.
        object: String,
        /// Its size.
        size: u64,
        /// COS's limit.
        max: u64,
    },
    /// The copied bytes have another CRC64 than the source.
    #[error(
        "copy to {key}: the copy has CRC64 {copied}, the source has {expected}{}",
        if *.completed { " (the copy was stored)" } else { " (the multipart upload was aborted)" }
    )]
    CrcMismatch {
        /// The destination key.
        key: String,
        /// The source's CRC64 (`x-cos-hash-crc64ecma` of its HEAD).
        expected: u64,
        /// The copy's CRC64 (combined from the parts, or COS's answer).
        copied: u64,
        /// Whether the copy was stored (found after Complete or PUT Object - Copy) or its
        /// multipart upload aborted before it was completed.
        completed: bool,
    },
    /// A multipart copy failed and aborting its upload failed too: the upload is left on COS
    /// (its parts are billed) until aborted (`UploadListing` finds it).
    #[error("aborting multipart upload {upload_id} of {key} failed ({abort_error}) after: {cause}")]
    AbortFailed {
        /// The destination key.
        key: String,
        /// The upload left behind.
        upload_id: UploadId,
        /// Why the copy was being aborted.
        cause: Box<Error>,
        /// The abort's error.
        abort_error: Box<cos_transport::Error>,
    },
}

impl Error {
    /// The client's error behind this one, when a COS request failed.
    pub fn request_error(&self) -> Option<&cos_transport::Error> {
        match self {
            Error::Request(e) => Some(e),
            Error::AbortFailed { cause, .. } => cause.request_error(),
            _ => None,
        }
    }

    /// COS's error (status, code, message, request id, trace id), when COS answered one.
    pub fn cos(&self) -> Option<&CosError> {
        self.request_error()?.cos()
    }

    /// COS's error code, when COS answered one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.cos().map(|c| &c.code)
    }

    /// The HTTP status of the failed request, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.request_error()?.status().map(|s| s.as_u16())
    }

    /// `x-cos-request-id` of the failed request, when a response arrived.
    pub fn request_id(&self) -> Option<&str> {
        self.request_error()?.request_id()
    }

    /// The upload left on COS, when aborting a multipart copy failed.
    pub fn upload_left_behind(&self) -> Option<&UploadId> {
        match self {
            Error::AbortFailed { upload_id, .. } => Some(upload_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_transport::ErrorKind;
    use http::{Method, StatusCode};

    fn denied() -> cos_transport::Error {
        let mut cos = CosError::new(StatusCode::FORBIDDEN, ErrorCode::AccessDenied, "denied");
        cos.request_id = Some("rid".into());
        cos_transport::Error::new(ErrorKind::Service(cos), "GetBucket", 1).with_request(
            &Method::GET,
            &"http://127.0.0.1:9/b-1250000000/?prefix=a".parse().unwrap(),
        )
    }

    #[test]
    fn keeps_cos_context_in_one_line() {
        let e = Error::from(denied());
        assert_eq!(e.code(), Some(&ErrorCode::AccessDenied));
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.request_id(), Some("rid"));
        assert_eq!(
            e.to_string(),
            "GET http://127.0.0.1:9/b-1250000000/?prefix=a: 403 AccessDenied: denied (request id rid)"
        );
        let abort = Error::AbortFailed {
            key: "k".into(),
            upload_id: UploadId::new("u1").unwrap(),
            cause: Box::new(e),
            abort_error: Box::new(denied()),
        };
        assert_eq!(abort.code(), Some(&ErrorCode::AccessDenied));
        assert_eq!(abort.upload_left_behind().map(UploadId::as_str), Some("u1"));
        assert!(!abort.to_string().contains('\n'));
    }
}
