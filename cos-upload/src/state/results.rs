//! Feeding results back: what each answer (or failure) of PUT, Initiate, Upload Part, Complete,
//! HEAD, DELETE and Abort means for the upload. A failed call is never repeated here for a
//! reason the client could see; only corrupted bytes are sent again, only a vanished upload
//! starts afresh, and only an ambiguous Complete is checked with HEAD.

use cos_model::{PartNumber, UploadId};

use super::{Completion, Mode, Outcome, PartReceipt, PartResult, Phase, Slot, UploadMachine};
use crate::api::Ack;
use crate::call_error::{CallError, CallErrorKind};
use crate::error::{CallKind, SourceError, UploadError};
use crate::state::Layout;

fn call_failed(call: CallKind, part: Option<PartNumber>, error: CallError) -> UploadError {
    UploadError::Call { call, part, error }
}

fn is_corruption(kind: CallErrorKind) -> bool {
    matches!(kind, CallErrorKind::BadDigest | CallErrorKind::Integrity)
}

impl UploadMachine {
    // ---- PUT Object ----------------------------------------------------------------------

    /// The PUT Object answered.
    pub fn on_put_done(&mut self, crc64_sent: u64, ack: Ack) {
        if !matches!(self.phase, Phase::Putting) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        let Mode::Single { len } = self.mode else {
            return;
        };
        match self.check_crc(crc64_sent, ack.crc64) {
            Ok(verified) => {
                self.wrong_object = None;
                self.phase = Phase::Finished(Outcome::Completed(Completion {
                    etag: ack.etag,
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
                if self.put_sends >= self.config.resend_attempts || self.stop.is_some() {
                    self.delete_wrong_object();
                }
                // else: send it again; the next PUT replaces the wrong object
            }
        }
    }

    /// The PUT Object failed (after the client's retries).
    pub fn on_put_failed(&mut self, error: CallError) {
        if !matches!(self.phase, Phase::Putting) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if is_corruption(error.kind()) && self.put_sends < self.config.resend_attempts {
            return;
        }
        if self.delete_wrong_object() {
            return;
        }
        self.phase = Phase::Finished(Outcome::Failed {
            error: call_failed(CallKind::PutObject, None, error),
            upload_kept: None,
        });
    }

    // ---- Initiate ------------------------------------------------------------------------

    /// Initiate answered with an upload id.
    pub fn on_initiated(&mut self, upload_id: UploadId) {
        if !matches!(self.phase, Phase::Initiating) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        self.upload_id = Some(upload_id);
        self.phase = Phase::Uploading;
        self.apply_stop();
    }

    /// Initiate failed.
    pub fn on_initiate_failed(&mut self, error: CallError) {
        if !matches!(self.phase, Phase::Initiating) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if self.stopping() {
            return;
        }
        self.phase = Phase::Finished(Outcome::Failed {
            error: call_failed(CallKind::Initiate, None, error),
            upload_kept: None,
        });
    }

    // ---- Upload Part ---------------------------------------------------------------------

    fn live_part(&self, epoch: u32, number: PartNumber) -> Option<(usize, u32)> {
        if epoch != self.epoch || !matches!(self.phase, Phase::Uploading) {
            return None;
        }
        match self.slots.get(number.index())? {
            Slot::InFlight { send } => Some((number.index(), *send)),
            _ => None,
        }
    }

    /// Part `number` of generation `epoch` was acknowledged.
    pub fn on_part_done(&mut self, epoch: u32, number: PartNumber, result: PartResult) {
        let Some((i, send)) = self.live_part(epoch, number) else {
            return;
        };
        if result.etag.as_unquoted().is_empty() {
            let e = CallError::new(
                CallErrorKind::Failed,
                format!("UploadPart {number} answered without an ETag"),
            );
            self.part_failed_at(i, send, e);
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
                let e = CallError::new(
                    CallErrorKind::Integrity,
                    format!(
                        "part {number}: COS stored CRC64 {stored}, sent {}",
                        result.crc64_sent
                    ),
                );
                self.part_failed_at(i, send, e);
            }
        }
    }

    /// Part `number` of generation `epoch` failed.
    pub fn on_part_failed(&mut self, epoch: u32, number: PartNumber, error: CallError) {
        let Some((i, send)) = self.live_part(epoch, number) else {
            return;
        };
        self.part_failed_at(i, send, error);
    }

    fn part_failed_at(&mut self, i: usize, send: u32, error: CallError) {
        let kind = error.kind();
        if kind == CallErrorKind::NoSuchUpload {
            self.restart_or_fail();
            return;
        }
        if is_corruption(kind) && send < self.config.resend_attempts {
            self.slots[i] = Slot::ResendPending { send: send + 1 };
            return;
        }
        let Ok(number) = PartNumber::from_index(i) else {
            return;
        };
        let e = match (kind, self.part_mismatch) {
            (CallErrorKind::Integrity, Some((n, sent, stored))) if n == number => {
                UploadError::PartCrcMismatch {
                    number,
                    sent,
                    stored,
                }
            }
            _ => call_failed(CallKind::UploadPart, Some(number), error),
        };
        self.slots[i] = Slot::Waiting { sends: send };
        self.release_parts();
        self.fail_and_abort(e);
    }

    /// A stream's part `number` of generation `epoch` turned out to lie past the stream's end
    /// (nothing was read): the stream has `number - 1` parts.
    pub fn on_part_beyond_end(&mut self, epoch: u32, number: PartNumber) {
        if epoch != self.epoch
            || !matches!(self.layout, Some(Layout::Stream(_)))
            || !matches!(self.phase, Phase::Uploading)
            || number.index() > self.slots.len()
        {
            return;
        }
        let total = number.get() - 1;
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

    // ---- Complete ------------------------------------------------------------------------

    /// Complete answered.
    pub fn on_complete_done(&mut self, ack: Ack) {
        if !matches!(self.phase, Phase::Completing) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if ack.etag.as_unquoted().is_empty() {
            // A 200 without an ETag: COS most likely completed it; the object tells.
            self.phase = Phase::Verifying;
            return;
        }
        let expected = self.combined_crc64();
        match self.check_crc(expected, ack.crc64) {
            Ok(verified) => self.finish_completed(ack.etag, expected, verified),
            Err(stored) => self.phase = Phase::Deleting { expected, stored },
        }
    }

    fn finish_completed(&mut self, etag: cos_model::ETag, crc64: u64, verified: bool) {
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

    /// Complete failed (after the client's retries).
    pub fn on_complete_failed(&mut self, error: CallError) {
        if !matches!(self.phase, Phase::Completing) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        match error.kind() {
            CallErrorKind::NoSuchUpload if self.stop.is_some() => {
                // Stopping: the upload is gone either way, and nothing new is sent.
                self.upload_id = None;
                self.apply_stop();
            }
            CallErrorKind::NoSuchUpload
                if error.may_have_taken_effect() || self.complete_sends > 1 =>
            {
                // An earlier send may have completed the upload: look at the object.
                self.phase = Phase::Verifying;
            }
            CallErrorKind::NoSuchUpload => self.restart_or_fail(),
            _ if self.stopping() => {}
            _ if error.may_have_taken_effect() && !error.budget_exhausted() => {
                // The answer was lost (a reset, a timeout): the client cannot send a POST
                // again not knowing, but the object tells whether it took effect.
                self.unsure_complete = Some(error);
                self.phase = Phase::Verifying;
            }
            _ => self.fail_and_abort(call_failed(CallKind::Complete, None, error)),
        }
    }

    /// After an ambiguous Complete, the object is not (or not yet) what was completed: send
    /// Complete again if allowed, else fail with the Complete's error.
    fn complete_again_or_fail(&mut self, error: CallError) {
        if self.stopping() {
            return;
        }
        if self.complete_sends < self.config.resend_attempts {
            self.phase = Phase::Completing;
        } else {
            self.fail_and_abort(call_failed(CallKind::Complete, None, error));
        }
    }

    // ---- HEAD, DELETE, Abort -------------------------------------------------------------

    /// HEAD Object answered (after an ambiguous Complete).
    pub fn on_head_done(&mut self, ack: Ack) {
        if !matches!(self.phase, Phase::Verifying) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        let expected = self.combined_crc64();
        let size_ok = ack.size == Some(self.acknowledged_bytes());
        if size_ok && ack.crc64 == Some(expected) {
            self.unsure_complete = None;
            self.finish_completed(ack.etag, expected, true);
        } else if let Some(error) = self.unsure_complete.take() {
            self.complete_again_or_fail(error);
        } else {
            self.upload_vanished();
        }
    }

    /// HEAD Object failed.
    pub fn on_head_failed(&mut self, error: CallError) {
        if !matches!(self.phase, Phase::Verifying) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        match (error.kind(), self.unsure_complete.take()) {
            (CallErrorKind::NotFound, Some(complete_error)) => {
                self.complete_again_or_fail(complete_error);
            }
            (CallErrorKind::NotFound, None) => self.upload_vanished(),
            // the upload may still be there: abort it (or keep it for a resume)
            (_, Some(_)) => self.fail_and_abort(call_failed(CallKind::HeadObject, None, error)),
            (_, None) => {
                self.upload_id = None;
                self.phase = Phase::Finished(Outcome::Failed {
                    error: call_failed(CallKind::HeadObject, None, error),
                    upload_kept: None,
                });
            }
        }
    }

    /// DELETE Object answered (the wrong object is gone).
    pub fn on_delete_done(&mut self) {
        self.finish_delete(true);
    }

    /// DELETE Object failed.
    pub fn on_delete_failed(&mut self, error: CallError) {
        let deleted = error.kind() == CallErrorKind::NotFound;
        if !deleted {
            tracing::warn!(error = %error, "could not delete the wrongly stored object");
        }
        self.finish_delete(deleted);
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

    /// Abort answered.
    pub fn on_abort_done(&mut self) {
        if !matches!(self.phase, Phase::Aborting { .. }) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        self.finish_aborted();
    }

    /// Abort failed (after the client's retries); `NoSuchUpload` counts as aborted.
    pub fn on_abort_failed(&mut self, error: CallError) {
        if !matches!(self.phase, Phase::Aborting { .. }) || !self.call_in_flight {
            return;
        }
        self.call_in_flight = false;
        if error.kind() == CallErrorKind::NoSuchUpload {
            self.finish_aborted();
            return;
        }
        self.abort_failed(error);
    }
}
