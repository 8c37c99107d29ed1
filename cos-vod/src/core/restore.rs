//! Bringing the list back after a restart: the files the state file kept, with their ids,
//! order and states, each through the table's `Restore` transition (and `SourceLost` when
//! its source changed or vanished), announced with one `Restored` event per file.

use super::entry::{Entry, Meter};
use super::{CoreConfig, Effect, ListCore, NewFile};
use crate::error::VodError;
use crate::event::{UploadResult, VodEvent};
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::state::{FileState, Interrupted};
use crate::transition::FileOp;

/// A file as the state file kept it, for [`ListCore::restore`].
#[derive(Debug, Clone, PartialEq)]
pub struct RestoredFile {
    /// Its id before the restart (kept).
    pub id: FileId,
    /// What was known when it was added (its fingerprint as it was then).
    pub file: NewFile,
    /// Its state when the list was last saved.
    pub state: FileState,
    /// Bytes acknowledged when the list was last saved.
    pub bytes_done: u64,
    /// What the upload produced, for a file in `Success`.
    pub result: Option<UploadResult>,
    /// Why it failed, for a file in `Failure`.
    pub error: Option<FailureInfo>,
    /// Set when the source changed or vanished since the file was added: unless stored, the
    /// file comes back in `Failure` with this error.
    pub source_lost: Option<FailureInfo>,
}

/// Why a saved list cannot be brought back as it is (a damaged or hand-edited state file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InconsistentList(String);

impl ListCore {
    /// The id the next file added will get (ids are never reused, across restarts too).
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// A list brought back after a restart: `files` in their saved order with their saved
    /// ids, the list `Idle`. A file that was uploading comes back as `interrupted` says; a
    /// file whose source was lost fails (unless it was stored). The effects are one
    /// `Restored` event per file, in order; nothing is uploaded until `start_upload`.
    pub fn restore(
        config: CoreConfig,
        next_id: u64,
        files: Vec<RestoredFile>,
        interrupted: Interrupted,
    ) -> Result<(Self, Vec<Effect>), InconsistentList> {
        let mut core = ListCore::new(config);
        let mut fx = Vec::with_capacity(files.len());
        for saved in files {
            core.check_restorable(&saved)?;
            let was_uploading = saved.state == FileState::Uploading;
            let size = saved.file.size;
            core.files.push(Entry {
                id: saved.id,
                name: saved.file.name,
                size,
                // As before the restart: the key used, once stored.
                key: match (&saved.result, saved.state) {
                    (Some(r), FileState::Success) => Some(r.key.clone()),
                    _ => saved.file.key,
                },
                user_data: saved.file.user_data,
                fingerprint: saved.file.fingerprint,
                state: saved.state,
                bytes_done: if saved.state == FileState::Success {
                    size
                } else {
                    saved.bytes_done.min(size)
                },
                result: saved.result.filter(|_| saved.state == FileState::Success),
                error: saved.error.filter(|_| saved.state == FileState::Failure),
                generation: 0,
                has_grant: false,
                continuation: false,
                meter: Meter::default(),
            });
            let pos = core.files.len() - 1;
            let refused = |e: VodError| InconsistentList(format!("file {}: {e}", saved.id));
            core.apply(pos, FileOp::Restore).map_err(refused)?;
            if was_uploading && interrupted == Interrupted::Ready {
                core.apply(pos, FileOp::Resume).map_err(refused)?;
            }
            if let Some(lost) = saved.source_lost {
                core.apply_because(pos, FileOp::SourceLost, Some(&lost.code))
                    .map_err(refused)?;
                let e = &mut core.files[pos];
                if e.state == FileState::Failure {
                    e.error = Some(lost);
                }
            }
            let e = &core.files[pos];
            fx.push(Effect::Emit(VodEvent::Restored {
                file: core.file_ref(pos),
                size: e.size,
                state: e.state,
                bytes_done: e.bytes_done,
                error: e.error.clone(),
            }));
        }
        let after_last = core.files.last().map_or(1, |e| e.id.as_u64() + 1);
        core.next_id = next_id.max(after_last);
        Ok((core, fx))
    }

    /// What the rest of the core relies on: ids unique and ascending in list order (so
    /// never reused), one entry per fingerprint, a stored file with its result, a failed
    /// one with its error.
    fn check_restorable(&self, saved: &RestoredFile) -> Result<(), InconsistentList> {
        let id = saved.id;
        let fail = |what: &str| Err(InconsistentList(format!("file {id}: {what}")));
        if id.as_u64() == 0 {
            return fail("id 0 is never issued");
        }
        if self.files.last().is_some_and(|last| last.id >= id) {
            return fail("ids must be unique and ascending in list order");
        }
        if let Some(other) = self
            .files
            .iter()
            .find(|e| e.fingerprint == saved.file.fingerprint)
        {
            return fail(&format!("the same file as {}", other.id));
        }
        match saved.state {
            FileState::Success if saved.result.is_none() => fail("stored without a result"),
            FileState::Failure if saved.error.is_none() => fail("failed without an error"),
            _ => Ok(()),
        }
    }
}
