//! The upload state machine: which parts wait, are in flight or are done, and what to do next.
//!
//! No IO and no clock (the quinn-proto discipline): the driver asks [`UploadMachine::next_action`]
//! what to send, performs it, and feeds the result back through the `on_*` methods. Delays are
//! returned as durations for the driver to sleep. Every reaction to a fault is decided here, so
//! a test can drive the machine with any schedule of results and check that it never exceeds its
//! in-flight limit, sends nothing but Abort after a cancel, and completes only with every part
//! acknowledged with the right CRC64.

use std::time::Duration;

use crate::error::{CallKind, SourceError, UploadError};
use crate::fault::{ApiError, FaultKind};
use crate::plan::{MAX_PARTS, PartPlan, StreamSchedule};

/// Limits and retry budgets of one upload's machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineConfig {
    /// Parts in flight at most (including parts waiting to be retried).
    pub max_in_flight: usize,
    /// Attempts per part (on top of the client's own retries).
    pub part_attempts: u32,
    /// Attempts for PUT, Initiate, Complete, HEAD and DELETE.
    pub call_attempts: u32,
    /// Attempts for Abort.
    pub abort_attempts: u32,
    /// How often a vanished upload (`NoSuchUpload`) may start afresh.
    pub max_restarts: u32,
    /// The first retry's delay.
    pub backoff_base: Duration,
    /// The longest retry delay.
    pub backoff_max: Duration,
    /// The delay between Abort attempts (kept short: cancel runs under its own deadline).
    pub abort_backoff: Duration,
    /// Whether a missing `x-cos-hash-crc64ecma` in a response is an error.
    pub require_server_crc64: bool,
    /// Whether a multipart upload that failed on a COS call (retries exhausted, expired
    /// credentials, a refusal) is kept for a later resume instead of aborted. Integrity
    /// failures and a changed source always abort. Set when a checkpoint can be kept.
    pub keep_on_failure: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 4,
            part_attempts: 4,
            call_attempts: 4,
            abort_attempts: 3,
            max_restarts: 1,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            abort_backoff: Duration::from_millis(200),
            require_server_crc64: false,
            keep_on_failure: false,
        }
    }
}

/// How the object is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A source of known length.
    Fixed(PartPlan),
    /// A stream of unknown length: parts follow the schedule until the stream ends.
    Stream(StreamSchedule),
}

/// What COS acknowledged for one part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartReceipt {
    /// The part's length.
    pub size: u64,
    /// The ETag COS returned (with quotes, as COS sends it).
    pub etag: String,
    /// The CRC64 of the part's bytes.
    pub crc64: u64,
}

/// The result of one Upload Part: what was sent and what COS said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartResult {
    /// The number of bytes sent.
    pub size: u64,
    /// The ETag COS returned.
    pub etag: String,
    /// The CRC64 of the bytes sent.
    pub crc64_sent: u64,
    /// The CRC64 COS returned (`x-cos-hash-crc64ecma`), if any.
    pub crc64_stored: Option<u64>,
}

/// The result of a PUT Object, a Complete or a HEAD Object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectResult {
    /// The object's ETag.
    pub etag: String,
    /// The CRC64 COS returned, if any.
    pub crc64: Option<u64>,
    /// The object's length, when the response tells it (HEAD).
    pub size: Option<u64>,
}

