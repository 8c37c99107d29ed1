//! How an upload stops early: pause (keep the upload), cancel (abort it), a failure (abort it,
//! or keep it for a resume when a checkpoint can be kept), an upload that vanished (start
//! afresh once) and a wrongly stored object (delete it).

use super::{AbortThen, Action, Layout, Mode, Outcome, Phase, Slot, Stop, UploadMachine};
use crate::error::UploadError;

impl UploadMachine {
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

    pub(super) fn release_parts(&mut self) {
        let mut any = false;
        for slot in &mut self.slots {
            match slot {
                Slot::InFlight { send } | Slot::ResendPending { send } => {
                    *slot = Slot::Waiting { sends: *send - 1 };
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

    /// Whether a pause or cancel was asked for; if so, it takes effect now.
    pub(super) fn stopping(&mut self) -> bool {
        if self.stop.is_none() {
            return false;
        }
        self.apply_stop();
        true
    }

    pub(super) fn apply_stop(&mut self) {
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

    /// Ends the upload with `error`: a multipart upload is kept for a resume when that is
    /// configured and a COS call failed, and aborted otherwise.
    pub(super) fn fail_and_abort(&mut self, error: UploadError) {
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
    }

    pub(super) fn finish_failed(&mut self, error: UploadError) -> Action {
        self.phase = Phase::Finished(Outcome::Failed {
            error,
            upload_kept: None,
        });
        self.next_action()
    }

    pub(super) fn finish_aborted(&mut self) -> Action {
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

    /// The abort failed for good: the upload stays on COS, and the error names it.
    pub(super) fn abort_failed(&mut self, abort_error: crate::CallError) {
        let Phase::Aborting { then } = std::mem::replace(&mut self.phase, Phase::Uploading) else {
            return;
        };
        let Some(upload_id) = self.upload_id.clone() else {
            return;
        };
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
                abort_error,
            },
            upload_kept: Some(upload_id),
        });
    }

    /// The multipart upload is gone: stop if asked to, else start afresh.
    pub(super) fn upload_vanished(&mut self) {
        if self.stop.is_some() {
            self.upload_id = None;
            self.apply_stop();
        } else {
            self.restart_or_fail();
        }
    }

    /// Starts afresh after `NoSuchUpload`, if allowed; otherwise fails.
    pub(super) fn restart_or_fail(&mut self) {
        let restartable = matches!(self.layout, Some(Layout::Fixed(_)))
            && self.restarts < self.config.max_restarts;
        self.release_parts();
        self.call_in_flight = false;
        let vanished = self.upload_id.take();
        if !restartable {
            self.phase = Phase::Finished(Outcome::Failed {
                error: UploadError::UploadVanished {
                    upload_id: vanished,
                },
                upload_kept: None,
            });
            return;
        }
        self.restarts += 1;
        self.epoch += 1;
        self.resumed_parts = 0;
        self.complete_sends = 0;
        self.unsure_complete = None;
        for slot in &mut self.slots {
            *slot = Slot::Waiting { sends: 0 };
        }
        self.phase = Phase::Initiating;
    }

    /// Deletes the object a PUT stored with the wrong CRC64; returns false when there is none.
    pub(super) fn delete_wrong_object(&mut self) -> bool {
        let Some((expected, stored)) = self.wrong_object.take() else {
            return false;
        };
        self.call_in_flight = false;
        self.phase = Phase::Deleting { expected, stored };
        true
    }
}
