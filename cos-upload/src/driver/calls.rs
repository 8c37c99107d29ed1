//! The calls that run one at a time beside the parts: PUT Object, Initiate, Complete, HEAD,
//! DELETE and Abort, each as a `'static` future the driver polls.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::api::{ObjectHead, WireCounter, WriteAck, WriteRequest};
use crate::error::SourceError;
use crate::fault::{ApiError, FaultKind};
use crate::plan::PlannedPart;
use crate::state::CompletedPart;

use super::Ctx;
use super::hash::{digest, jitter};

/// The result of one call.
#[derive(Debug)]
pub(crate) enum CallDone {
    Put {
        crc64: u64,
        result: Result<WriteAck, ApiError>,
    },
    PutSource(SourceError),
    Initiate(Result<String, ApiError>),
    Complete(Result<WriteAck, ApiError>),
    Head(Result<ObjectHead, ApiError>),
    Delete(Result<(), ApiError>),
    Abort(Result<(), ApiError>),
}

async fn pause(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(jitter(delay)).await;
    }
}

/// PUT Object with the whole source (`len` bytes), its permit taken before reading.
pub(crate) fn put(ctx: Arc<Ctx>, len: u64, delay: Duration) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        let _permit = ctx.limiter.acquire(len).await;
        let part = PlannedPart {
            number: 1,
            offset: 0,
            len,
        };
        let data = if len == 0 {
            bytes::Bytes::new()
        } else {
            match ctx.source.read(part, ctx.limiter.pool()).await {
                Ok(d) if d.len() as u64 == len => d,
                Ok(d) => {
                    return CallDone::PutSource(SourceError::Truncated {
                        at: d.len() as u64,
                        expected: len,
                    });
                }
                Err(e) => return CallDone::PutSource(e),
            }
        };
        let digests = digest(data.clone(), ctx.settings.content_md5).await;
        let wire = Arc::new(WireCounter::new(ctx.wire.clone()));
        let result = ctx
            .api
            .put_object(WriteRequest {
                key: &ctx.key,
                body: data,
                content_md5: digests.content_md5(),
                options: &ctx.options,
                wire: Some(wire),
            })
            .await;
        CallDone::Put {
            crc64: digests.crc64,
            result,
        }
    })
}

/// Initiate Multipart Upload.
pub(crate) fn initiate(ctx: Arc<Ctx>, delay: Duration) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        CallDone::Initiate(ctx.api.initiate(&ctx.key, &ctx.options).await)
    })
}

/// Complete Multipart Upload.
pub(crate) fn complete(
    ctx: Arc<Ctx>,
    upload_id: String,
    parts: Vec<CompletedPart>,
    delay: Duration,
) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        CallDone::Complete(
            ctx.api
                .complete(&ctx.key, &upload_id, &parts, &ctx.options)
                .await,
        )
    })
}

/// HEAD Object.
pub(crate) fn head(ctx: Arc<Ctx>, delay: Duration) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        CallDone::Head(ctx.api.head_object(&ctx.key).await)
    })
}

/// DELETE Object.
pub(crate) fn delete(ctx: Arc<Ctx>, delay: Duration) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        CallDone::Delete(ctx.api.delete_object(&ctx.key).await)
    })
}

/// Abort Multipart Upload under the abort deadline.
pub(crate) fn abort(
    ctx: Arc<Ctx>,
    upload_id: String,
    delay: Duration,
) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        pause(delay).await;
        let limit = ctx.settings.abort_timeout;
        let result = match tokio::time::timeout(limit, ctx.api.abort(&ctx.key, &upload_id)).await {
            Ok(r) => r,
            Err(_) => Err(ApiError::new(
                FaultKind::Timeout,
                format!("abort of upload {upload_id} took longer than {limit:?}"),
            )),
        };
        CallDone::Abort(result)
    })
}