/// A part as listed in the Complete request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// The part number.
    pub number: u32,
    /// Its ETag.
    pub etag: String,
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send the whole object as one PUT (after `delay`).
    PutObject {
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// Initiate a multipart upload.
    Initiate {
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// Read and upload part `number` (after `delay`). Tag its result with `epoch`.
    UploadPart {
        /// The multipart upload's generation (it changes when an upload starts afresh).
        epoch: u32,
        /// The part number.
        number: u32,
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// Stop every part in flight: their results are no longer wanted.
    DropParts,
    /// Complete the multipart upload with these parts (ascending).
    Complete {
        /// The upload id.
        upload_id: String,
        /// The parts.
        parts: Vec<CompletedPart>,
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// HEAD the object: a Complete that may have taken effect answered `NoSuchUpload`.
    HeadObject {
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// DELETE the object: it was stored with the wrong CRC64.
    DeleteObject {
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// Abort the multipart upload.
    Abort {
        /// The upload id.
        upload_id: String,
        /// 1 for the first attempt.
        attempt: u32,
        /// How long to wait first.
        delay: Duration,
    },
    /// Nothing to do until a result arrives.
    Wait,
    /// The upload is over.
    Finished(Outcome),
}

/// How an upload ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The object is stored and its CRC64 matches the source's.
    Completed(Completion),
    /// Stopped by [`UploadMachine::pause`]; the upload (if any) is kept for a resume.
    Paused {
        /// The multipart upload id, when one exists.
        upload_id: Option<String>,
    },
    /// Stopped by [`UploadMachine::cancel`]; the multipart upload (if any) was aborted.
    Cancelled {
        /// The aborted upload id.
        upload_id: Option<String>,
    },
    /// The upload failed; the error says why and whether an abort failed.
    Failed {
        /// Why.
        error: UploadError,
        /// Whether the multipart upload is still on COS (kept for a resume, or its abort failed).
        upload_kept: Option<String>,
    },
}

impl PartialEq for Outcome {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Outcome::Completed(a), Outcome::Completed(b)) => a == b,
            (Outcome::Paused { upload_id: a }, Outcome::Paused { upload_id: b })
            | (Outcome::Cancelled { upload_id: a }, Outcome::Cancelled { upload_id: b }) => a == b,
            (Outcome::Failed { error: a, .. }, Outcome::Failed { error: b, .. }) => {
                a.to_string() == b.to_string()
            }
            _ => false,
        }
    }
}

impl Eq for Outcome {}

/// A successful upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The object's ETag.
    pub etag: String,
    /// The object's CRC64 (the source's, confirmed by COS when it returned one).
    pub crc64: u64,
    /// Whether COS returned a CRC64 that was compared.
    pub crc64_verified: bool,
    /// The object's length.
    pub size: u64,
    /// The part count (0 for a single PUT).
    pub parts: u32,
    /// Parts taken over from an earlier run instead of being sent.
    pub resumed_parts: u32,
    /// The multipart upload id, for a multipart upload.
    pub upload_id: Option<String>,
}

#[derive(Debug, Clone)]
enum Slot {
    Waiting { attempts: u32 },
    InFlight { attempt: u32 },
    RetryPending { attempt: u32, last: FaultKind },
    Done(PartReceipt),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Single { len: u64 },
    Multipart,
}

#[derive(Debug, Clone)]
enum Phase {
    Putting,
    Initiating,
    Uploading,
    Completing,
    Verifying,
    Deleting { expected: u64, stored: u64 },
    Aborting { then: Box<AbortThen> },
    Finished(Outcome),
}

#[derive(Debug, Clone)]
enum AbortThen {
    Cancelled,
    Failed(UploadError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Pause,
    Cancel,
}

/// One upload's state: see the module documentation.
#[derive(Debug, Clone)]
pub struct UploadMachine {
    config: MachineConfig,
    mode: Mode,
    layout: Option<Layout>,
    phase: Phase,
    slots: Vec<Slot>,
    total_parts: Option<u32>,
    upload_id: Option<String>,
    epoch: u32,
    restarts: u32,
    resumed_parts: u32,
    call_in_flight: bool,
    call_attempts: u32,
    last_fault: Option<FaultKind>,
    complete_maybe_sent: bool,
    stop: Option<Stop>,
    drop_parts: bool,
    part_mismatch: Option<(u32, u64, u64)>,
    /// A single PUT stored an object with the wrong CRC64 (expected, stored): if the upload
    /// ends without replacing it, it is deleted.
    wrong_object: Option<(u64, u64)>,
}

impl UploadMachine {
    fn base(config: MachineConfig, mode: Mode, layout: Option<Layout>, phase: Phase) -> Self {
        let config = MachineConfig {
            max_in_flight: config.max_in_flight.max(1),
            part_attempts: config.part_attempts.max(1),
            call_attempts: config.call_attempts.max(1),
            abort_attempts: config.abort_attempts.max(1),
            ..config
        };
        let total_parts = match layout {
            Some(Layout::Fixed(plan)) => Some(plan.count()),
            _ => None,
        };
        let slots = (0..total_parts.unwrap_or(0))
            .map(|_| Slot::Waiting { attempts: 0 })
            .collect();
        Self {
            config,
            mode,
            layout,
            phase,
            slots,
            total_parts,
            upload_id: None,
            epoch: 0,
            restarts: 0,
            resumed_parts: 0,
            call_in_flight: false,
            call_attempts: 0,
            last_fault: None,
            complete_maybe_sent: false,
            stop: None,
            drop_parts: false,
            part_mismatch: None,
            wrong_object: None,
        }
    }

    /// A single PUT of `len` bytes.
    pub fn single(len: u64, config: MachineConfig) -> Self {
        Self::base(config, Mode::Single { len }, None, Phase::Putting)
    }

