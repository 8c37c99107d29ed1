//! The driver: runs one upload's state machine against COS on tokio. It takes a permit before
//! a part is read, runs parts as tasks, runs the one-at-a-time calls beside them, feeds every
//! result back to the machine, keeps the checkpoint and emits progress. All decisions are the
//! machine's; this module only does what it is told.

mod calls;
pub(crate) mod hash;
mod part;
mod report;
mod resume;
mod saver;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_model::{ETag, ObjectKey, PartNumber, UploadId};
use futures_util::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinSet;
// tokio's clock: progress and its throttle follow a paused test clock as the timers do
use tokio::time::Instant;
use tracing::Instrument;

use crate::api::{CosApi, UploadOptions};
use crate::call_error::{CallError, CallErrorKind};
use crate::checkpoint::{CheckpointPart, CheckpointStore};
use crate::error::UploadError;
use crate::limits::{Limiter, PartPermit};
use crate::plan::{PartPolicy, PlannedPart, UploadPlan};
use crate::progress::{Progress, ProgressTracker};
use crate::source::{OpenSource, Source};
use crate::state::{Action, Layout, MachineConfig, Outcome, UploadMachine};

use calls::CallDone;
use part::{PartDone, PartJob, PartOutcome};
pub(crate) use report::in_upload_span;

/// A progress callback.
pub type ProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What the handle asks of a running upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    Run,
    Pause,
    Cancel,
}

/// Settings of one upload (the uploader's, with the request's overrides).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) policy: PartPolicy,
    pub(crate) machine: MachineConfig,
    pub(crate) content_md5: bool,
    pub(crate) resume_by_listing: bool,
    pub(crate) verify_unrecorded_parts: bool,
    pub(crate) progress_interval: Duration,
    pub(crate) part_timeout: Option<Duration>,
    pub(crate) abort_timeout: Duration,
}

/// What every task of one upload shares.
pub(crate) struct Ctx {
    pub(crate) api: Arc<dyn CosApi>,
    pub(crate) key: ObjectKey,
    pub(crate) options: UploadOptions,
    pub(crate) source: OpenSource,
    pub(crate) settings: Settings,
    pub(crate) limiter: Limiter,
    pub(crate) wire: Arc<AtomicU64>,
}

/// A successful upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSummary {
    /// The object key.
    pub key: String,
    /// The object's length.
    pub bytes: u64,
    /// The object's ETag.
    pub etag: ETag,
    /// The object's CRC64 (CRC-64/XZ, what `x-cos-hash-crc64ecma` holds).
    pub crc64: u64,
    /// Whether COS returned a CRC64 for the object that matched (false only when COS sent none).
    pub crc64_verified: bool,
    /// The part count (0 for a single PUT).
    pub parts: u32,
    /// Parts that were already on COS from an earlier run and not sent again.
    pub resumed_parts: u32,
    /// The multipart upload id (none for a single PUT).
    pub upload_id: Option<UploadId>,
    /// How long the upload took.
    pub elapsed: Duration,
}

/// One upload, ready to run.
pub(crate) struct Job {
    /// The request's API, else the uploader's default; `None` when neither exists.
    pub(crate) api: Option<Arc<dyn CosApi>>,
    pub(crate) key: ObjectKey,
    pub(crate) source: Source,
    pub(crate) options: UploadOptions,
    pub(crate) settings: Settings,
    pub(crate) limiter: Limiter,
    pub(crate) store: Option<Arc<dyn CheckpointStore>>,
    pub(crate) progress: watch::Sender<Progress>,
    pub(crate) callback: Option<ProgressCallback>,
    pub(crate) control: watch::Receiver<Control>,
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    epoch: u32,
    number: PartNumber,
    resend: u32,
}

