//! One part's task: wait for the client's permission when the part is sent again, read the
//! part (its permit is already held), hash it, send it, and hand the permit back with the
//! result.

use std::sync::Arc;

use cos_model::{PartNumber, UploadId};

use crate::api::{WireCounter, WriteRequest};
use crate::call_error::{CallError, CallErrorKind};
use crate::error::SourceError;
use crate::limits::PartPermit;
use crate::plan::PlannedPart;
use crate::reconcile::etag_matches_md5;
use crate::state::PartResult;

use super::Ctx;
use super::calls::resend_pause;
use super::hash::digest;

/// What became of one part send.
#[derive(Debug)]
pub(crate) enum PartOutcome {
    /// COS answered 200.
    Uploaded(PartResult),
    /// The call failed.
    Failed(CallError),
    /// A stream part past the stream's end: nothing to send.
    BeyondEnd,
    /// The source could not be read.
    Source(SourceError),
}

/// A finished part task.
#[derive(Debug)]
pub(crate) struct PartDone {
    pub(crate) epoch: u32,
    pub(crate) number: PartNumber,
    pub(crate) permit: PartPermit,
    pub(crate) outcome: PartOutcome,
}

/// What one part task sends.
#[derive(Debug, Clone)]
pub(crate) struct PartJob {
    pub(crate) upload_id: UploadId,
    pub(crate) epoch: u32,
    pub(crate) number: PartNumber,
    pub(crate) planned: PlannedPart,
    pub(crate) resend: u32,
}

/// Runs one send of a part.
pub(crate) async fn run_part(ctx: Arc<Ctx>, job: PartJob, permit: PartPermit) -> PartDone {
    let outcome = send(&ctx, &job).await;
    PartDone {
        epoch: job.epoch,
        number: job.number,
        permit,
        outcome,
    }
}

async fn send(ctx: &Ctx, job: &PartJob) -> PartOutcome {
    if let Err(stop) = resend_pause(ctx, job.resend, || {
        CallError::new(
            CallErrorKind::Failed,
            format!("part {} arrived corrupted", job.number),
        )
    })
    .await
    {
        return PartOutcome::Failed(stop);
    }
    let planned = job.planned;
    let data = match ctx.source.read(planned, ctx.limiter.pool()).await {
        Ok(d) => d,
        Err(e) => return PartOutcome::Source(e),
    };
    if data.is_empty() {
        return if ctx.source.is_rereadable() {
            PartOutcome::Source(SourceError::Truncated {
                at: planned.offset,
                expected: planned.offset + planned.len,
            })
        } else {
            PartOutcome::BeyondEnd
        };
    }
    let size = data.len() as u64;
    let digests = digest(data.clone(), ctx.settings.content_md5).await;
    let request = WriteRequest {
        key: &ctx.key,
        body: data,
        content_md5: digests.content_md5(),
        options: &ctx.options,
        wire: Some(Arc::new(WireCounter::new(ctx.wire.clone()))),
    };
    let call = ctx.api.upload_part(&job.upload_id, job.number, request);
    let answer = match ctx.settings.part_timeout {
        Some(limit) => match tokio::time::timeout(limit, call).await {
            Ok(r) => r,
            Err(_) => Err(CallError::new(
                CallErrorKind::Failed,
                format!("part {} took longer than {limit:?}", job.number),
            )
            .with_maybe_taken_effect()),
        },
        None => call.await,
    };
    match answer {
        Ok(ack) => {
            if let Some(md5) = digests.md5
                && !etag_matches_md5(&ack.etag, md5)
            {
                // COS's part ETag is the MD5 of what it stored: a different one means corruption.
                return PartOutcome::Failed(CallError::new(
                    CallErrorKind::Integrity,
                    format!(
                        "part {}: ETag {} is not the MD5 of the bytes sent",
                        job.number, ack.etag
                    ),
                ));
            }
            PartOutcome::Uploaded(PartResult {
                size,
                etag: ack.etag,
                crc64_sent: digests.crc64,
                crc64_stored: ack.crc64,
            })
        }
        Err(e) => PartOutcome::Failed(e),
    }
}
