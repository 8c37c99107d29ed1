//! The operations the emulator serves, named as cos-model names them (also the names the
//! `ops=` item of a fault specification takes).

use std::fmt;
use std::str::FromStr;

/// One COS operation (plus the emulator's own `Sts` control endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // the variants are the operations' COS names
pub enum Operation {
    GetService,
    PutBucket,
    HeadBucket,
    PutBucketCors,
    GetBucketCors,
    DeleteBucketCors,
    GetBucket,
    DeleteBucket,
    PutObject,
    PostObject,
    HeadObject,
    GetObject,
    DeleteObject,
    DeleteMultipleObjects,
    InitiateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    ListMultipartUploads,
    PutObjectCopy,
    /// `POST /-/sts`: the emulator's temporary-key endpoint.
    Sts,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 23] = [
        Operation::GetService,
        Operation::PutBucket,
        Operation::HeadBucket,
        Operation::PutBucketCors,
        Operation::GetBucketCors,
        Operation::DeleteBucketCors,
        Operation::GetBucket,
        Operation::DeleteBucket,
        Operation::PutObject,
        Operation::PostObject,
        Operation::HeadObject,
        Operation::GetObject,
        Operation::DeleteObject,
        Operation::DeleteMultipleObjects,
        Operation::InitiateMultipartUpload,
        Operation::UploadPart,
        Operation::UploadPartCopy,
        Operation::CompleteMultipartUpload,
        Operation::AbortMultipartUpload,
        Operation::ListParts,
        Operation::ListMultipartUploads,
        Operation::PutObjectCopy,
        Operation::Sts,
    ];

    /// The operation's name.
    pub fn name(self) -> &'static str {
        use Operation::*;
        match self {
            GetService => "GetService",
            PutBucket => "PutBucket",
            HeadBucket => "HeadBucket",
            PutBucketCors => "PutBucketCors",
            GetBucketCors => "GetBucketCors",
            DeleteBucketCors => "DeleteBucketCors",
            GetBucket => "GetBucket",
            DeleteBucket => "DeleteBucket",
            PutObject => "PutObject",
            PostObject => "PostObject",
            HeadObject => "HeadObject",
            GetObject => "GetObject",
            DeleteObject => "DeleteObject",
            DeleteMultipleObjects => "DeleteMultipleObjects",
            InitiateMultipartUpload => "InitiateMultipartUpload",
            UploadPart => "UploadPart",
            UploadPartCopy => "UploadPartCopy",
            CompleteMultipartUpload => "CompleteMultipartUpload",
            AbortMultipartUpload => "AbortMultipartUpload",
            ListParts => "ListParts",
            ListMultipartUploads => "ListMultipartUploads",
            PutObjectCopy => "PutObjectCopy",
            Sts => "Sts",
        }
    }

    /// Whether COS may answer this operation with 200 and an `<Error>` body.
    pub fn may_fail_in_body(self) -> bool {
        matches!(
            self,
            Operation::CompleteMultipartUpload
                | Operation::PutObjectCopy
                | Operation::UploadPartCopy
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown operation name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown operation `{0}`")]
pub struct UnknownOperation(pub String);

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.name() == s)
            .ok_or_else(|| UnknownOperation(s.to_string()))
    }
}