struct Driver {
    ctx: Arc<Ctx>,
    machine: UploadMachine,
    tasks: JoinSet<PartDone>,
    task_parts: HashMap<tokio::task::Id, (u32, PartNumber)>,
    pending: VecDeque<Pending>,
    acquiring: Option<(Pending, BoxFuture<'static, PartPermit>)>,
    parked: HashMap<PartNumber, PartPermit>,
    call: Option<BoxFuture<'static, CallDone>>,
    keeper: Option<saver::Keeper>,
    checkpoint_created: u64,
    tracker: ProgressTracker,
    progress: watch::Sender<Progress>,
    callback: Option<ProgressCallback>,
    control: watch::Receiver<Control>,
    control_open: bool,
    started: Instant,
    epoch_seen: u32,
    single_len: u64,
    /// Bytes of the parts taken over from an earlier run, as the upload started.
    resumed_bytes: u64,
    /// The upload's `tracing` span (its upload id is recorded once known).
    span: tracing::Span,
}

/// Runs one upload to its end, inside its `upload` span (bucket, key, upload id): every
/// request of the upload, its part tasks and its checkpoint writer log within it.
pub(crate) async fn run(job: Job) -> Result<UploadSummary, UploadError> {
    let span = report::upload_span(&job);
    run_in(job, span.clone()).instrument(span).await
}

async fn run_in(job: Job, span: tracing::Span) -> Result<UploadSummary, UploadError> {
    let started = Instant::now();
    let Job {
        api,
        key,
        source,
        options,
        settings,
        limiter,
        store,
        progress,
        callback,
        control,
    } = job;
    let Some(api) = api else {
        return Err(UploadError::NoApi);
    };
    if api.bucket().is_none() {
        return Err(UploadError::NoBucket);
    }
    let schedule = settings.policy.stream_schedule();
    let source = source.open(schedule).await?;
    let mut settings = settings;
    // A failed upload can be kept for a resume only when its checkpoint can be kept.
    settings.machine.keep_on_failure = store.is_some() && source.is_rereadable();
    let ctx = Arc::new(Ctx {
        api,
        key,
        options,
        source,
        settings,
        limiter,
        wire: Arc::new(AtomicU64::new(0)),
    });
    let mut parked = HashMap::new();
    let mut single_len = 0;
    let (machine, checkpoint) = match ctx.source.len() {
        Some(len) => match ctx.settings.policy.plan(len)? {
            UploadPlan::Single { len } => {
                single_len = len;
                (UploadMachine::single(len, ctx.settings.machine), None)
            }
            UploadPlan::Multipart(plan) => {
                let p = resume::prepare(&ctx, plan, store.as_ref()).await;
                (p.machine, p.checkpoint)
            }
        },
        None => {
            // A stream: read the first part (under its permit) to learn whether it is small.
            let first = schedule.part(1).unwrap_or(PlannedPart {
                number: 1,
                offset: 0,
                len: schedule.part_size(1),
            });
            let permit = ctx.limiter.acquire(first.len).await;
            let data = ctx.source.read(first, ctx.limiter.pool()).await?;
            if (data.len() as u64) < first.len {
                single_len = data.len() as u64;
                (
                    UploadMachine::single(single_len, ctx.settings.machine),
                    None,
                )
            } else {
                parked.insert(PartNumber::MIN, permit);
                (
                    UploadMachine::multipart(Layout::Stream(schedule), ctx.settings.machine),
                    None,
                )
            }
        }
    };
    let total = ctx.source.len();
    let keeper = match (&store, resume::id_for(&ctx)) {
        (Some(store), Some(id)) if !matches!(machine.layout(), None | Some(Layout::Stream(_))) => {
            Some(saver::Keeper::start(store.clone(), id, checkpoint.clone()))
        }
        _ => None,
    };
    let interval = ctx.settings.progress_interval;
    if let Some(upload_id) = machine.upload_id() {
        span.record("upload_id", tracing::field::display(upload_id));
    }
    let resumed_bytes = machine.acknowledged_bytes();
    report::started(&ctx, &machine, resumed_bytes);
    let mut driver = Driver {
        epoch_seen: machine.epoch(),
        checkpoint_created: checkpoint.map_or_else(unix_now, |c| c.created_unix),
        ctx,
        machine,
        tasks: JoinSet::new(),
        task_parts: HashMap::new(),
        pending: VecDeque::new(),
        acquiring: None,
        parked,
        call: None,
        keeper,
        tracker: ProgressTracker::new(total, interval),
        progress,
        callback,
        control,
        control_open: true,
        started,
        single_len,
        resumed_bytes,
        span,
    };
    driver.run_loop().await
}

/// Polls an optional future; pending forever when there is none.
async fn maybe<F: Future + Unpin>(f: Option<&mut F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

impl Driver {
    async fn run_loop(&mut self) -> Result<UploadSummary, UploadError> {
        let mut tick = tokio::time::interval(
            self.ctx
                .settings
                .progress_interval
                .max(Duration::from_millis(10)),
        );
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.apply_control();
        self.emit_progress(true);
        loop {
            if let Some(outcome) = self.drain_actions().await {
                return self.finish(outcome).await;
            }
            self.start_parts();
            self.emit_progress(false);
            tokio::select! {
                biased;
                changed = self.control.changed(), if self.control_open => {
                    if changed.is_ok() {
                        self.apply_control();
                    } else {
                        // The handle was dropped: the upload runs on, detached.
                        self.control_open = false;
                    }
                }
                done = maybe(self.call.as_mut()), if self.call.is_some() => {
                    self.call = None;
                    self.on_call(done);
                }
                Some(joined) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.on_task(joined);
                }
                permit = maybe(self.acquiring.as_mut().map(|(_, f)| f)), if self.acquiring.is_some() => {
                    if let Some((p, _)) = self.acquiring.take() {
                        self.spawn_part(p, permit);
                    }
                }
                _ = tick.tick() => {}
            }
            self.after_event();
        }
    }

    fn apply_control(&mut self) {
        let control = *self.control.borrow_and_update();
        match control {
            Control::Run => {}
            Control::Pause => self.machine.pause(),
            Control::Cancel => self.machine.cancel(),
        }
    }

    /// Performs the machine's actions until it waits; returns the outcome when it is over.
    async fn drain_actions(&mut self) -> Option<Outcome> {
        loop {
            match self.machine.next_action() {
                Action::Wait => return None,
                Action::Finished(outcome) => return Some(outcome),
                Action::DropParts => self.drop_parts().await,
                Action::UploadPart {
                    epoch,
                    number,
                    resend,
                } => {
                    let p = Pending {
                        epoch,
                        number,
                        resend,
                    };
                    match self.parked.remove(&number) {
                        Some(permit) => self.spawn_part(p, permit),
                        None => self.pending.push_back(p),
                    }
                }
                Action::PutObject { resend } => {
                    self.call = Some(calls::put(self.ctx.clone(), self.single_len, resend));
                }
                Action::Initiate { resend } => {
                    self.call = Some(calls::initiate(self.ctx.clone(), resend));
                }
                Action::Complete {
                    upload_id,
                    parts,
                    resend,
                } => {
                    // The last chance to notice a file changed under us: never complete then.
                    if let Err(e) = self.ctx.source.check_unchanged().await {
                        self.machine.fail(UploadError::Source(e));
                        continue;
                    }
                    self.call = Some(calls::complete(self.ctx.clone(), upload_id, parts, resend));
                }
                Action::HeadObject => self.call = Some(calls::head(self.ctx.clone())),
                Action::DeleteObject => self.call = Some(calls::delete(self.ctx.clone())),
                Action::Abort { upload_id } => {
                    self.call = Some(calls::abort(self.ctx.clone(), upload_id));
                }
            }
        }
    }

    /// Stops every part task and waits until they are gone, so no part request can start
    /// after this returns (a cancel's Abort is the last request of an upload).
    async fn drop_parts(&mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.task_parts.clear();
        self.pending.clear();
        self.acquiring = None;
        self.parked.clear();
    }

    fn planned(&self, number: PartNumber) -> Option<PlannedPart> {
        match self.machine.layout()? {
            Layout::Fixed(plan) => plan.part(number.get()),
            Layout::Stream(schedule) => schedule.part(number.get()),
        }
    }

    /// Starts waiting for the permit of the next pending part (one at a time, in order, so a
    /// stream's parts are read in order and no part holds a permit while waiting for another).
    fn start_parts(&mut self) {
        if self.acquiring.is_some() {
            return;
        }
        while let Some(p) = self.pending.pop_front() {
            if p.epoch != self.machine.epoch() {
                continue;
            }
            let len = self.planned(p.number).map_or(0, |pp| pp.len);
            let limiter = self.ctx.limiter.clone();
            self.acquiring = Some((p, Box::pin(async move { limiter.acquire(len).await })));
            return;
        }
    }

    fn spawn_part(&mut self, p: Pending, permit: PartPermit) {
        if p.epoch != self.machine.epoch() {
            return;
        }
        let (Some(planned), Some(upload_id)) = (self.planned(p.number), self.machine.upload_id())
        else {
            return;
        };
        let job = PartJob {
            upload_id: upload_id.clone(),
            epoch: p.epoch,
            number: p.number,
            planned,
            resend: p.resend,
        };
        let task = part::run_part(self.ctx.clone(), job, permit);
        let handle = self.tasks.spawn(task.instrument(self.span.clone()));
        self.task_parts.insert(handle.id(), (p.epoch, p.number));
    }

    fn on_task(&mut self, joined: Result<(tokio::task::Id, PartDone), tokio::task::JoinError>) {
        let done = match joined {
            Ok((id, done)) => {
                self.task_parts.remove(&id);
                done
            }
            Err(e) => {
                if let Some((epoch, number)) = self.task_parts.remove(&e.id())
                    && e.is_panic()
                {
                    self.machine.on_part_failed(
                        epoch,
                        number,
                        CallError::new(
                            CallErrorKind::Failed,
                            format!("part {number}'s task panicked"),
                        ),
                    );
                }
                return;
            }
        };
        let PartDone {
            epoch,
            number,
            permit,
            outcome,
        } = done;
        match outcome {
            PartOutcome::Uploaded(result) => {
                self.machine.on_part_done(epoch, number, result);
                if let Some(receipt) = self.machine.part_receipt(epoch, number) {
                    self.ctx.source.release(number.get());
                    if let Some(keeper) = &self.keeper {
                        keeper.part_done(CheckpointPart::new(number, receipt));
                    }
                } else if self.machine.is_resend_pending(epoch, number) {
                    self.parked.insert(number, permit);
                }
            }
            PartOutcome::Failed(error) => {
                tracing::debug!(part = number.get(), error = %error, "part failed");
                self.machine.on_part_failed(epoch, number, error);
                if self.machine.is_resend_pending(epoch, number) {
                    self.parked.insert(number, permit);
                }
            }
            PartOutcome::BeyondEnd => self.machine.on_part_beyond_end(epoch, number),
            PartOutcome::Source(e) => self.machine.fail(UploadError::Source(e)),
        }
    }

    fn on_call(&mut self, done: CallDone) {
        match done {
            CallDone::Put { crc64, result } => match result {
                Ok(ack) => self.machine.on_put_done(crc64, ack),
                Err(e) => self.machine.on_put_failed(e),
            },
            CallDone::PutSource(e) => self.machine.fail(UploadError::Source(e)),
            CallDone::Initiate(result) => match result {
                Ok(upload_id) => {
                    self.span
                        .record("upload_id", tracing::field::display(&upload_id));
                    tracing::info!("multipart upload initiated");
                    self.machine.on_initiated(upload_id);
                    if let Some(keeper) = &self.keeper
                        && let Some(doc) =
                            resume::document(&self.ctx, &self.machine, self.checkpoint_created)
                    {
                        keeper.started(doc);
                    }
                }
                Err(e) => self.machine.on_initiate_failed(e),
            },
            CallDone::Complete(result) => match result {
                Ok(ack) => self.machine.on_complete_done(ack),
                Err(e) => self.machine.on_complete_failed(e),
            },
            CallDone::Head(result) => match result {
                Ok(ack) => self.machine.on_head_done(ack),
                Err(e) => self.machine.on_head_failed(e),
            },
            CallDone::Delete(result) => match result {
                Ok(()) => self.machine.on_delete_done(),
                Err(e) => self.machine.on_delete_failed(e),
            },
            CallDone::Abort(result) => match result {
                Ok(()) => self.machine.on_abort_done(),
                Err(e) => {
                    tracing::warn!(error = %e, "abort failed");
                    self.machine.on_abort_failed(e);
                }
            },
        }
    }

    fn after_event(&mut self) {
        if self.machine.epoch() != self.epoch_seen {
            // The upload vanished and starts afresh: its checkpoint waits for the new id.
            tracing::info!("the multipart upload vanished: starting afresh");
            self.epoch_seen = self.machine.epoch();
            self.parked.clear();
            if let Some(keeper) = &self.keeper {
                keeper.discard();
            }
        }
    }
}

#[cfg(test)]
mod shared_limit_tests;
#[cfg(test)]
mod tests;
