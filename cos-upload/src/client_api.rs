//! [`CosApi`] for cos-transport's `Client`: each call is one cos-model operation executed by the
//! client (which signs, refreshes credentials, corrects clock skew and retries), and the
//! client's errors are classified into [`FaultKind`]s. The client must address a bucket
//! (`Client::builder(..).bucket(..)` or `client.with_bucket(..)`).

use std::sync::Arc;

use cos_model::ops::{
    AbortMultipartUpload, CompleteMultipartUpload, CompletedParts, DeleteObject, HeadObject,
    InitiateMultipartUpload, ListMultipartUploads, ListParts, PartNumberMarker, PutObject,
    UploadMarker, UploadPart,
};
use cos_model::{CosError, ETag, ErrorCode, ObjectKey, PartNumber, UploadId};
use cos_transport::{BodyObserver, Client, ErrorKind, RequestOptions};
use futures_util::future::BoxFuture;

use crate::api::{
    CosApi, ListedPart, ListedUpload, ObjectHead, PartsPage, UploadOptions, UploadsPage,
    WireCounter, WriteAck, WriteRequest,
};
use crate::fault::{ApiError, FaultKind};
use crate::state::CompletedPart;

fn classify_cos(e: &CosError) -> FaultKind {
    if e.is_credential_expired() {
        return FaultKind::CredentialExpired;
    }
    if e.is_clock_skew() {
        return FaultKind::ClockSkew;
    }
    match &e.code {
        ErrorCode::NoSuchUpload => FaultKind::NoSuchUpload,
        ErrorCode::NoSuchKey | ErrorCode::NoSuchResource => FaultKind::NotFound,
        ErrorCode::SlowDown => FaultKind::SlowDown,
        ErrorCode::BadDigest => FaultKind::BadDigest,
        code if code.is_retryable() || e.status.is_server_error() => FaultKind::Server,
        _ => FaultKind::Rejected,
    }
}

/// Classifies a client error.
pub(crate) fn classify(e: &cos_transport::Error) -> FaultKind {
    match e.kind() {
        ErrorKind::CredentialsRefused { .. } => FaultKind::CredentialExpired,
        ErrorKind::Service(c) => classify_cos(c),
        ErrorKind::Transport(t) if t.is_timeout() => FaultKind::Timeout,
        ErrorKind::Transport(t) => FaultKind::Connection {
            maybe_sent: t.may_have_reached_server(),
        },
        ErrorKind::Response(p) => match p.cos() {
            Some(c) => classify_cos(c),
            None if p.status().is_server_error() => FaultKind::Server,
            None => FaultKind::BadResponse,
        },
        // The provider could not produce credentials now (STS down, callback failed): a later
        // attempt may succeed.
        ErrorKind::Credentials(_) => FaultKind::CredentialExpired,
        _ => FaultKind::Rejected,
    }
}

fn api_error(e: cos_transport::Error) -> ApiError {
    let mut a = ApiError::new(classify(&e), e.to_string());
    if let Some(c) = e.cos() {
        a = a.with_code(c.code.as_str());
    }
    if let Some(s) = e.status() {
        a = a.with_status(s.as_u16());
    }
    if let Some(id) = e.request_id() {
        a = a.with_request_id(id);
    }
    a.with_source(e)
}

fn input_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(FaultKind::Rejected, e.to_string())
}

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

fn request_options(wire: &Option<Arc<WireCounter>>) -> RequestOptions {
    match wire {
        Some(w) => RequestOptions::new().body_observer(Arc::new(Observer(w.clone()))),
        None => RequestOptions::new(),
    }
}

fn upload_id(id: &str) -> Result<UploadId, ApiError> {
    UploadId::new(id).map_err(input_error)
}

impl CosApi for Client {
    fn bucket(&self) -> &str {
        Client::bucket(self).map_or("", |b| b.as_str())
    }

