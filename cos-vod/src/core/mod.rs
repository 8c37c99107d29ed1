//! The sans-IO core of the upload list: the files, their states, scheduling and the event
//! rules, as a deterministic state machine. Commands and upload outcomes go in; effects
//! (events to emit, uploads to begin or halt) come out. No IO, no clock (time is passed
//! in), no async: the async layer drives it, and proptest drives it directly.
//!
//! Every state change asks [`crate::transition`] first.

mod entry;

use entry::{Entry, Meter};

use crate::error::VodError;
use crate::event::{CancelReason, FileRef, ListCounts, UploadResult, VodEvent};
use crate::failure::FailureInfo;
use crate::id::{FileId, Target};
use crate::snapshot::FileSnapshot;
use crate::source::Fingerprint;
use crate::state::{FileState, ListState};
use crate::transition::{FileNext, FileOp, ListOp, file_next, list_next};

/// The core's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreConfig {
    /// How many files upload at once (at least 1; the familiar SDK uploads one at a time).
    pub max_concurrent_files: usize,
    /// Whether `start_upload` puts failed files back in the queue (the familiar SDK does).
    pub retry_failed_on_start: bool,
    /// Whether an app-supplied provider gives credentials (then `UploadStarted` never
    /// asks for them).
    pub pull_credentials: bool,
    /// The minimum time between two progress events of one file, in milliseconds.
    pub progress_interval_ms: u64,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            max_concurrent_files: 1,
            retry_failed_on_start: true,
            pull_credentials: false,
            progress_interval_ms: 200,
        }
    }
}

/// A file to add, already described (see [`crate::FileSource::describe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// The display name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The object key given with the file.
    pub key: Option<String>,
    /// Opaque user data.
    pub user_data: Option<String>,
    /// The identity for duplicates and checkpoints.
    pub fingerprint: Fingerprint,
}

/// How an active upload is to be stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HaltMode {
    /// Stop and keep (flush) the checkpoint: `pause_file`, `stop_upload`, `clean_list`.
    Pause,
    /// Stop and keep the checkpoint: `cancel_file`.
    Cancel,
    /// Stop, abort the multipart upload on the server and drop the checkpoint: `delete_file`.
    Abort,
}

/// What the driver must do after a step of the core, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Deliver this event (the state change it reports is already committed).
    Emit(VodEvent),
    /// Begin (or continue, from its checkpoint) uploading this file.
    Begin {
        /// The file.
        file: FileId,
        /// The attempt's number; outcomes must quote it.
        generation: u64,
    },
    /// Stop this file's active upload.
    Halt {
        /// The file.
        file: FileId,
        /// The attempt to stop.
        generation: u64,
        /// How.
        mode: HaltMode,
    },
    /// The file (not uploading) is being deleted: abort any multipart upload it left on
    /// the server and drop its checkpoint.
    Discard {
        /// The file.
        file: FileId,
    },
    /// The file left the list: forget anything kept about it.
    Forget {
        /// The file.
        file: FileId,
    },
}

/// How an upload attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored and verified.
    Succeeded(UploadResult),
    /// Failed after retries.
    Failed(FailureInfo),
    /// The credentials expired and could not be refreshed.
    TokenExpired,
}

/// The upload list as a state machine.
#[derive(Debug, Clone)]
pub struct ListCore {
    config: CoreConfig,
    files: Vec<Entry>,
    state: ListState,
    next_id: u64,
}

impl ListCore {
    /// An empty, idle list.
    pub fn new(config: CoreConfig) -> Self {
        let config = CoreConfig {
            max_concurrent_files: config.max_concurrent_files.max(1),
            ..config
        };
        Self {
            config,
            files: Vec::new(),
            state: ListState::Idle,
            next_id: 1,
        }
    }

