//! The upload state machine: which parts wait, are in flight or are done, and what to do next.
//!
//! No IO and no clock (the quinn-proto discipline): the driver asks [`UploadMachine::next_action`]
//! what to send, performs it, and feeds the result back through the `on_*` methods
//! (`results.rs`); pause, cancel and failure are in `stop.rs`. A test can drive the machine
//! with any schedule of results and check that it never exceeds its in-flight limit, sends
//! nothing but Abort after a cancel, and completes only with every part acknowledged with the
//! right CRC64.
//!
//! The machine never repeats a call for a reason the call itself could see (a 5xx, a timeout,
//! a reset): the client retried those already. It repeats only what one request cannot do for
//! itself — a part or PUT whose bytes arrived corrupted (a *resend*, numbered in its action so
//! the driver can ask the client's retry policy for permission and a delay) and an upload that
//! vanished (a restart) — and decides, after an ambiguous Complete, to look at the object.

mod results;
mod stop;

use cos_model::ops::CompletedParts;
use cos_model::{ETag, PartNumber, UploadId};

use crate::error::UploadError;
use crate::plan::{PartPlan, StreamSchedule};

/// Limits of one upload's machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineConfig {
    /// Parts in flight at most (including parts waiting to be sent again).
    pub max_in_flight: usize,
    /// Sends at most of one part or PUT whose bytes COS received corrupted (`BadDigest`, or an
    /// ETag or CRC64 that is not the bytes sent). Each send after the first also needs the
    /// client's permission ([`CosApi::resend_permit`](crate::CosApi::resend_permit)).
    pub resend_attempts: u32,
    /// How often a vanished upload (`NoSuchUpload`) may start afresh.
    pub max_restarts: u32,
    /// Whether a missing `x-cos-hash-crc64ecma` in a response is an error.
    pub require_server_crc64: bool,
    /// Whether a multipart upload that failed on a COS call (retries exhausted, refused
    /// credentials, a refusal) is kept for a later resume instead of aborted. Integrity
    /// failures and a changed source always abort. Set when a checkpoint can be kept.
    pub keep_on_failure: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 4,
            resend_attempts: 4,
            max_restarts: 1,
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
    /// The ETag COS returned.
    pub etag: ETag,
    /// The CRC64 of the part's bytes.
    pub crc64: u64,
}

/// The result of one Upload Part: what was sent and what COS said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartResult {
    /// The number of bytes sent.
    pub size: u64,
    /// The ETag COS returned.
    pub etag: ETag,
    /// The CRC64 of the bytes sent.
    pub crc64_sent: u64,
    /// The CRC64 COS returned (`x-cos-hash-crc64ecma`), if any.
    pub crc64_stored: Option<u64>,
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send the whole object as one PUT.
    PutObject {
        /// 0 for the first send; n for the n-th resend of corrupted bytes.
        resend: u32,
    },
    /// Initiate a multipart upload.
    Initiate {
        /// 0 for the first; n when the upload vanished and starts afresh for the n-th time.
        resend: u32,
    },
    /// Read and upload part `number`. Tag its result with `epoch`.
    UploadPart {
        /// The multipart upload's generation (it changes when an upload starts afresh).
        epoch: u32,
        /// The part number.
        number: PartNumber,
        /// 0 for the first send; n for the n-th resend of corrupted bytes.
        resend: u32,
    },
    /// Stop every part in flight: their results are no longer wanted.
    DropParts,
    /// Complete the multipart upload with these parts.
    Complete {
        /// The upload id.
        upload_id: UploadId,
        /// The parts.
        parts: CompletedParts,
        /// 0 for the first send; n when an ambiguous Complete (its answer lost, the object
        /// not there) is sent for the n-th time more.
        resend: u32,
    },
    /// HEAD the object: a Complete may have taken effect although it failed.
    HeadObject,
    /// DELETE the object: it was stored with the wrong CRC64.
    DeleteObject,
    /// Abort the multipart upload.
    Abort {
        /// The upload id.
        upload_id: UploadId,
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
        upload_id: Option<UploadId>,
    },
    /// Stopped by [`UploadMachine::cancel`]; the multipart upload (if any) was aborted.
    Cancelled {
        /// The aborted upload id.
        upload_id: Option<UploadId>,
    },
    /// The upload failed; the error says why and whether an abort failed.
    Failed {
        /// Why.
        error: UploadError,
        /// Whether the multipart upload is still on COS (kept for a resume, or its abort failed).
        upload_kept: Option<UploadId>,
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
    pub etag: ETag,
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
    pub upload_id: Option<UploadId>,
}

/// One part's place in the machine; `sends` counts its sends in the current generation.
#[derive(Debug, Clone)]
enum Slot {
    Waiting { sends: u32 },
    InFlight { send: u32 },
    ResendPending { send: u32 },
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
    upload_id: Option<UploadId>,
    epoch: u32,
    restarts: u32,
    resumed_parts: u32,
    call_in_flight: bool,
    /// Sends of the single PUT (resends of corrupted bytes included).
    put_sends: u32,
    /// Sends of Complete in this generation.
    complete_sends: u32,
    /// While verifying after a Complete whose answer was lost: its error (the upload may still
    /// be there, and Complete is sent again if the object is not).
    unsure_complete: Option<crate::call_error::CallError>,
    stop: Option<Stop>,
    drop_parts: bool,
    part_mismatch: Option<(PartNumber, u64, u64)>,
    /// A single PUT stored an object with the wrong CRC64 (expected, stored): if the upload
    /// ends without replacing it, it is deleted.
    wrong_object: Option<(u64, u64)>,
}

