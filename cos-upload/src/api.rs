//! The COS calls the upload driver needs, as a small object-safe trait in cos-model's types.
//! cos-transport's `Client` implements it (module `client_api`); tests implement it with an
//! in-memory fake that injects faults. Every method is one COS request (plus the client's own
//! retries).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cos_model::ops::{CompletedParts, UploadMarker};
use cos_model::options::{ObjectOptions, StorageClass, TrafficLimit};
use cos_model::{BucketName, ETag, ObjectKey, PartNumber, UploadId};
use futures_util::future::BoxFuture;

use crate::call_error::CallError;

/// Optional settings of the object being created: cos-model's object headers (content type,
/// metadata, storage class, ACL, SSE, …; sent on PUT Object and Initiate), plus
/// `x-cos-forbid-overwrite` (PUT, Initiate and Complete) and `x-cos-traffic-limit` (PUT and
/// every part).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// Object headers.
    pub object: ObjectOptions,
    /// Refuse to overwrite an existing object.
    pub forbid_overwrite: bool,
    /// Per-request bandwidth limit.
    pub traffic_limit: Option<TrafficLimit>,
}

impl UploadOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object headers.
    pub fn object(mut self, object: ObjectOptions) -> Self {
        self.object = object;
        self
    }

    /// Sets `Content-Type`.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.object = self.object.content_type(value);
        self
    }

    /// Adds one `x-cos-meta-<name>` header.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.object = self.object.metadata(name, value);
        self
    }

    /// Sets the storage class.
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.object = self.object.storage_class(class);
        self
    }

    /// Refuses to overwrite an existing object.
    pub fn forbid_overwrite(mut self, yes: bool) -> Self {
        self.forbid_overwrite = yes;
        self
    }

    /// Limits each request's speed.
    pub fn traffic_limit(mut self, limit: TrafficLimit) -> Self {
        self.traffic_limit = Some(limit);
        self
    }
}

/// Counts body bytes handed to the connection for one request and adds them to a shared
/// total (the upload's "bytes on the wire"); what it added is taken back when it is dropped,
/// i.e. when the request is over.
#[derive(Debug)]
pub struct WireCounter {
    shared: Arc<AtomicU64>,
    own: AtomicU64,
}

impl WireCounter {
    /// A counter for one request adding to `shared`.
    pub fn new(shared: Arc<AtomicU64>) -> Self {
        Self {
            shared,
            own: AtomicU64::new(0),
        }
    }

    /// `bytes` more were handed to the connection.
    pub fn sent(&self, bytes: u64) {
        self.own.fetch_add(bytes, Ordering::Relaxed);
        self.shared.fetch_add(bytes, Ordering::Relaxed);
    }

    /// An attempt that had sent `bytes` failed; the body starts again.
    pub fn rewind(&self, bytes: u64) {
        let taken = self
            .own
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(bytes))
            })
            .map_or(0, |before| before.min(bytes));
        let _ = self
            .shared
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(taken))
            });
    }

    /// Bytes this request has on the wire.
    pub fn get(&self) -> u64 {
        self.own.load(Ordering::Relaxed)
    }
}

impl Drop for WireCounter {
    fn drop(&mut self) {
        let own = self.own.load(Ordering::Relaxed);
        let _ = self
            .shared
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(own))
            });
    }
}

/// A request that writes data: PUT Object or Upload Part.
#[derive(Debug, Clone)]
pub struct WriteRequest<'a> {
    /// The object key.
    pub key: &'a ObjectKey,
    /// The body.
    pub body: Bytes,
    /// `Content-MD5` (Base64 of the MD5), when enabled.
    pub content_md5: Option<String>,
    /// The object's options (PUT uses all of them, a part only the traffic limit).
    pub options: &'a UploadOptions,
    /// Where to count the body bytes handed to the connection.
    pub wire: Option<Arc<WireCounter>>,
}

/// What COS said of a stored object or part: the answer to PUT Object, Upload Part, Complete
/// or HEAD Object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The `ETag`.
    pub etag: ETag,
    /// `x-cos-hash-crc64ecma`, when present.
    pub crc64: Option<u64>,
    /// `Content-Length`, for HEAD.
    pub size: Option<u64>,
}

/// One part as List Parts shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPart {
    /// The part number.
    pub number: PartNumber,
    /// Its ETag.
    pub etag: ETag,
    /// Its size.
    pub size: u64,
}

/// One page of List Parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartsPage {
    /// The parts on this page.
    pub parts: Vec<ListedPart>,
    /// Where the next page starts, when truncated.
    pub next_marker: Option<PartNumber>,
}

