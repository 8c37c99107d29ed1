//! The list's verbs as the core applies them: add, delete, cancel, pause, resume, start,
//! stop, clean, and credentials pushed or resumed with. Each returns the effects the driver
//! must carry out, in order.

use super::entry::{Entry, Meter};
use super::{Effect, HaltMode, ListCore, NewFile};
use crate::error::VodError;
use crate::event::{CancelReason, VodEvent};
use crate::failure::FailureKind;
use crate::id::{FileId, Target};
use crate::state::FileState;
use crate::transition::{FileOp, ListOp};

impl ListCore {
    /// `add_file`: appends a file in `Ready`; it joins the run if the list is running.
    pub fn add(&mut self, new: NewFile) -> Result<(FileId, Vec<Effect>), VodError> {
        if let Some(existing) = self.files.iter().find(|e| e.fingerprint == new.fingerprint) {
            return Err(VodError::Duplicate {
                existing: existing.id,
            });
        }
        let id = FileId::from_raw(self.next_id);
        self.next_id += 1;
        self.files.push(Entry {
            id,
            name: new.name,
            size: new.size,
            key: new.key,
            user_data: new.user_data,
            fingerprint: new.fingerprint,
            state: FileState::Ready,
            bytes_done: 0,
            result: None,
            error: None,
            generation: 0,
            has_grant: false,
            continuation: false,
            meter: Meter::default(),
        });
        let pos = self.files.len() - 1;
        self.log_change(pos, "(new)", FileState::Ready.as_str(), "add_file", None);
        let mut fx = vec![Effect::Emit(VodEvent::FileAdded {
            file: self.file_ref(pos),
            size: self.files[pos].size,
        })];
        self.settle(&mut fx);
        Ok((id, fx))
    }

