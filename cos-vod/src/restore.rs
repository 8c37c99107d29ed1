//! Reading a list back from its state file before its task starts: each saved file's source
//! is checked against the fingerprint it had when added (a changed or vanished file comes
//! back failed, typed), and the core is rebuilt with the same ids, order and states.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::core::{CoreConfig, Effect, ListCore, NewFile, RestoredFile};
use crate::error::{StateFileError, VodError};
use crate::id::FileId;
use crate::saved::{SavedList, SavedTarget};
use crate::source::{Fingerprint, check_unchanged};
use crate::state::{FileState, Interrupted};
use crate::state_file::StateFile;

/// What the task of a restored list starts from.
pub(crate) struct Restored {
    /// The list, `Idle`, with its files back.
    pub core: ListCore,
    /// One `Restored` event per file, in order.
    pub effects: Vec<Effect>,
    /// What the task keeps about each file besides the core's row.
    pub files: Vec<RestoredSpec>,
    /// The state directory's lock, held by the list's writer.
    pub lock: std::fs::File,
}

/// A restored file's source, options and last target.
pub(crate) struct RestoredSpec {
    pub id: FileId,
    pub name: String,
    pub size: u64,
    pub path: PathBuf,
    pub modified: Option<SystemTime>,
    pub fingerprint: Fingerprint,
    pub key: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub target: Option<SavedTarget>,
}

/// Locks the state directory, reads the list saved in `file` (an empty list when there is
/// none yet) and rebuilds it.
pub(crate) async fn restore(
    file: &StateFile,
    config: CoreConfig,
    interrupted: Interrupted,
) -> Result<Restored, VodError> {
    let state_error = |source| VodError::StateFile {
        path: file.path(),
        source,
    };
    let reader = file.clone();
    let (lock, saved) = tokio::task::spawn_blocking(move || {
        let lock = reader.claim()?;
        Ok((lock, reader.read()?))
    })
    .await
    .map_err(|e| state_error(std::io::Error::other(e.to_string()).into()))?
    .map_err(state_error)?;
    let saved = saved.unwrap_or_else(|| SavedList::new(1, Vec::new()));
    let mut files = Vec::with_capacity(saved.files.len());
    let mut specs = Vec::with_capacity(saved.files.len());
    for f in saved.files {
        let fingerprint = f.fingerprint();
        let source_lost = match f.state {
            // A stored file does not need its source any more.
            FileState::Success => None,
            _ => check_unchanged(f.path(), f.key.as_deref(), &fingerprint)
                .await
                .err(),
        };
        if let Some(lost) = &source_lost {
            tracing::warn!(file = %f.id, code = %lost.code, "a restored file's source changed");
        }
        specs.push(RestoredSpec {
            id: f.id,
            name: f.name.clone(),
            size: f.size,
            path: f.path().to_owned(),
            modified: f.modified(),
            fingerprint: fingerprint.clone(),
            key: f.key.clone(),
            metadata: f.metadata,
            target: f.target,
        });
        files.push(RestoredFile {
            id: f.id,
            file: NewFile {
                name: f.name,
                size: f.size,
                key: f.key,
                user_data: f.user_data,
                fingerprint,
            },
            state: f.state,
            bytes_done: f.bytes_done,
            result: f.result,
            error: f.error,
            source_lost,
        });
    }
    let (core, effects) = ListCore::restore(config, saved.next_id, files, interrupted)
        .map_err(|e| state_error(StateFileError::Inconsistent(e.to_string())))?;
    tracing::info!(files = core.len(), path = %file.path().display(), "restored the upload list");
    Ok(Restored {
        core,
        effects,
        files: specs,
        lock,
    })
}
