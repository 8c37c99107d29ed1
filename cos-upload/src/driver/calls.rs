//! The calls that run one at a time beside the parts: PUT Object, Initiate, Complete, HEAD,
//! DELETE and Abort, each as a `'static` future the driver polls.

use std::sync::Arc;

use cos_model::UploadId;
use cos_model::ops::CompletedParts;
use futures_util::future::BoxFuture;

use crate::api::{Ack, WireCounter, WriteRequest};
use crate::call_error::{CallError, CallErrorKind};
use crate::error::SourceError;
use crate::plan::PlannedPart;

use super::Ctx;
use super::hash::digest;

/// The result of one call.
#[derive(Debug)]
pub(crate) enum CallDone {
    Put {
        crc64: u64,
        result: Result<Ack, CallError>,
    },
    PutSource(SourceError),
    Initiate(Result<UploadId, CallError>),
    Complete(Result<Ack, CallError>),
    Head(Result<Ack, CallError>),
    Delete(Result<(), CallError>),
    Abort(Result<(), CallError>),
}

/// Before the `resend`-th repeat of a send (0: the first send, no wait), asks the API — the
/// client's retry policy and shared budget — for permission and waits its backoff. Refused,
/// the send does not happen and the error says why (`why` is what made it necessary).
pub(crate) async fn resend_pause(
    ctx: &Ctx,
    resend: u32,
    why: impl FnOnce() -> CallError,
) -> Result<(), CallError> {
    if resend == 0 {
        return Ok(());
    }
    let why = why();
    match ctx.api.resend_permit(resend) {
        Some(delay) => {
            tracing::info!(
                resend,
                why = %why,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "sending again"
            );
            tokio::time::sleep(delay).await;
            Ok(())
        }
        None => {
            tracing::debug!(resend, why = %why, "not sent again: the retry policy refused");
            Err(CallError::not_resent(&why))
        }
    }
}

/// PUT Object with the whole source (`len` bytes), its permit taken before reading.
pub(crate) fn put(ctx: Arc<Ctx>, len: u64, resend: u32) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        let why = || CallError::new(CallErrorKind::Failed, "the PUT arrived corrupted");
        if let Err(stop) = resend_pause(&ctx, resend, why).await {
            return CallDone::Put {
                crc64: 0,
                result: Err(stop),
            };
        }
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
        let result = ctx
            .api
            .put_object(WriteRequest {
                key: &ctx.key,
                body: data,
                content_md5: digests.content_md5(),
                options: &ctx.options,
                wire: Some(Arc::new(WireCounter::new(ctx.wire.clone()))),
            })
            .await;
        CallDone::Put {
            crc64: digests.crc64,
            result,
        }
    })
}

/// Initiate Multipart Upload (`resend` > 0: the upload vanished and starts afresh).
pub(crate) fn initiate(ctx: Arc<Ctx>, resend: u32) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        let why = || CallError::new(CallErrorKind::Failed, "the multipart upload vanished");
        if let Err(stop) = resend_pause(&ctx, resend, why).await {
            return CallDone::Initiate(Err(stop));
        }
        CallDone::Initiate(ctx.api.initiate(&ctx.key, &ctx.options).await)
    })
}

/// Complete Multipart Upload (`resend` > 0: an ambiguous Complete sent again).
pub(crate) fn complete(
    ctx: Arc<Ctx>,
    upload_id: UploadId,
    parts: CompletedParts,
    resend: u32,
) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        let why = || CallError::new(CallErrorKind::Failed, "the Complete's answer was lost");
        if let Err(stop) = resend_pause(&ctx, resend, why).await {
            return CallDone::Complete(Err(stop));
        }
        CallDone::Complete(
            ctx.api
                .complete(&ctx.key, &upload_id, &parts, &ctx.options)
                .await,
        )
    })
}

/// HEAD Object.
pub(crate) fn head(ctx: Arc<Ctx>) -> BoxFuture<'static, CallDone> {
    Box::pin(async move { CallDone::Head(ctx.api.head_object(&ctx.key).await) })
}

/// DELETE Object.
pub(crate) fn delete(ctx: Arc<Ctx>) -> BoxFuture<'static, CallDone> {
    Box::pin(async move { CallDone::Delete(ctx.api.delete_object(&ctx.key).await) })
}

/// Abort Multipart Upload under the abort deadline.
pub(crate) fn abort(ctx: Arc<Ctx>, upload_id: UploadId) -> BoxFuture<'static, CallDone> {
    Box::pin(async move {
        let limit = ctx.settings.abort_timeout;
        let result = match tokio::time::timeout(limit, ctx.api.abort(&ctx.key, &upload_id)).await {
            Ok(r) => r,
            Err(_) => Err(CallError::new(
                CallErrorKind::Failed,
                format!("abort of upload {upload_id} took longer than {limit:?}"),
            )),
        };
        CallDone::Abort(result)
    })
}
