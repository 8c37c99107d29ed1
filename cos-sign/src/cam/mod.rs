//! CAM policies for temporary keys: a typed [`Policy`] that serialises to the JSON STS takes
//! (`GetFederationToken`/`AssumeRole`'s `Policy`) and parses every shape the SDKs send; policies
//! built from scopes ([`Scope`]) in the modern resource form; the upload preset
//! ([`UploadPolicy`]); and a small evaluator ([`Policy::allows`]) for tests and documentation.
//!
//! ```
//! use cos_sign::cam::UploadPolicy;
//! let policy = UploadPolicy::prefix("examplebucket-1250000000", "ap-guangzhou", "uploads/")?
//!     .max_content_length(5 * 1024 * 1024)
//!     .policy();
//! let json = policy.to_json(); // URL-encode it as the STS `Policy` parameter
//! assert!(json.contains(r#""resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/*"]"#));
//! assert!(json.contains(r#""numeric_less_than_equal":{"cos:content-length":5242880}"#));
//! # Ok::<(), cos_sign::cam::CamError>(())
//! ```

mod eval;
mod policy;
mod resource;
mod scope;

use alloc::string::String;

pub use policy::{
    ConditionValue, ConditionValues, Conditions, Effect, Policy, Principal, Statement, VERSION,
};
pub use resource::{CosResource, resource_matches, wildcard_match};
pub use scope::{Scope, Target, UploadPolicy, object_resource};

/// COS action names (case-sensitive, as CAM compares them).
pub mod actions {
    /// Simple upload.
    pub const PUT_OBJECT: &str = "name/cos:PutObject";
    /// Browser and mini-program form upload.
    pub const POST_OBJECT: &str = "name/cos:PostObject";
    /// Start a multipart upload.
    pub const INITIATE_MULTIPART_UPLOAD: &str = "name/cos:InitiateMultipartUpload";
    /// Find multipart uploads in progress (resuming).
    pub const LIST_MULTIPART_UPLOADS: &str = "name/cos:ListMultipartUploads";
    /// List an upload's parts (resuming).
    pub const LIST_PARTS: &str = "name/cos:ListParts";
    /// Upload a part.
    pub const UPLOAD_PART: &str = "name/cos:UploadPart";
    /// Finish a multipart upload.
    pub const COMPLETE_MULTIPART_UPLOAD: &str = "name/cos:CompleteMultipartUpload";
    /// Abandon a multipart upload.
    pub const ABORT_MULTIPART_UPLOAD: &str = "name/cos:AbortMultipartUpload";
    /// Download.
    pub const GET_OBJECT: &str = "name/cos:GetObject";
    /// Metadata.
    pub const HEAD_OBJECT: &str = "name/cos:HeadObject";
    /// Delete.
    pub const DELETE_OBJECT: &str = "name/cos:DeleteObject";
    /// List a bucket.
    pub const GET_BUCKET: &str = "name/cos:GetBucket";
    /// List buckets (resource `*`).
    pub const GET_SERVICE: &str = "name/cos:GetService";

    /// What a resumable multipart upload needs besides the simple uploads, in the order of
    /// Tencent's recommended set (sts.md §4.3) plus `AbortMultipartUpload`.
    pub const MULTIPART_UPLOAD: [&str; 6] = [
        INITIATE_MULTIPART_UPLOAD,
        LIST_MULTIPART_UPLOADS,
        LIST_PARTS,
        UPLOAD_PART,
        COMPLETE_MULTIPART_UPLOAD,
        ABORT_MULTIPART_UPLOAD,
    ];
}

/// Condition operators and COS condition keys (sts.md §4.5).
pub mod condition {
    /// Equal strings.
    pub const STRING_EQUAL: &str = "string_equal";
    /// Strings matching a `*` pattern.
    pub const STRING_LIKE: &str = "string_like";
    /// A number at most the value.
    pub const NUMERIC_LESS_THAN_EQUAL: &str = "numeric_less_than_equal";
    /// The request's `Content-Length`.
    pub const CONTENT_LENGTH: &str = "cos:content-length";
    /// The request's `Content-Type`.
    pub const CONTENT_TYPE: &str = "cos:content-type";
}

/// Why a policy cannot be read or a scope built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CamError {
    /// Not a CAM policy document (JSON syntax, shape, version other than `2.0`, an unknown
    /// element).
    #[error("not a CAM policy: {0}")]
    Json(String),
    /// A statement with no actions or no resources, or a scope without actions.
    #[error("`{0}` is empty")]
    EmptyList(&'static str),
    /// The bucket is not `<name>-<appid>`.
    #[error("bucket `{0}` is not <name>-<appid>")]
    InvalidBucket(String),
    /// The region is empty or not made of `a-z0-9-`.
    #[error("invalid region `{0}`")]
    InvalidRegion(String),
    /// A key or prefix contains `*`, which a resource would read as a wildcard.
    #[error("`{0}` contains `*`: a CAM resource cannot name it exactly")]
    Wildcard(String),
    /// A key scope with an empty key (use a prefix scope for a whole bucket).
    #[error("empty object key")]
    EmptyKey,
}
