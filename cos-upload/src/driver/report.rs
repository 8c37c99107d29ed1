//! What the driver tells the outside: the `upload` span, the upload's `info` lines (started,
//! paused, completed, failed: a few per upload, whatever its size) and its progress snapshots,
//! and the summary at the end.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::field::{Empty, display};

use crate::error::UploadError;
use crate::progress::{Counters, Progress};
use crate::state::{Layout, Outcome, UploadMachine};

use super::{Ctx, Driver, Job, UploadSummary};

/// The span every line of one upload is logged in. Its name, `upload`, is how the client's
/// calls know that the bucket, key and upload id are already named (`client_api`).
pub(crate) fn upload_span(job: &Job) -> tracing::Span {
    let bucket = job.api.as_ref().and_then(|api| api.bucket()).map(display);
    tracing::info_span!(UPLOAD_SPAN, bucket, key = %job.key, upload_id = Empty)
}

/// The name of the span [`upload_span`] makes.
pub(crate) const UPLOAD_SPAN: &str = "upload";

/// Whether the current span is an upload's (so a request's span need not name its target).
pub(crate) fn in_upload_span() -> bool {
    tracing::Span::current()
        .metadata()
        .is_some_and(|m| m.name() == UPLOAD_SPAN && m.target().starts_with("cos_upload"))
}

/// The upload's first `info` line: its size and how it is cut.
pub(crate) fn started(ctx: &Ctx, machine: &UploadMachine, resumed_bytes: u64) {
    let (parts, part_size) = match machine.layout() {
        Some(Layout::Fixed(plan)) => (Some(plan.count()), Some(plan.part_size())),
        Some(Layout::Stream(schedule)) => (None, Some(schedule.part_size(1))),
        None => (None, None),
    };
    tracing::info!(
        size = ctx.source.len(),
        parts,
        part_size,
        resumed_parts = machine.resumed_parts(),
        resumed_bytes,
        "upload started"
    );
}

/// The upload's last `info` line (`warn` when it failed).
fn outcome_event(outcome: &Outcome, last: Progress, elapsed: Duration) {
    let seconds = (elapsed.as_secs_f64() * 1000.0).round() / 1000.0;
    match outcome {
        Outcome::Completed(c) => {
            let sent = c.size.saturating_sub(last.resumed_bytes);
            let mib_per_s = sent as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64().max(1e-3);
            tracing::info!(
                bytes = c.size,
                parts = c.parts,
                resumed_parts = c.resumed_parts,
                sent,
                seconds,
                mib_per_s = (mib_per_s * 100.0).round() / 100.0,
                crc64_verified = c.crc64_verified,
                "upload completed"
            );
        }
        Outcome::Paused { upload_id } => tracing::info!(
            kept = upload_id.is_some(),
            sent = last.sent_bytes,
            seconds,
            "upload paused; its checkpoint is kept"
        ),
        Outcome::Cancelled { .. } => tracing::info!(seconds, "upload cancelled"),
        Outcome::Failed { error, upload_kept } => tracing::warn!(
            error = %error,
            kept_for_resume = upload_kept.is_some(),
            seconds,
            "upload failed"
        ),
    }
}

impl Driver {
    pub(super) fn counters(&self) -> Counters {
        Counters {
            acknowledged_bytes: self.machine.acknowledged_bytes(),
            bytes_on_wire: self.ctx.wire.load(Ordering::Relaxed),
            parts_done: self.machine.parts_done(),
            parts_total: self.machine.parts_total(),
            resumed_parts: self.machine.resumed_parts(),
            resumed_bytes: self.resumed_bytes,
        }
    }

    pub(super) fn emit_progress(&mut self, force: bool) {
        let now = self.started.elapsed();
        let counters = self.counters();
        let p = self.tracker.update(now, counters);
        if self.tracker.should_emit(now, force) {
            self.publish(p);
        }
    }

    pub(super) fn publish(&self, p: Progress) {
        self.progress.send_replace(p);
        if let Some(cb) = &self.callback {
            cb(&p);
        }
    }

    pub(super) async fn finish(&mut self, outcome: Outcome) -> Result<UploadSummary, UploadError> {
        self.drop_parts().await;
        self.call = None;
        let keep_checkpoint = match &outcome {
            Outcome::Paused { upload_id } => upload_id.is_some(),
            Outcome::Failed { upload_kept, .. } => upload_kept.is_some(),
            Outcome::Completed(_) | Outcome::Cancelled { .. } => false,
        };
        if let Some(keeper) = self.keeper.take() {
            if !keep_checkpoint {
                keeper.discard();
            }
            tracing::debug!(
                checkpoint = keeper.id(),
                keep_checkpoint,
                "closing the checkpoint"
            );
            keeper.close().await;
        }
        let now = self.started.elapsed();
        outcome_event(&outcome, self.tracker.last(), now);
        let result = match outcome {
            Outcome::Completed(c) => {
                let p = self.tracker.finish(now, Some(c.size));
                self.publish(Progress {
                    parts_done: c.parts,
                    parts_total: Some(c.parts),
                    ..p
                });
                Ok(UploadSummary {
                    key: self.ctx.key.as_str().to_owned(),
                    bytes: c.size,
                    etag: c.etag,
                    crc64: c.crc64,
                    crc64_verified: c.crc64_verified,
                    parts: c.parts,
                    resumed_parts: c.resumed_parts,
                    upload_id: c.upload_id,
                    elapsed: now,
                })
            }
            Outcome::Paused { upload_id } => Err(UploadError::Paused { upload_id }),
            Outcome::Cancelled { upload_id } => Err(UploadError::Cancelled { upload_id }),
            Outcome::Failed { error, .. } => Err(error),
        };
        if result.is_err() {
            let p = self.tracker.finish(now, None);
            self.publish(p);
        }
        result
    }
}
