//! The emulator's data: buckets, their objects and their multipart uploads (an in-memory
//! index; the bytes live in [`crate::storage`] blobs).

use crate::storage::Blob;
use crate::timefmt::Millis;
use http::{HeaderName, HeaderValue};
use std::collections::BTreeMap;

/// The owner every bucket and object belongs to (the emulator models one account).
pub const OWNER_ID: &str = "qcs::cam::uin/100000000001:uin/100000000001";
/// The owner's display name.
pub const OWNER_NAME: &str = "100000000001";

/// The metadata kept with an object or an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `Content-Type`.
    pub content_type: Option<HeaderValue>,
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Content-Language`,
    /// `Expires`, in that order, when given.
    pub standard: Vec<(HeaderName, HeaderValue)>,
    /// `x-cos-meta-*` headers (names lowercase), sorted by name.
    pub user: Vec<(HeaderName, HeaderValue)>,
    /// Storage class (uppercase).
    pub storage_class: String,
    /// `x-cos-server-side-encryption`, when given.
    pub sse: Option<HeaderValue>,
}

/// A stored object.
#[derive(Debug, Clone)]
pub struct StoredObject {
    /// The bytes.
    pub blob: Blob,
    /// Quoted ETag.
    pub etag: String,
    /// CRC-64/XZ of the bytes.
    pub crc64: u64,
    /// When it was written.
    pub last_modified: Millis,
    /// Its metadata.
    pub meta: ObjectMeta,
}

/// An uploaded part.
#[derive(Debug, Clone)]
pub struct Part {
    /// The bytes.
    pub blob: Blob,
    /// Binary MD5.
    pub md5: [u8; 16],
    /// Quoted ETag.
    pub etag: String,
    /// CRC-64/XZ.
    pub crc64: u64,
    /// When it was uploaded.
    pub last_modified: Millis,
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The object key.
    pub key: String,
    /// When it was initiated.
    pub initiated: Millis,
    /// Metadata for the final object.
    pub meta: ObjectMeta,
    /// Parts by number.
    pub parts: BTreeMap<u32, Part>,
    /// `x-cos-forbid-overwrite: true` was sent at Initiate.
    pub forbid_overwrite: bool,
}

/// A bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// Its region (`Location` in GET Service).
    pub region: String,
    /// When it was created.
    pub created: Millis,
    /// Objects by key.
    pub objects: BTreeMap<String, StoredObject>,
    /// Uploads by id (ids sort by creation).
    pub uploads: BTreeMap<String, Upload>,
    /// Its CORS rules (PUT Bucket cors), if any.
    pub cors: Option<crate::cors::CorsConfig>,
}

impl Bucket {
    /// An empty bucket.
    pub fn new(region: String, created: Millis) -> Self {
        Bucket {
            region,
            created,
            objects: BTreeMap::new(),
            uploads: BTreeMap::new(),
            cors: None,
        }
    }
}

/// All buckets.
#[derive(Debug, Default)]
pub struct World {
    /// Buckets by full name.
    pub buckets: BTreeMap<String, Bucket>,
}
