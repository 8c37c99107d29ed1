//! One module per COS operation: a plain value that builds the request and parses the response.

pub mod common;
pub mod get_service;

#[cfg(test)]
pub(crate) mod test_util;

pub use common::{BucketMarker, ObjectMarker, Owner, PartNumberMarker, UploadMarker};
pub use get_service::{BucketInfo, GetService, ListAllMyBucketsResult};
pub mod get_bucket;
pub mod head_bucket;
pub mod put_bucket;

pub use get_bucket::{GetBucket, ListBucketResult, ObjectSummary};
pub use head_bucket::{HeadBucket, HeadBucketOutput};
pub use put_bucket::{CreateBucketConfiguration, PutBucket, PutBucketOutput};
pub mod delete_object;
pub mod get_object;
pub mod head_object;
pub mod put_object;

pub use delete_object::{DeleteObject, DeleteObjectOutput};
pub use get_object::{GetObject, GetObjectOutput, ResponseOverrides};
pub use head_object::{HeadObject, ObjectMetadata};
pub use put_object::{PutObject, PutObjectOutput};
pub mod abort_multipart_upload;
pub mod initiate_multipart_upload;
pub mod upload_part;

pub use abort_multipart_upload::{AbortMultipartUpload, AbortMultipartUploadOutput};
pub use initiate_multipart_upload::{InitiateMultipartUpload, InitiateMultipartUploadResult};
pub use upload_part::{UploadPart, UploadPartOutput};
pub mod complete_multipart_upload;

pub use complete_multipart_upload::{
    CompleteMultipartUpload, CompleteMultipartUploadBody, CompleteMultipartUploadResult,
    CompletedPart, CompletedParts,
};
pub mod list_multipart_uploads;
pub mod list_parts;

pub use list_multipart_uploads::{ListMultipartUploads, ListMultipartUploadsResult, UploadInfo};
pub use list_parts::{ListParts, ListPartsResult, PartInfo};
pub mod put_object_copy;
pub mod upload_part_copy;

pub use put_object_copy::{CopyObjectResult, PutObjectCopy};
pub use upload_part_copy::{CopyPartResult, UploadPartCopy};
pub mod delete_multiple_objects;

pub use delete_multiple_objects::{
    DeleteError, DeleteMultipleObjects, DeleteRequestBody, DeleteResult, DeletedObject,
    ObjectIdentifier,
};
pub mod post_object;

pub use post_object::{PostObject, PostObjectOutput, SuccessActionStatus};
pub mod bucket_cors;
pub mod delete_bucket_cors;
pub mod get_bucket_cors;
pub mod put_bucket_cors;

pub use bucket_cors::{CorsConfiguration, CorsRule, MAX_CORS_RULES};
pub use delete_bucket_cors::{DeleteBucketCors, DeleteBucketCorsOutput};
pub use get_bucket_cors::{GetBucketCors, GetBucketCorsOutput};
pub use put_bucket_cors::{PutBucketCors, PutBucketCorsOutput};