    /// A new multipart upload: Initiate, then the parts.
    pub fn multipart(layout: Layout, config: MachineConfig) -> Self {
        Self::base(config, Mode::Multipart, Some(layout), Phase::Initiating)
    }

    /// A multipart upload resumed from an existing upload id, with the parts that were
    /// verified to be on COS already (parts outside the layout are ignored).
    pub fn resume(
        layout: Layout,
        upload_id: String,
        trusted: impl IntoIterator<Item = (u32, PartReceipt)>,
        config: MachineConfig,
    ) -> Self {
        let mut machine = Self::base(config, Mode::Multipart, Some(layout), Phase::Uploading);
        machine.upload_id = Some(upload_id);
        if let Layout::Fixed(plan) = layout {
            for (number, receipt) in trusted {
                let planned = plan.part(number).map(|p| p.len);
                let Some(slot) = (number as usize)
                    .checked_sub(1)
                    .and_then(|i| machine.slots.get_mut(i))
                else {
                    continue;
                };
                if planned == Some(receipt.size) && matches!(slot, Slot::Waiting { .. }) {
                    *slot = Slot::Done(receipt);
                    machine.resumed_parts += 1;
                }
            }
        }
        machine
    }

    /// The multipart upload id, once known.
    pub fn upload_id(&self) -> Option<&str> {
        self.upload_id.as_deref()
    }

    /// The multipart upload's generation (results tagged with an older one are ignored).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The layout (for a multipart upload).
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    /// Whether the upload is over.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished(_))
    }