    fn put_object<'a>(
        &'a self,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
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
                .await
                .map_err(api_error)?;
            Ok(WriteAck {
                etag: out.etag.quoted(),
                crc64: out.crc64,
            })
        })
    }

    fn initiate<'a>(
        &'a self,
        key: &'a ObjectKey,
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<String, ApiError>> {
        Box::pin(async move {
            let op = InitiateMultipartUpload::new(key.clone())
                .options(options.object.clone())
                .forbid_overwrite(options.forbid_overwrite);
            let out = self.execute(&op).await.map_err(api_error)?;
            Ok(out.upload_id.as_str().to_owned())
        })
    }

    fn upload_part<'a>(
        &'a self,
        upload_id: &'a str,
        number: u32,
        request: WriteRequest<'a>,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        Box::pin(async move {
            let number = PartNumber::new(number).map_err(input_error)?;
            let mut op = UploadPart::new(
                request.key.clone(),
                self::upload_id(upload_id)?,
                number,
                request.body,
            );
            if let Some(md5) = request.content_md5 {
                op = op.content_md5(md5);
            }
            if let Some(limit) = request.options.traffic_limit {
                op = op.traffic_limit(limit);
            }
            let out = self
                .execute_with(&op, &request_options(&request.wire))
                .await
                .map_err(api_error)?;
            Ok(WriteAck {
                etag: out.etag.quoted(),
                crc64: out.crc64,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
        parts: &'a [CompletedPart],
        options: &'a UploadOptions,
    ) -> BoxFuture<'a, Result<WriteAck, ApiError>> {
        Box::pin(async move {
            let mut list = CompletedParts::new();
            for p in parts {
                list.insert(
                    PartNumber::new(p.number).map_err(input_error)?,
                    ETag::new(&p.etag),
                );
            }
            let op = CompleteMultipartUpload::new(key.clone(), self::upload_id(upload_id)?, list)
                .forbid_overwrite(options.forbid_overwrite);
            let out = self.execute(&op).await.map_err(api_error)?;
            Ok(WriteAck {
                etag: out.etag.quoted(),
                crc64: out.crc64,
            })
        })
    }

    fn abort<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let op = AbortMultipartUpload::new(key.clone(), self::upload_id(upload_id)?);
            self.execute(&op).await.map_err(api_error)?;
            Ok(())
        })
    }

    fn list_parts<'a>(
        &'a self,
        key: &'a ObjectKey,
        upload_id: &'a str,
        marker: Option<u32>,
    ) -> BoxFuture<'a, Result<PartsPage, ApiError>> {
        Box::pin(async move {
            let mut op = ListParts::new(key.clone(), self::upload_id(upload_id)?).max_parts(1000);
            if let Some(m) = marker {
                op = op.marker(PartNumberMarker(m));
            }
            let out = self.execute(&op).await.map_err(api_error)?;
            Ok(PartsPage {
                next_marker: out.next_page().map(|m| m.0),
                parts: out
                    .parts
                    .into_iter()
                    .map(|p| ListedPart {
                        number: p.part_number.get(),
                        etag: p.etag.quoted(),
                        size: p.size,
                    })
                    .collect(),
            })
        })
    }

    fn list_uploads<'a>(
        &'a self,
        prefix: &'a str,
        marker: Option<(String, String)>,
    ) -> BoxFuture<'a, Result<UploadsPage, ApiError>> {
        Box::pin(async move {
            let mut op = ListMultipartUploads::new().prefix(prefix).max_uploads(1000);
            if let Some((key, id)) = marker {
                op = op.marker(UploadMarker {
                    key,
                    upload_id: (!id.is_empty()).then_some(id),
                });
            }
            let out = self.execute(&op).await.map_err(api_error)?;
            Ok(UploadsPage {
                next: out
                    .next_page()
                    .map(|m| (m.key, m.upload_id.unwrap_or_default())),
                uploads: out
                    .uploads
                    .into_iter()
                    .map(|u| ListedUpload {
                        initiated: u.initiated.to_system_time(),
                        key: u.key,
                        upload_id: u.upload_id,
                    })
                    .collect(),
            })
        })
    }

    fn head_object<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<ObjectHead, ApiError>> {
        Box::pin(async move {
            let out = self
                .execute(&HeadObject::new(key.clone()))
                .await
                .map_err(api_error)?;
            Ok(ObjectHead {
                size: out.content_length.unwrap_or(0),
                etag: out.etag.map(|e| e.quoted()).unwrap_or_default(),
                crc64: out.crc64,
            })
        })
    }

    fn delete_object<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            self.execute(&DeleteObject::new(key.clone()))
                .await
                .map_err(api_error)?;
            Ok(())
        })
    }
}