    /// `delete_file`: stops the file (aborting its multipart upload), drops its checkpoint
    /// and removes it. An unfinished file gets its terminal `Canceled` event.
    pub fn delete(&mut self, target: Target) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = self.position(target)?;
        self.check(pos, FileOp::Delete)?;
        let e = &self.files[pos];
        let id = e.id;
        let mut fx = Vec::new();
        if e.state == FileState::Uploading {
            fx.push(Effect::Halt {
                file: id,
                generation: e.generation,
                mode: HaltMode::Abort,
            });
        } else {
            fx.push(Effect::Discard { file: id });
        }
        if !e.state.is_terminal() {
            fx.push(Effect::Emit(VodEvent::Canceled {
                file: self.file_ref(pos),
                reason: CancelReason::Removed,
            }));
        }
        self.log_change(pos, e.state.as_str(), "(removed)", "delete_file", None);
        self.files.remove(pos);
        fx.push(Effect::Forget { file: id });
        self.settle(&mut fx);
        Ok((id, fx))
    }

    /// `cancel_file`: stops the file, keeps its checkpoint, state `Canceled`.
    pub fn cancel(&mut self, target: Target) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = self.position(target)?;
        let mut fx = Vec::new();
        self.halt_to(pos, FileOp::Cancel, HaltMode::Cancel, &mut fx)?;
        fx.push(Effect::Emit(VodEvent::Canceled {
            file: self.file_ref(pos),
            reason: CancelReason::Canceled,
        }));
        self.settle(&mut fx);
        Ok((self.files[pos].id, fx))
    }

    /// `pause_file`: stops the file, flushes its checkpoint, state `Paused`.
    pub fn pause(&mut self, target: Target) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = self.position(target)?;
        let mut fx = Vec::new();
        self.halt_to(pos, FileOp::Pause, HaltMode::Pause, &mut fx)?;
        fx.push(Effect::Emit(VodEvent::Paused {
            file: self.file_ref(pos),
        }));
        self.settle(&mut fx);
        Ok((self.files[pos].id, fx))
    }

    /// `resume_file`: `Canceled`/`Paused`/`Failure` → `Ready`, scheduled if the list runs.
    pub fn resume(&mut self, target: Target) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = self.position(target)?;
        self.apply(pos, FileOp::Resume)?;
        let mut fx = Vec::new();
        self.settle(&mut fx);
        Ok((self.files[pos].id, fx))
    }

    /// `start_upload`: starts a run; paused (and, if configured, failed) files are queued again.
    pub fn start(&mut self) -> Result<Vec<Effect>, VodError> {
        self.apply_list(ListOp::Start)?;
        for pos in 0..self.files.len() {
            let restart = match self.files[pos].state {
                FileState::Paused => true,
                FileState::Failure => self.config.retry_failed_on_start,
                _ => false,
            };
            if restart {
                self.apply(pos, FileOp::Restart)?;
            }
        }
        let mut fx = Vec::new();
        self.settle(&mut fx);
        Ok(fx)
    }

    /// `stop_upload`: every uploading file is paused (checkpoints flushed); the list is
    /// `Stopped` until `start_upload`.
    pub fn stop(&mut self) -> Result<Vec<Effect>, VodError> {
        self.apply_list(ListOp::Stop)?;
        let mut fx = Vec::new();
        for pos in 0..self.files.len() {
            if self.files[pos].state == FileState::Uploading {
                self.halt_to(pos, FileOp::Pause, HaltMode::Pause, &mut fx)?;
                fx.push(Effect::Emit(VodEvent::Paused {
                    file: self.file_ref(pos),
                }));
            }
        }
        self.settle(&mut fx);
        Ok(fx)
    }

    /// `clean_list`: stops every active file (checkpoints kept, so re-adding resumes) and
    /// empties the list. Unfinished files get their terminal `Canceled` event. A file that
    /// failed because its source changed can never be resumed: what it left on the server
    /// is discarded.
    pub fn clean(&mut self) -> Result<Vec<Effect>, VodError> {
        let mut fx = Vec::new();
        for pos in 0..self.files.len() {
            self.check(pos, FileOp::Delete)?;
            let e = &self.files[pos];
            if e.state == FileState::Uploading {
                fx.push(Effect::Halt {
                    file: e.id,
                    generation: e.generation,
                    mode: HaltMode::Pause,
                });
            }
            let source_lost = e
                .error
                .as_ref()
                .is_some_and(|f| f.kind == FailureKind::SourceChanged);
            if e.state == FileState::Failure && source_lost {
                fx.push(Effect::Discard { file: e.id });
            }
            if !e.state.is_terminal() {
                fx.push(Effect::Emit(VodEvent::Canceled {
                    file: self.file_ref(pos),
                    reason: CancelReason::Removed,
                }));
            }
            self.log_change(pos, e.state.as_str(), "(removed)", "clean_list", None);
        }
        for e in self.files.drain(..) {
            fx.push(Effect::Forget { file: e.id });
        }
        self.settle(&mut fx);
        Ok(fx)
    }

    /// Credentials were pushed for a file (`set_upload_auth_and_address`, `set_sts_token`):
    /// kept for its next attempt, or, if it awaits credentials, it continues.
    pub fn set_auth(&mut self, target: Target) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = self.position(target)?;
        if self.files[pos].state == FileState::AwaitingAuth {
            return self.resume_with_auth(Some(target));
        }
        self.apply(pos, FileOp::SetAuth)?;
        self.files[pos].has_grant = true;
        Ok((self.files[pos].id, Vec::new()))
    }

    /// `resume_upload_with_auth` / `resume_upload_with_sts_token`: a file awaiting
    /// credentials continues from its checkpoint (no second `UploadStarted`). With no
    /// target, the only file awaiting credentials is meant.
    pub fn resume_with_auth(
        &mut self,
        target: Option<Target>,
    ) -> Result<(FileId, Vec<Effect>), VodError> {
        let pos = match target {
            Some(t) => self.position(t)?,
            None => self.only_awaiting()?,
        };
        self.apply(pos, FileOp::ResumeWithAuth)?;
        let e = &mut self.files[pos];
        e.has_grant = true;
        e.continuation = true;
        let id = e.id;
        self.apply_list(ListOp::Wake)?;
        let mut fx = Vec::new();
        self.settle(&mut fx);
        Ok((id, fx))
    }
}