    /// Parts in flight now (including parts waiting to be retried).
    pub fn in_flight(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::InFlight { .. } | Slot::RetryPending { .. }))
            .count()
    }

    /// Bytes acknowledged by COS in the current upload generation.
    pub fn acknowledged_bytes(&self) -> u64 {
        match (&self.mode, &self.phase) {
            (Mode::Single { len }, Phase::Finished(Outcome::Completed(_))) => *len,
            _ => self.done_parts().map(|(_, r)| r.size).sum(),
        }
    }

    /// Parts acknowledged.
    pub fn parts_done(&self) -> u32 {
        self.done_parts().count() as u32
    }

    /// The part count, once known (streams learn it at their end).
    pub fn parts_total(&self) -> Option<u32> {
        match self.mode {
            Mode::Single { .. } => Some(0),
            Mode::Multipart => self.total_parts,
        }
    }

    /// Parts taken over from an earlier run.
    pub fn resumed_parts(&self) -> u32 {
        self.resumed_parts
    }

    /// The acknowledged parts in ascending order (what a checkpoint records).
    pub fn done_parts(&self) -> impl Iterator<Item = (u32, &PartReceipt)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Done(r) => Some((i as u32 + 1, r)),
            _ => None,
        })
    }

    /// Part `number`'s receipt, when it is acknowledged in generation `epoch`.
    pub fn part_receipt(&self, epoch: u32, number: u32) -> Option<&PartReceipt> {
        if epoch != self.epoch {
            return None;
        }
        match self.slots.get((number as usize).checked_sub(1)?)? {
            Slot::Done(r) => Some(r),
            _ => None,
        }
    }

    /// Whether part `number` of generation `epoch` waits to be sent again.
    pub fn is_retry_pending(&self, epoch: u32, number: u32) -> bool {
        epoch == self.epoch
            && (number as usize)
                .checked_sub(1)
                .and_then(|i| self.slots.get(i))
                .is_some_and(|s| matches!(s, Slot::RetryPending { .. }))
    }

    /// The object's CRC64 combined from the acknowledged parts in order.
    pub fn combined_crc64(&self) -> u64 {
        self.done_parts().fold(0, |acc, (_, r)| {
            cos_model::crc64::combine(acc, r.crc64, r.size)
        })
    }

    fn backoff(&self, attempt: u32, fault: Option<FaultKind>) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let exp = (attempt - 2).min(16);
        let mut d = self.config.backoff_base.saturating_mul(1u32 << exp);
        if fault == Some(FaultKind::SlowDown) {
            d = d.saturating_mul(2);
        }
        d.min(self.config.backoff_max)
    }

    /// What to do next. Calling it again without feeding a result back returns `Wait` (or the
    /// next part), never the same request twice.
    pub fn next_action(&mut self) -> Action {
        if self.drop_parts {
            self.drop_parts = false;
            return Action::DropParts;
        }
        if let Phase::Finished(outcome) = &self.phase {
            return Action::Finished(outcome.clone());
        }
        if self.call_in_flight {
            return Action::Wait;
        }
        match &self.phase {
            Phase::Putting => {
                self.start_call(|attempt, delay| Action::PutObject { attempt, delay })
            }
            Phase::Initiating => {
                self.start_call(|attempt, delay| Action::Initiate { attempt, delay })
            }
            Phase::Uploading => self.next_part_action(),
            Phase::Completing => {
                let Some(upload_id) = self.upload_id.clone() else {
                    return self
                        .finish_failed(UploadError::Checkpoint("no upload id to complete".into()));
                };
                let parts = self
                    .done_parts()
                    .map(|(number, r)| CompletedPart {
                        number,
                        etag: r.etag.clone(),
                    })
                    .collect();
                self.start_call(|attempt, delay| Action::Complete {
                    upload_id,
                    parts,
                    attempt,
                    delay,
                })
            }
            Phase::Verifying => {
                self.start_call(|attempt, delay| Action::HeadObject { attempt, delay })
            }
            Phase::Deleting { .. } => {
                self.start_call(|attempt, delay| Action::DeleteObject { attempt, delay })
            }
            Phase::Aborting { .. } => {
                let Some(upload_id) = self.upload_id.clone() else {
                    return self.finish_aborted();
                };
                self.call_in_flight = true;
                self.call_attempts += 1;
                let delay = if self.call_attempts > 1 {
                    self.config.abort_backoff
                } else {
                    Duration::ZERO
                };
                Action::Abort {
                    upload_id,
                    attempt: self.call_attempts,
                    delay,
                }
            }
            Phase::Finished(_) => Action::Wait,
        }
    }

    fn start_call(&mut self, make: impl FnOnce(u32, Duration) -> Action) -> Action {
        self.call_in_flight = true;
        self.call_attempts += 1;
        let delay = self.backoff(self.call_attempts, self.last_fault);
        make(self.call_attempts, delay)
    }

    fn next_part_action(&mut self) -> Action {
        // Retries first: they already count as in flight.
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| matches!(s, Slot::RetryPending { .. }))
        {
            let Slot::RetryPending { attempt, last } = self.slots[i] else {
                return Action::Wait;
            };
            self.slots[i] = Slot::InFlight { attempt };
            return Action::UploadPart {
                epoch: self.epoch,
                number: i as u32 + 1,
                attempt,
                delay: self.backoff(attempt, Some(last)),
            };
        }
        if self.in_flight() < self.config.max_in_flight {
            if let Some(i) = self
                .slots
                .iter()
                .position(|s| matches!(s, Slot::Waiting { .. }))
            {
                let Slot::Waiting { attempts } = self.slots[i] else {
                    return Action::Wait;
                };
                let attempt = attempts + 1;
                self.slots[i] = Slot::InFlight { attempt };
                return Action::UploadPart {
                    epoch: self.epoch,
                    number: i as u32 + 1,
                    attempt,
                    delay: Duration::ZERO,
                };
            }
            if self.total_parts.is_none() && (self.slots.len() as u32) < MAX_PARTS {
                self.slots.push(Slot::InFlight { attempt: 1 });
                return Action::UploadPart {
                    epoch: self.epoch,
                    number: self.slots.len() as u32,
                    attempt: 1,
                    delay: Duration::ZERO,
                };
            }
        }
        let all_done = self.total_parts.is_some_and(|t| {
            t as usize == self.slots.len() && self.slots.iter().all(|s| matches!(s, Slot::Done(_)))
        });
        if all_done {
            self.phase = Phase::Completing;
            self.call_attempts = 0;
            self.last_fault = None;
            return self.next_action();
        }
        Action::Wait
    }

    // ---- control -------------------------------------------------------------------------

    /// Pause: parts in flight are dropped, the upload is kept for a resume. When Initiate or
    /// Complete is in flight, the pause takes effect once its result is in.
    pub fn pause(&mut self) {
        self.request_stop(Stop::Pause);
    }

    /// Cancel: parts in flight are dropped and the multipart upload is aborted. Nothing but
    /// Abort is sent from now on (a call already in flight is awaited, not repeated), except
    /// the DELETE of an object an earlier PUT attempt stored with the wrong CRC64.
    pub fn cancel(&mut self) {
        self.request_stop(Stop::Cancel);
    }

    fn request_stop(&mut self, stop: Stop) {
        // A wrong object being deleted is deleted whatever happens.
        if matches!(
            self.phase,
            Phase::Finished(_) | Phase::Aborting { .. } | Phase::Deleting { .. }
        ) {
            return;
        }
        if self.stop == Some(Stop::Cancel) {
            return;
        }
        self.stop = Some(stop);
        self.release_parts();
        if matches!(self.phase, Phase::Putting) && self.delete_wrong_object() {
            return;
        }
        if matches!(self.phase, Phase::Putting) || !self.call_in_flight {
            // A PUT in flight is simply dropped; otherwise nothing is outstanding.
            self.call_in_flight = false;
            self.apply_stop();
        }
    }

    fn release_parts(&mut self) {
        let mut any = false;
        for slot in &mut self.slots {
            match slot {
                Slot::InFlight { attempt } | Slot::RetryPending { attempt, .. } => {
                    *slot = Slot::Waiting {
                        attempts: *attempt - 1,
                    };
                    any = true;
                }
                _ => {}
            }
        }
        if self.total_parts.is_none() {
            // A stream cannot be re-read: trailing parts that were not acknowledged are gone.
            while matches!(self.slots.last(), Some(Slot::Waiting { .. })) {
                self.slots.pop();
            }
        }
        if any {
            self.drop_parts = true;
        }
    }

    fn apply_stop(&mut self) {
        match self.stop {
            Some(Stop::Pause) => {
                self.phase = Phase::Finished(Outcome::Paused {
                    upload_id: self.upload_id.clone(),
                });
            }
            Some(Stop::Cancel) => match (&self.upload_id, &self.mode) {
                (Some(_), Mode::Multipart) => self.begin_abort(AbortThen::Cancelled),
                _ => {
                    self.phase = Phase::Finished(Outcome::Cancelled { upload_id: None });
                }
            },
            None => {}
        }
    }

    /// Fail the upload for a reason found outside COS (the source changed or could not be
    /// read). An existing multipart upload is aborted first.
    pub fn fail(&mut self, error: UploadError) {
        if matches!(
            self.phase,
            Phase::Finished(_) | Phase::Aborting { .. } | Phase::Deleting { .. }
        ) {
            return;
        }
        self.release_parts();
        self.call_in_flight = false;
        if matches!(self.phase, Phase::Putting) && self.delete_wrong_object() {
            return;
        }
        self.fail_and_abort(error);
    }

    fn fail_and_abort(&mut self, error: UploadError) {
        let resumable = self.config.keep_on_failure
            && matches!(self.layout, Some(Layout::Fixed(_)))
            && matches!(error, UploadError::Call { .. });
        match (&self.upload_id, self.mode) {
            (Some(id), Mode::Multipart) if resumable => {
                let upload_id = id.clone();
                self.release_parts();
                self.call_in_flight = false;
                self.phase = Phase::Finished(Outcome::Failed {
                    error: UploadError::Resumable {
                        upload_id: upload_id.clone(),
                        cause: Box::new(error),
                    },
                    upload_kept: Some(upload_id),
                });
            }
            (Some(_), Mode::Multipart) => self.begin_abort(AbortThen::Failed(error)),
            _ => {
                self.phase = Phase::Finished(Outcome::Failed {
                    error,
                    upload_kept: None,
                });
            }
        }
    }

    fn begin_abort(&mut self, then: AbortThen) {
        self.release_parts();
        self.phase = Phase::Aborting {
            then: Box::new(then),
        };
        self.call_in_flight = false;
        self.call_attempts = 0;
    }

    fn finish_failed(&mut self, error: UploadError) -> Action {
        self.phase = Phase::Finished(Outcome::Failed {
            error,
            upload_kept: None,
        });
        self.next_action()
    }

    fn finish_aborted(&mut self) -> Action {
        let then = match std::mem::replace(&mut self.phase, Phase::Uploading) {
            Phase::Aborting { then } => *then,
            other => {
                self.phase = other;
                return Action::Wait;
            }
        };
        self.phase = Phase::Finished(match then {
            AbortThen::Cancelled => Outcome::Cancelled {
                upload_id: self.upload_id.clone(),
            },
            AbortThen::Failed(error) => Outcome::Failed {
                error,
                upload_kept: None,
            },
        });
        self.next_action()
    }

    fn call_error(&self, call: CallKind, error: ApiError) -> UploadError {
        UploadError::Call {
            call,
            part: None,
            attempts: self.call_attempts,
            error,
        }
    }

    /// Starts afresh after `NoSuchUpload`, if allowed; otherwise fails.
    fn restart_or_fail(&mut self) {
        let upload_id = self.upload_id.clone().unwrap_or_default();
        let restartable = matches!(self.layout, Some(Layout::Fixed(_)))
            && self.restarts < self.config.max_restarts;
        self.release_parts();
        self.call_in_flight = false;
        if !restartable {
            self.upload_id = None;
            self.phase = Phase::Finished(Outcome::Failed {
                error: UploadError::UploadVanished { upload_id },
                upload_kept: None,
            });
            return;
        }
        self.restarts += 1;
        self.epoch += 1;
        self.upload_id = None;
        self.resumed_parts = 0;
        self.complete_maybe_sent = false;
        for slot in &mut self.slots {
            *slot = Slot::Waiting { attempts: 0 };
        }
        self.phase = Phase::Initiating;
        self.call_attempts = 0;
        self.last_fault = None;
    }

    // ---- results ---------------------------------------------------------------------------

    /// The PUT Object answered.
    pub fn on_put_done(&mut self, crc64_sent: u64, result: ObjectResult) {
        if !matches!(self.phase, Phase::Putting) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        let Mode::Single { len } = self.mode else {
            return;
        };
        match self.check_crc(crc64_sent, result.crc64) {
            Ok(verified) => {
                self.phase = Phase::Finished(Outcome::Completed(Completion {
                    etag: result.etag,
                    crc64: crc64_sent,
                    crc64_verified: verified,
                    size: len,
                    parts: 0,
                    resumed_parts: 0,
                    upload_id: None,
                }));
            }
            Err(stored) => {
                self.wrong_object = Some((crc64_sent, stored));
                if self.call_attempts >= self.config.call_attempts {
                    self.delete_wrong_object();
                } else {
                    // Send it again: the next PUT replaces the wrong object.
                    self.last_fault = Some(FaultKind::Integrity);
                }
            }
        }
    }

    /// Deletes the object a PUT stored with the wrong CRC64; returns false when there is none.
    fn delete_wrong_object(&mut self) -> bool {
        let Some((expected, stored)) = self.wrong_object.take() else {
            return false;
        };
        self.call_in_flight = false;
        self.phase = Phase::Deleting { expected, stored };
        self.call_attempts = 0;
        self.last_fault = None;
        true
    }

    /// Compares CRCs: `Ok(verified)` or `Err(stored)` on a mismatch (a missing CRC is a
    /// mismatch only when the config requires it; it is then reported as stored 0).
    fn check_crc(&self, sent: u64, stored: Option<u64>) -> Result<bool, u64> {
        match stored {
            Some(s) if s == sent => Ok(true),
            Some(s) => Err(s),
            None if self.config.require_server_crc64 => Err(0),
            None => Ok(false),
        }
    }

    /// The PUT Object failed.
    pub fn on_put_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Putting) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if error.kind().is_retryable() && self.call_attempts < self.config.call_attempts {
            self.last_fault = Some(error.kind());
            return;
        }
        if self.delete_wrong_object() {
            return;
        }
        let e = self.call_error(CallKind::PutObject, error);
        self.phase = Phase::Finished(Outcome::Failed {
            error: e,
            upload_kept: None,
        });
    }

    /// Initiate answered with an upload id.
    pub fn on_initiated(&mut self, upload_id: String) {
        if !matches!(self.phase, Phase::Initiating) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        self.upload_id = Some(upload_id);
        self.phase = Phase::Uploading;
        self.call_attempts = 0;
        self.last_fault = None;
        self.apply_stop();
    }

    /// Initiate failed.
    pub fn on_initiate_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Initiating) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if self.stop.is_some() {
            self.apply_stop();
            return;
        }
        if error.kind().is_retryable() && self.call_attempts < self.config.call_attempts {
            self.last_fault = Some(error.kind());
            return;
        }
        let e = self.call_error(CallKind::Initiate, error);
        self.phase = Phase::Finished(Outcome::Failed {
            error: e,
            upload_kept: None,
        });
    }

    fn live_part(&self, epoch: u32, number: u32) -> Option<(usize, u32)> {
        if epoch != self.epoch || !matches!(self.phase, Phase::Uploading) {
            return None;
        }
        let i = (number as usize).checked_sub(1)?;
        match self.slots.get(i)? {
            Slot::InFlight { attempt } => Some((i, *attempt)),
            _ => None,
        }
    }

    /// Part `number` of generation `epoch` was acknowledged.
    pub fn on_part_done(&mut self, epoch: u32, number: u32, result: PartResult) {
        let Some((i, attempt)) = self.live_part(epoch, number) else {
            return;
        };
        if result.etag.is_empty() {
            self.part_failed_at(
                i,
                attempt,
                ApiError::new(
                    FaultKind::BadResponse,
                    "UploadPart answered without an ETag",
                ),
            );
            return;
        }
        match self.check_crc(result.crc64_sent, result.crc64_stored) {
            Ok(_) => {
                self.slots[i] = Slot::Done(PartReceipt {
                    size: result.size,
                    etag: result.etag,
                    crc64: result.crc64_sent,
                });
            }
            Err(stored) => {
                self.part_mismatch = Some((number, result.crc64_sent, stored));
                self.part_failed_at(
                    i,
                    attempt,
                    ApiError::new(
                        FaultKind::Integrity,
                        format!(
                            "part {number}: COS stored CRC64 {stored}, sent {}",
                            result.crc64_sent
                        ),
                    ),
                );
            }
        }
    }

    /// Part `number` of generation `epoch` failed.
    pub fn on_part_failed(&mut self, epoch: u32, number: u32, error: ApiError) {
        let Some((i, attempt)) = self.live_part(epoch, number) else {
            return;
        };
        self.part_failed_at(i, attempt, error);
    }

    fn part_failed_at(&mut self, i: usize, attempt: u32, error: ApiError) {
        let kind = error.kind();
        if kind == FaultKind::NoSuchUpload {
            self.restart_or_fail();
            return;
        }
        if kind.is_retryable() && attempt < self.config.part_attempts {
            self.slots[i] = Slot::RetryPending {
                attempt: attempt + 1,
                last: kind,
            };
            return;
        }
        let number = i as u32 + 1;
        let e = match (kind, self.part_mismatch) {
            (FaultKind::Integrity, Some((n, sent, stored))) if n == number => {
                UploadError::PartCrcMismatch {
                    number,
                    sent,
                    stored,
                }
            }
            _ => UploadError::Call {
                call: CallKind::UploadPart,
                part: Some(number),
                attempts: attempt,
                error,
            },
        };
        self.slots[i] = Slot::Waiting { attempts: attempt };
        self.release_parts();
        self.fail_and_abort(e);
    }

    /// A stream's part `number` of generation `epoch` turned out to lie past the stream's end
    /// (nothing was read): the stream has `number - 1` parts.
    pub fn on_part_beyond_end(&mut self, epoch: u32, number: u32) {
        if epoch != self.epoch
            || !matches!(self.layout, Some(Layout::Stream(_)))
            || !matches!(self.phase, Phase::Uploading)
            || number == 0
            || number as usize > self.slots.len() + 1
        {
            return;
        }
        let total = number - 1;
        if self.total_parts.is_some_and(|t| t <= total) {
            return;
        }
        if total == 0 {
            self.fail(UploadError::Source(SourceError::Io(
                "the stream ended before its first part".into(),
            )));
            return;
        }
        // Parts started past the end are forgotten; their tasks find nothing to read and
        // their (ignored) results release their permits.
        self.total_parts = Some(total);
        self.slots.truncate(total as usize);
    }

    /// Complete answered.
    pub fn on_complete_done(&mut self, result: ObjectResult) {
        if !matches!(self.phase, Phase::Completing) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if result.etag.is_empty() {
            // Go treats a Complete without an ETag as retryable.
            self.complete_maybe_sent = true;
            self.on_call_retry_or(
                ApiError::new(FaultKind::BadResponse, "Complete answered without an ETag"),
                CallKind::Complete,
            );
            return;
        }
        let expected = self.combined_crc64();
        match self.check_crc(expected, result.crc64) {
            Ok(verified) => self.finish_completed(result.etag, expected, verified),
            Err(stored) => {
                self.phase = Phase::Deleting { expected, stored };
                self.call_attempts = 0;
            }
        }
    }

    fn finish_completed(&mut self, etag: String, crc64: u64, verified: bool) {
        let size = self.acknowledged_bytes();
        self.phase = Phase::Finished(Outcome::Completed(Completion {
            etag,
            crc64,
            crc64_verified: verified,
            size,
            parts: self.parts_done(),
            resumed_parts: self.resumed_parts,
            upload_id: self.upload_id.clone(),
        }));
    }

    fn on_call_retry_or(&mut self, error: ApiError, call: CallKind) {
        if self.stop == Some(Stop::Pause) {
            self.apply_stop();
            return;
        }
        if self.stop == Some(Stop::Cancel) {
            self.apply_stop();
            return;
        }
        if error.kind().is_retryable() && self.call_attempts < self.config.call_attempts {
            self.last_fault = Some(error.kind());
            return;
        }
        let e = self.call_error(call, error);
        self.fail_and_abort(e);
    }

    /// Complete failed.
    pub fn on_complete_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Completing) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        match error.kind() {
            FaultKind::NoSuchUpload if self.stop.is_some() => {
                // Stopping: the upload is gone either way, and nothing new is sent.
                self.upload_id = None;
                self.apply_stop();
            }
            FaultKind::NoSuchUpload if self.complete_maybe_sent => {
                // An earlier attempt may have completed the upload: look at the object.
                self.phase = Phase::Verifying;
                self.call_attempts = 0;
                self.last_fault = None;
            }
            FaultKind::NoSuchUpload => {
                if self.stop.is_some() {
                    self.upload_id = None;
                    self.apply_stop();
                } else {
                    self.restart_or_fail();
                }
            }
            kind => {
                if matches!(
                    kind,
                    FaultKind::Connection { maybe_sent: true }
                        | FaultKind::Timeout
                        | FaultKind::Server
                        | FaultKind::BadResponse
                ) {
                    self.complete_maybe_sent = true;
                }
                self.on_call_retry_or(error, CallKind::Complete);
            }
        }
    }

    /// HEAD Object answered (after an ambiguous Complete).
    pub fn on_head_done(&mut self, result: ObjectResult) {
        if !matches!(self.phase, Phase::Verifying) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        let expected = self.combined_crc64();
        let size_ok = result.size == Some(self.acknowledged_bytes());
        if size_ok && result.crc64 == Some(expected) {
            self.finish_completed(result.etag, expected, true);
        } else {
            self.upload_vanished();
        }
    }

    fn upload_vanished(&mut self) {
        if self.stop.is_some() {
            self.upload_id = None;
            self.apply_stop();
        } else {
            self.restart_or_fail();
        }
    }

    /// HEAD Object failed.
    pub fn on_head_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Verifying) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if error.kind() == FaultKind::NotFound {
            self.upload_vanished();
            return;
        }
        if error.kind().is_retryable() && self.call_attempts < self.config.call_attempts {
            self.last_fault = Some(error.kind());
            return;
        }
        let e = self.call_error(CallKind::HeadObject, error);
        self.upload_id = None;
        self.phase = Phase::Finished(Outcome::Failed {
            error: e,
            upload_kept: None,
        });
    }

    /// DELETE Object answered (the wrong object is gone).
    pub fn on_delete_done(&mut self) {
        self.finish_delete(true);
    }

    /// DELETE Object failed.
    pub fn on_delete_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Deleting { .. }) || !self.call_in_flight {
            return;
        }
        if error.kind() == FaultKind::NotFound {
            self.finish_delete(true);
            return;
        }
        if error.kind().is_retryable() && self.call_attempts < self.config.call_attempts {
            self.call_in_flight = false;
            self.last_fault = Some(error.kind());
            return;
        }
        self.finish_delete(false);
    }

    fn finish_delete(&mut self, deleted: bool) {
        let Phase::Deleting { expected, stored } = self.phase else {
            return;
        };
        if !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        self.upload_id = None;
        self.phase = Phase::Finished(Outcome::Failed {
            error: UploadError::ObjectCrcMismatch {
                expected,
                stored,
                deleted,
            },
            upload_kept: None,
        });
    }

    /// Abort answered (or said `NoSuchUpload`, which counts as aborted).
    pub fn on_abort_done(&mut self) {
        if !matches!(self.phase, Phase::Aborting { .. }) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        self.finish_aborted();
    }

    /// Abort failed.
    pub fn on_abort_failed(&mut self, error: ApiError) {
        if !matches!(self.phase, Phase::Aborting { .. }) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if error.kind() == FaultKind::NoSuchUpload {
            self.finish_aborted();
            return;
        }
        if self.call_attempts < self.config.abort_attempts {
            return;
        }
        let Phase::Aborting { then } = std::mem::replace(&mut self.phase, Phase::Uploading) else {
            return;
        };
        let upload_id = self.upload_id.clone().unwrap_or_default();
        let cause = match *then {
            AbortThen::Cancelled => UploadError::Cancelled {
                upload_id: Some(upload_id.clone()),
            },
            AbortThen::Failed(e) => e,
        };
        self.phase = Phase::Finished(Outcome::Failed {
            error: UploadError::AbortFailed {
                upload_id: upload_id.clone(),
                cause: Box::new(cause),
                abort_error: error,
            },
            upload_kept: Some(upload_id),
        });
    }
}

#[cfg(test)]
mod tests;