    /// The settings.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// The list's state.
    pub fn state(&self) -> ListState {
        self.state
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the list has no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Snapshots of every file, in list order.
    pub fn snapshots(&self) -> Vec<FileSnapshot> {
        (0..self.files.len()).map(|i| self.snapshot_at(i)).collect()
    }

    /// The snapshot of one file.
    pub fn snapshot(&self, target: Target) -> Result<FileSnapshot, VodError> {
        Ok(self.snapshot_at(self.position(target)?))
    }

    /// The id of the file a target names now.
    pub fn resolve(&self, target: Target) -> Result<FileId, VodError> {
        Ok(self.files[self.position(target)?].id)
    }

    /// The fingerprint of a file.
    pub fn fingerprint(&self, id: FileId) -> Option<&Fingerprint> {
        self.find(id).map(|p| &self.files[p].fingerprint)
    }

    /// The current attempt number of a file.
    pub fn generation(&self, id: FileId) -> Option<u64> {
        self.find(id).map(|p| self.files[p].generation)
    }

    /// The list's counts now.
    pub fn counts(&self) -> ListCounts {
        let mut c = ListCounts {
            total: self.files.len(),
            ..ListCounts::default()
        };
        for e in &self.files {
            match e.state {
                FileState::Success => c.succeeded += 1,
                FileState::Failure => c.failed += 1,
                FileState::Canceled => c.canceled += 1,
                FileState::Paused => c.paused += 1,
                FileState::AwaitingAuth => c.awaiting_auth += 1,
                FileState::Ready | FileState::Uploading => {}
            }
        }
        c
    }

    // ----- commands -----

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
    /// empties the list. Unfinished files get their terminal `Canceled` event.
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
            if !e.state.is_terminal() {
                fx.push(Effect::Emit(VodEvent::Canceled {
                    file: self.file_ref(pos),
                    reason: CancelReason::Removed,
                }));
            }
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

    // ----- upload outcomes -----

    /// Bytes acknowledged for an attempt; `now_ms` is any monotonic clock in milliseconds.
    /// Outcomes of other attempts are ignored.
    pub fn on_progress(
        &mut self,
        id: FileId,
        generation: u64,
        bytes_done: u64,
        now_ms: u64,
    ) -> Vec<Effect> {
        let Some(pos) = self.live_attempt(id, generation) else {
            return Vec::new();
        };
        let interval = self.config.progress_interval_ms;
        let e = &mut self.files[pos];
        e.bytes_done = bytes_done.min(e.size);
        let (done, total) = (e.bytes_done, e.size);
        match e.meter.observe(done, total, now_ms, interval) {
            Some(speed) => vec![Effect::Emit(VodEvent::Progress {
                file: self.file_ref(pos),
                bytes_done: done,
                bytes_total: total,
                speed,
            })],
            None => Vec::new(),
        }
    }

    /// An attempt ended. Outcomes of other attempts (already halted) are ignored.
    pub fn on_outcome(&mut self, id: FileId, generation: u64, outcome: Outcome) -> Vec<Effect> {
        let Some(pos) = self.live_attempt(id, generation) else {
            return Vec::new();
        };
        let op = match &outcome {
            Outcome::Succeeded(_) => FileOp::Succeed,
            Outcome::Failed(_) => FileOp::Fail,
            Outcome::TokenExpired => FileOp::Expire,
        };
        if self.apply(pos, op).is_err() {
            return Vec::new();
        }
        let file = self.file_ref(pos);
        let e = &mut self.files[pos];
        let event = match outcome {
            Outcome::Succeeded(result) => {
                e.bytes_done = e.size;
                e.error = None;
                e.key = Some(result.key.clone());
                e.result = Some(result.clone());
                VodEvent::Succeeded { file, result }
            }
            Outcome::Failed(error) => {
                e.error = Some(error.clone());
                VodEvent::Failed { file, error }
            }
            Outcome::TokenExpired => {
                e.has_grant = false;
                VodEvent::TokenExpired { file }
            }
        };
        let mut fx = vec![Effect::Emit(event)];
        self.settle(&mut fx);
        fx
    }

    // ----- internals -----

    fn position(&self, target: Target) -> Result<usize, VodError> {
        match target {
            Target::Id(id) => self.find(id).ok_or(VodError::UnknownFile(id)),
            Target::Index(index) if index < self.files.len() => Ok(index),
            Target::Index(index) => Err(VodError::IndexOutOfRange {
                index,
                len: self.files.len(),
            }),
        }
    }

    fn find(&self, id: FileId) -> Option<usize> {
        self.files.iter().position(|e| e.id == id)
    }

    fn live_attempt(&self, id: FileId, generation: u64) -> Option<usize> {
        let pos = self.find(id)?;
        let e = &self.files[pos];
        (e.generation == generation && e.state == FileState::Uploading).then_some(pos)
    }

    fn only_awaiting(&self) -> Result<usize, VodError> {
        let waiting: Vec<usize> = (0..self.files.len())
            .filter(|&p| self.files[p].state == FileState::AwaitingAuth)
            .collect();
        match waiting.as_slice() {
            [] => Err(VodError::NoFileAwaitingAuth),
            [one] => Ok(*one),
            many => Err(VodError::AmbiguousTarget {
                candidates: many.iter().map(|&p| self.files[p].id).collect(),
            }),
        }
    }

    fn file_ref(&self, pos: usize) -> FileRef {
        let e = &self.files[pos];
        FileRef {
            id: e.id,
            index: pos,
            name: e.name.clone(),
        }
    }

    fn snapshot_at(&self, pos: usize) -> FileSnapshot {
        let e = &self.files[pos];
        FileSnapshot {
            id: e.id,
            index: pos,
            name: e.name.clone(),
            size: e.size,
            state: e.state,
            bytes_done: e.bytes_done,
            key: e.key.clone(),
            user_data: e.user_data.clone(),
            result: e.result.clone(),
            error: e.error.clone(),
        }
    }

    fn check(&self, pos: usize, op: FileOp) -> Result<FileNext, VodError> {
        let e = &self.files[pos];
        file_next(e.state, op).ok_or(VodError::InvalidState {
            file: e.id,
            state: e.state,
            op,
        })
    }

    /// Applies a file transition from the table (the only place file states change).
    fn apply(&mut self, pos: usize, op: FileOp) -> Result<(), VodError> {
        if let FileNext::To(next) = self.check(pos, op)? {
            let e = &mut self.files[pos];
            if next != FileState::Uploading {
                // Set again by `resume_with_auth` right after this transition.
                e.continuation = false;
            }
            if next != FileState::Failure {
                e.error = None;
            }
            e.state = next;
        }
        Ok(())
    }

    /// Applies a list transition from the table (the only place the list state changes).
    fn apply_list(&mut self, op: ListOp) -> Result<(), VodError> {
        self.state = list_next(self.state, op).ok_or(VodError::InvalidListState {
            state: self.state,
            op,
        })?;
        Ok(())
    }

    /// Moves a file out of `Ready`/`Uploading`/... by `op`, halting its upload if active.
    fn halt_to(
        &mut self,
        pos: usize,
        op: FileOp,
        mode: HaltMode,
        fx: &mut Vec<Effect>,
    ) -> Result<(), VodError> {
        let was = self.files[pos].state;
        self.apply(pos, op)?;
        if was == FileState::Uploading {
            let e = &self.files[pos];
            fx.push(Effect::Halt {
                file: e.id,
                generation: e.generation,
                mode,
            });
        }
        Ok(())
    }

    /// Schedules Ready files into free slots while running, and announces a drained run.
    fn settle(&mut self, fx: &mut Vec<Effect>) {
        if self.state == ListState::Running {
            let mut active = self
                .files
                .iter()
                .filter(|e| e.state == FileState::Uploading)
                .count();
            for pos in 0..self.files.len() {
                if active >= self.config.max_concurrent_files {
                    break;
                }
                if self.files[pos].state != FileState::Ready {
                    continue;
                }
                let continuation = self.files[pos].continuation;
                if self.apply(pos, FileOp::Schedule).is_err() {
                    continue;
                }
                active += 1;
                let pull = self.config.pull_credentials;
                let e = &mut self.files[pos];
                e.generation += 1;
                e.continuation = false;
                e.meter.reset();
                let (id, generation, needs_auth) = (e.id, e.generation, !pull && !e.has_grant);
                if !continuation {
                    fx.push(Effect::Emit(VodEvent::UploadStarted {
                        file: self.file_ref(pos),
                        needs_auth,
                    }));
                }
                fx.push(Effect::Begin {
                    file: id,
                    generation,
                });
            }
            let busy = self
                .files
                .iter()
                .any(|e| matches!(e.state, FileState::Ready | FileState::Uploading));
            if !busy {
                let awaiting_auth = self
                    .files
                    .iter()
                    .any(|e| e.state == FileState::AwaitingAuth);
                if self.apply_list(ListOp::Drain { awaiting_auth }).is_ok() {
                    fx.push(Effect::Emit(VodEvent::ListEnded {
                        counts: self.counts(),
                    }));
                }
            }
        }
        if self.state == ListState::AwaitingAuth
            && !self
                .files
                .iter()
                .any(|e| e.state == FileState::AwaitingAuth)
        {
            // Cannot fail: Settle is allowed from AwaitingAuth.
            let _ = self.apply_list(ListOp::Settle);
        }
    }
}

#[cfg(test)]
mod tests;