impl UploadMachine {
    fn base(config: MachineConfig, mode: Mode, layout: Option<Layout>, phase: Phase) -> Self {
        let config = MachineConfig {
            max_in_flight: config.max_in_flight.max(1),
            resend_attempts: config.resend_attempts.max(1),
            ..config
        };
        let total_parts = match layout {
            Some(Layout::Fixed(plan)) => Some(plan.count()),
            _ => None,
        };
        let slots = (0..total_parts.unwrap_or(0))
            .map(|_| Slot::Waiting { sends: 0 })
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
            put_sends: 0,
            complete_sends: 0,
            unsure_complete: None,
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
        upload_id: UploadId,
        trusted: impl IntoIterator<Item = (PartNumber, PartReceipt)>,
        config: MachineConfig,
    ) -> Self {
        let mut machine = Self::base(config, Mode::Multipart, Some(layout), Phase::Uploading);
        machine.upload_id = Some(upload_id);
        if let Layout::Fixed(plan) = layout {
            for (number, receipt) in trusted {
                let planned = plan.part(number.get()).map(|p| p.len);
                let Some(slot) = machine.slots.get_mut(number.index()) else {
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
    pub fn upload_id(&self) -> Option<&UploadId> {
        self.upload_id.as_ref()
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

    /// Parts in flight now (including parts waiting to be sent again).
    pub fn in_flight(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::InFlight { .. } | Slot::ResendPending { .. }))
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
    pub fn done_parts(&self) -> impl Iterator<Item = (PartNumber, &PartReceipt)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Done(r) => PartNumber::from_index(i).ok().map(|n| (n, r)),
            _ => None,
        })
    }

    fn slot(&self, epoch: u32, number: PartNumber) -> Option<&Slot> {
        if epoch != self.epoch {
            return None;
        }
        self.slots.get(number.index())
    }

    /// Part `number`'s receipt, when it is acknowledged in generation `epoch`.
    pub fn part_receipt(&self, epoch: u32, number: PartNumber) -> Option<&PartReceipt> {
        match self.slot(epoch, number)? {
            Slot::Done(r) => Some(r),
            _ => None,
        }
    }

    /// Whether part `number` of generation `epoch` waits to be sent again.
    pub fn is_resend_pending(&self, epoch: u32, number: PartNumber) -> bool {
        matches!(self.slot(epoch, number), Some(Slot::ResendPending { .. }))
    }

    /// The object's CRC64 combined from the acknowledged parts in order.
    pub fn combined_crc64(&self) -> u64 {
        self.done_parts().fold(0, |acc, (_, r)| {
            cos_model::crc64::combine(acc, r.crc64, r.size)
        })
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
                self.call_in_flight = true;
                self.put_sends += 1;
                Action::PutObject {
                    resend: self.put_sends - 1,
                }
            }
            Phase::Initiating => {
                self.call_in_flight = true;
                Action::Initiate {
                    resend: self.restarts,
                }
            }
            Phase::Uploading => self.next_part_action(),
            Phase::Completing => {
                let Some(upload_id) = self.upload_id.clone() else {
                    return self
                        .finish_failed(UploadError::Checkpoint("no upload id to complete".into()));
                };
                let mut parts = CompletedParts::new();
                for (number, r) in self.done_parts() {
                    parts.insert(number, r.etag.clone());
                }
                self.call_in_flight = true;
                self.complete_sends += 1;
                Action::Complete {
                    upload_id,
                    parts,
                    resend: self.complete_sends - 1,
                }
            }
            Phase::Verifying => {
                self.call_in_flight = true;
                Action::HeadObject
            }
            Phase::Deleting { .. } => {
                self.call_in_flight = true;
                Action::DeleteObject
            }
            Phase::Aborting { .. } => {
                let Some(upload_id) = self.upload_id.clone() else {
                    return self.finish_aborted();
                };
                self.call_in_flight = true;
                Action::Abort { upload_id }
            }
            Phase::Finished(_) => Action::Wait,
        }
    }

    fn part_action(&self, index: usize, send: u32) -> Action {
        match PartNumber::from_index(index) {
            Ok(number) => Action::UploadPart {
                epoch: self.epoch,
                number,
                resend: send - 1,
            },
            // slots never exceed MAX_PARTS; a number out of range means nothing is left to send
            Err(_) => Action::Wait,
        }
    }

    fn next_part_action(&mut self) -> Action {
        // Resends first: they already count as in flight.
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| matches!(s, Slot::ResendPending { .. }))
        {
            let Slot::ResendPending { send } = self.slots[i] else {
                return Action::Wait;
            };
            self.slots[i] = Slot::InFlight { send };
            return self.part_action(i, send);
        }
        if self.in_flight() < self.config.max_in_flight {
            if let Some(i) = self
                .slots
                .iter()
                .position(|s| matches!(s, Slot::Waiting { .. }))
            {
                let Slot::Waiting { sends } = self.slots[i] else {
                    return Action::Wait;
                };
                self.slots[i] = Slot::InFlight { send: sends + 1 };
                return self.part_action(i, sends + 1);
            }
            if self.total_parts.is_none()
                && (self.slots.len() as u32) < cos_model::limits::MAX_PARTS
            {
                self.slots.push(Slot::InFlight { send: 1 });
                return self.part_action(self.slots.len() - 1, 1);
            }
        }
        let all_done = self.total_parts.is_some_and(|t| {
            t as usize == self.slots.len() && self.slots.iter().all(|s| matches!(s, Slot::Done(_)))
        });
        if all_done {
            self.phase = Phase::Completing;
            return self.next_action();
        }
        Action::Wait
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
}

#[cfg(test)]
mod tests;
