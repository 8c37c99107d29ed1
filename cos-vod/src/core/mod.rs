//! The sans-IO core of the upload list: the files, their states, scheduling and the event
//! rules, as a deterministic state machine. Commands and upload outcomes go in; effects
//! (events to emit, uploads to begin or halt) come out. No IO, no clock (time is passed
//! in), no async: the async layer drives it, and proptest drives it directly.
//!
//! Every state change asks [`crate::transition`] first.
//!
//! This file holds the list and what can be read from it; the verbs are in `verbs.rs`, the
//! upload attempts' reports in `outcomes.rs`, the transitions and the scheduler in
//! `rules.rs`, bringing a list back after a restart in `restore.rs`, and the vocabulary
//! shared with the driver in `effect.rs`.

mod effect;
mod entry;
mod outcomes;
mod restore;
mod rules;
mod verbs;

pub use effect::{Effect, EngineProgress, HaltMode, Outcome};
use entry::Entry;
pub use restore::{InconsistentList, RestoredFile};

use crate::error::VodError;
use crate::event::{FileRef, ListCounts};
use crate::id::{FileId, Target};
use crate::snapshot::FileSnapshot;
use crate::source::Fingerprint;
use crate::state::{FileState, ListState};

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

    // ----- lookups, for the verbs, the outcomes and the rules -----

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
}

#[cfg(test)]
mod tests;
