//! One part's task: wait out the retry delay, read the part (its permit is already held),
//! hash it, send it, and hand the permit back with the result.

use std::sync::Arc;
use std::time::Duration;

use crate::api::{WireCounter, WriteRequest};
use crate::error::SourceError;
use crate::fault::{ApiError, FaultKind};
use crate::limits::PartPermit;
use crate::plan::PlannedPart;
use crate::state::PartResult;

use super::Ctx;
use super::hash::{digest, jitter};

/// What became of one part attempt.
#[derive(Debug)]
pub(crate) enum PartOutcome {
    /// COS answered 200.
    Uploaded(PartResult),
    /// The call failed.
    Failed(ApiError),
    /// A stream part past the stream's end: nothing to send.
    BeyondEnd,
    /// The source could not be read.
    Source(SourceError),
}

/// A finished part task.
#[derive(Debug)]
pub(crate) struct PartDone {
    pub(crate) epoch: u32,
    pub(crate) number: u32,
    pub(crate) permit: PartPermit,
    pub(crate) outcome: PartOutcome,
}

/// Runs one attempt of part `planned`.
pub(crate) async fn run_part(
    ctx: Arc<Ctx>,
    upload_id: String,
    epoch: u32,
    planned: PlannedPart,
    delay: Duration,
    permit: PartPermit,
) -> PartDone {
    let outcome = attempt(&ctx, &upload_id, planned, delay).await;
    PartDone {
        epoch,
        number: planned.number,
        permit,
        outcome,
    }
}

async fn attempt(ctx: &Ctx, upload_id: &str, planned: PlannedPart, delay: Duration) -> PartOutcome {
    if !delay.is_zero() {
        tokio::time::sleep(jitter(delay)).await;
    }
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
    let wire = Arc::new(WireCounter::new(ctx.wire.clone()));
    let request = WriteRequest {
        key: &ctx.key,
        body: data,
        content_md5: digests.content_md5(),
        options: &ctx.options,
        wire: Some(wire),
    };
    let call = ctx.api.upload_part(upload_id, planned.number, request);
    let answer = match ctx.settings.part_timeout {
        Some(limit) => match tokio::time::timeout(limit, call).await {
            Ok(r) => r,
            Err(_) => Err(ApiError::new(
                FaultKind::Timeout,
                format!("part {} took longer than {limit:?}", planned.number),
            )),
        },
        None => call.await,
    };
    match answer {
        Ok(ack) => {
            if let Some(md5) = digests.md5_hex()
                && !crate::reconcile::etag_matches_md5(&ack.etag, &md5)
            {
                // COS's part ETag is the MD5 of what it stored: a different one means corruption.
                return PartOutcome::Failed(ApiError::new(
                    FaultKind::Integrity,
                    format!(
                        "part {}: ETag {} is not the MD5 {md5} of the bytes sent",
                        planned.number, ack.etag
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
