//! How the core changes state: every file and list transition goes through the table in
//! [`crate::transition`], and the scheduler fills free slots with `Ready` files and
//! announces a drained run.

use super::{Effect, HaltMode, ListCore};
use crate::error::VodError;
use crate::event::VodEvent;
use crate::state::{FileState, ListState};
use crate::transition::{FileNext, FileOp, ListOp, file_next, list_next};

impl ListCore {
    pub(super) fn check(&self, pos: usize, op: FileOp) -> Result<FileNext, VodError> {
        let e = &self.files[pos];
        file_next(e.state, op).ok_or(VodError::InvalidState {
            file: e.id,
            state: e.state,
            op,
        })
    }

    /// Applies a file transition from the table (the only place file states change).
    pub(super) fn apply(&mut self, pos: usize, op: FileOp) -> Result<(), VodError> {
        self.apply_because(pos, op, None)
    }

    /// [`apply`](Self::apply), logging `code` (a failure's code) with the change.
    pub(super) fn apply_because(
        &mut self,
        pos: usize,
        op: FileOp,
        code: Option<&str>,
    ) -> Result<(), VodError> {
        if let FileNext::To(next) = self.check(pos, op)? {
            let from = self.files[pos].state;
            if next != from {
                self.log_change(pos, from.as_str(), next.as_str(), op.as_str(), code);
            }
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

    /// One info line per change of a file's state (entering the list and leaving it
    /// included): its id, name, from → to, the verb or event that moved it, and a failure's
    /// code. Nothing else of the file is logged (never its credentials).
    pub(super) fn log_change(
        &self,
        pos: usize,
        from: &str,
        to: &str,
        op: &str,
        code: Option<&str>,
    ) {
        let e = &self.files[pos];
        tracing::info!(
            file = %e.id,
            name = %e.name,
            op,
            code,
            "file {from} → {to}"
        );
    }

    /// Applies a list transition from the table (the only place the list state changes).
    pub(super) fn apply_list(&mut self, op: ListOp) -> Result<(), VodError> {
        self.state = list_next(self.state, op).ok_or(VodError::InvalidListState {
            state: self.state,
            op,
        })?;
        Ok(())
    }

    /// Moves a file out of `Ready`/`Uploading`/... by `op`, halting its upload if active.
    pub(super) fn halt_to(
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
    pub(super) fn settle(&mut self, fx: &mut Vec<Effect>) {
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