/// One incomplete multipart upload as List Multipart Uploads shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListedUpload {
    /// The object key (as listed; COS may list keys this SDK would not create).
    pub key: String,
    /// The upload id.
    pub upload_id: UploadId,
    /// When it was initiated, when COS said.
    pub initiated: Option<SystemTime>,
}

/// One page of List Multipart Uploads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadsPage {
    /// The uploads on this page.
    pub uploads: Vec<ListedUpload>,
    /// Where the next page starts, when truncated.
    pub next: Option<UploadMarker>,
}

/// The COS calls an upload needs, on one bucket, in cos-model's types. Object-safe (boxed
/// futures) so an uploader holds an `Arc<dyn CosApi>`.
///
/// Each call is one request as far as the upload is concerned: retrying it (backoff, budget,
/// re-signing, clock skew) is the implementation's business — cos-transport's `Client` does it
/// — and the upload never repeats a failed call for a reason the request itself could see.
pub trait CosApi: Send + Sync + 'static {
    /// The bucket the calls address, if the implementation addresses one.
    fn bucket(&self) -> Option<&BucketName>;

    /// PUT Object with the whole body.
    fn put_object<'a>(&'a self, request: WriteRequest<'a>)
    -> BoxFuture<'a, Result<Ack, CallError>>;

    /// Initiate Multipart Upload.
    fn initiate<'a>(
        &'a self,
        key: &'a ObjectKey,
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<UploadId, CallError>>;

    /// Upload Part `number` of `upload_id`.
    fn upload_part<'a>(
        &'a self,
        upload_id: &'a UploadId,
        number: PartNumber,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>>;

    /// Complete Multipart Upload with `parts`.
    fn complete<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        parts: &'a CompletedParts,
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<Ack, CallError>>;

    /// Abort Multipart Upload.
    fn abort<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
    ) -> BoxFuture<'a, Result<(), CallError>>;

    /// One page of List Parts, starting after `marker`.
    fn list_parts<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        marker: Option<PartNumber>,
    ) -> BoxFuture<'a, Result<PartsPage, CallError>>;

    /// One page of List Multipart Uploads under `prefix`, starting after `marker`.
    fn list_uploads<'a>(
        &'a self,
        prefix: &'a str,
        marker: Option<UploadMarker>,
    ) -> BoxFuture<'a, Result<UploadsPage, CallError>>;

    /// HEAD Object.
    fn head_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<Ack, CallError>>;

    /// DELETE Object.
    fn delete_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), CallError>>;

    /// Whether the upload may send something again for a reason no single request can see (a
    /// part whose checksum did not match, an upload that vanished), for the `resend`-th time
    /// (1 for the first), and after what wait; `None` stops it. The client answers from its
    /// own retry policy and shared budget
    /// ([`RetryPolicy::resend_permit`](cos_transport::RetryPolicy::resend_permit)), so a
    /// resend costs what a retry costs and an exhausted budget stops every layer.
    fn resend_permit(&self, resend: u32) -> Option<Duration>;
}

/// Every part of an upload, following List Parts' pages.
pub async fn list_all_parts(
    api: &dyn CosApi,
    key: &ObjectKey,
    upload_id: &UploadId,
) -> Result<Vec<ListedPart>, CallError> {
    let mut parts = Vec::new();
    let mut marker = None;
    loop {
        let page = api.list_parts(key, upload_id, marker).await?;
        parts.extend(page.parts);
        match page.next_marker {
            Some(next) if Some(next) != marker => marker = Some(next),
            _ => return Ok(parts),
        }
    }
}

/// Every incomplete upload under `prefix`, following List Multipart Uploads' pages.
pub async fn list_all_uploads(
    api: &dyn CosApi,
    prefix: &str,
) -> Result<Vec<ListedUpload>, CallError> {
    let mut uploads = Vec::new();
    let mut marker: Option<UploadMarker> = None;
    loop {
        let page = api.list_uploads(prefix, marker.clone()).await?;
        uploads.extend(page.uploads);
        match page.next {
            Some(next) if Some(&next) != marker.as_ref() => marker = Some(next),
            _ => return Ok(uploads),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_counters_give_back_what_they_added() {
        let shared = Arc::new(AtomicU64::new(0));
        let a = WireCounter::new(shared.clone());
        let b = WireCounter::new(shared.clone());
        a.sent(100);
        b.sent(50);
        assert_eq!(shared.load(Ordering::Relaxed), 150);
        a.rewind(30);
        assert_eq!((a.get(), shared.load(Ordering::Relaxed)), (70, 120));
        a.rewind(1000);
        assert_eq!(shared.load(Ordering::Relaxed), 50);
        drop(b);
        assert_eq!(shared.load(Ordering::Relaxed), 0);
        drop(a);
        assert_eq!(shared.load(Ordering::Relaxed), 0);
    }
}
