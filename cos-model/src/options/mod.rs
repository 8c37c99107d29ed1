//! Typed request options shared by several operations: storage class, ACL, object headers
//! and metadata, traffic limit, byte ranges, preconditions, copy sources.
//!
//! One file per concept; everything is re-exported here, so every type is named
//! `cos_model::options::X`.

mod acl;
mod content_md5;
mod copy;
mod cors_method;
mod encryption;
mod metadata;
mod object;
mod preconditions;
mod range;
mod storage_class;
mod string_enum;
mod traffic_limit;

pub use acl::Acl;
pub use content_md5::{content_md5, content_md5_from_digest};
pub use copy::{CopySource, MetadataDirective};
pub use cors_method::CorsMethod;
pub use encryption::ServerSideEncryption;
pub use metadata::{MAX_METADATA_ENTRY, MAX_METADATA_TOTAL};
pub use object::ObjectOptions;
pub use preconditions::Preconditions;
pub use range::ByteRange;
pub use storage_class::StorageClass;
pub use traffic_limit::TrafficLimit;
