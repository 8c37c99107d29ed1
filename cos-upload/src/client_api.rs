//! [`CosApi`] for cos-transport's `Client`: each call is one cos-model operation executed by the
//! client (which signs, refreshes credentials, corrects clock skew and retries, the one retry
//! layer), its error handed up whole as a [`CallError`]. The client must address a bucket
//! (`Client::builder(..).bucket(..)` or `client.with_bucket(..)`).

use std::sync::Arc;
use std::time::Duration;

use cos_model::ops::{
    AbortMultipartUpload, CompleteMultipartUpload, CompletedParts, DeleteObject, HeadObject,
    InitiateMultipartUpload, ListMultipartUploads, ListParts, PartNumberMarker, PutObject,
    UploadMarker, UploadPart,
};
use cos_model::{BucketName, ObjectKey, PartNumber, UploadId};
use cos_transport::{BodyObserver, Client, RequestOptions};
use futures_util::future::BoxFuture;

use crate::api::{
    Ack, CosApi, ListedPart, ListedUpload, PartsPage, UploadOptions, UploadsPage, WireCounter,
    WriteRequest,
};
use crate::call_error::CallError;

/// Feeds a [`WireCounter`] from the transport's body observer.
struct Observer(Arc<WireCounter>);

impl BodyObserver for Observer {
    fn on_sent(&self, bytes: u64) {
        self.0.sent(bytes);
    }

    fn on_rewind(&self, bytes: u64) {
        self.0.rewind(bytes);
    }
}

/// The options of one call: the body observer feeding the upload's wire counter, and, inside
/// an upload's span (which names the bucket, key and upload id), the request span told not to
/// repeat them.
fn request_options(wire: &Option<Arc<WireCounter>>) -> RequestOptions {
    let options = match wire {
        Some(w) => RequestOptions::new().body_observer(Arc::new(Observer(w.clone()))),
        None => RequestOptions::new(),
    };
    if crate::driver::in_upload_span() {
        options.target_in_parent_span()
    } else {
        options
    }
}

impl CosApi for Client {
    fn bucket(&self) -> Option<&BucketName> {
        Client::bucket(self)
    }

    fn put_object<'a>(
        &'a self,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            let mut op = PutObject::new(request.key.clone(), request.body)
                .options(request.options.object.clone())
                .forbid_overwrite(request.options.forbid_overwrite);
            if let Some(md5) = request.content_md5 {
                op = op.content_md5(md5);
            }
            if let Some(limit) = request.options.traffic_limit {
                op = op.traffic_limit(limit);
            }
            let out = self
                .execute_with(&op, &request_options(&request.wire))
                .await?;
            Ok(Ack {
                etag: out.etag,
                crc64: out.crc64,
                size: None,
            })
        })
    }

    fn initiate<'a>(
        &'a self,
        key: &'a ObjectKey,
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<UploadId, CallError>> {
        Box::pin(async move {
            let op = InitiateMultipartUpload::new(key.clone())
                .options(options.object.clone())
                .forbid_overwrite(options.forbid_overwrite);
            Ok(self
                .execute_with(&op, &request_options(&None))
                .await?
                .upload_id)
        })
    }

    fn upload_part<'a>(
        &'a self,
        upload_id: &'a UploadId,
        number: PartNumber,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            let mut op =
                UploadPart::new(request.key.clone(), upload_id.clone(), number, request.body);
            if let Some(md5) = request.content_md5 {
                op = op.content_md5(md5);
            }
            if let Some(limit) = request.options.traffic_limit {
                op = op.traffic_limit(limit);
            }
            let out = self
                .execute_with(&op, &request_options(&request.wire))
                .await?;
            Ok(Ack {
                etag: out.etag,
                crc64: out.crc64,
                size: None,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        parts: &'a CompletedParts,
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            let op = CompleteMultipartUpload::new(key.clone(), upload_id.clone(), parts.clone())
                .forbid_overwrite(options.forbid_overwrite);
            let out = self.execute_with(&op, &request_options(&None)).await?;
            Ok(Ack {
                etag: out.etag,
                crc64: out.crc64,
                size: None,
            })
        })
    }

    fn abort<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
    ) -> BoxFuture<'a, Result<(), CallError>> {
        Box::pin(async move {
            let op = AbortMultipartUpload::new(key.clone(), upload_id.clone());
            self.execute_with(&op, &request_options(&None)).await?;
            Ok(())
        })
    }

    fn list_parts<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a UploadId,
        marker: Option<PartNumber>,
    ) -> BoxFuture<'a, Result<PartsPage, CallError>> {
        Box::pin(async move {
            let mut op = ListParts::new(key.clone(), upload_id.clone()).max_parts(1000);
            if let Some(m) = marker {
                op = op.marker(PartNumberMarker(m.get()));
            }
            let out = self.execute_with(&op, &request_options(&None)).await?;
            Ok(PartsPage {
                // a marker past the last part number is the end of the listing
                next_marker: out.next_page().and_then(|m| PartNumber::new(m.0).ok()),
                parts: out
                    .parts
                    .into_iter()
                    .map(|p| ListedPart {
                        number: p.part_number,
                        etag: p.etag,
                        size: p.size,
                    })
                    .collect(),
            })
        })
    }

    fn list_uploads<'a>(
        &'a self,
        prefix: &'a str,
        marker: Option<UploadMarker>,
    ) -> BoxFuture<'a, Result<UploadsPage, CallError>> {
        Box::pin(async move {
            let mut op = ListMultipartUploads::new().prefix(prefix).max_uploads(1000);
            if let Some(marker) = marker {
                op = op.marker(marker);
            }
            let out = self.execute_with(&op, &request_options(&None)).await?;
            let next = out.next_page();
            let uploads = out
                .uploads
                .into_iter()
                .filter_map(|u| {
                    // an id COS lists is one it accepts back; one that is not is skipped
                    let upload_id = UploadId::new(&u.upload_id).ok()?;
                    Some(ListedUpload {
                        initiated: u.initiated.to_system_time(),
                        key: u.key,
                        upload_id,
                    })
                })
                .collect();
            Ok(UploadsPage { next, uploads })
        })
    }

    fn head_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<Ack, CallError>> {
        Box::pin(async move {
            let out = self
                .execute_with(&HeadObject::new(key.clone()), &request_options(&None))
                .await?;
            Ok(Ack {
                etag: out.etag.unwrap_or_else(|| cos_model::ETag::new("")),
                crc64: out.crc64,
                size: Some(out.content_length.unwrap_or(0)),
            })
        })
    }

    fn delete_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), CallError>> {
        Box::pin(async move {
            self.execute_with(&DeleteObject::new(key.clone()), &request_options(&None))
                .await?;
            Ok(())
        })
    }

    fn resend_permit(&self, resend: u32) -> Option<Duration> {
        self.retry_policy().resend_permit(resend)
    }
}
