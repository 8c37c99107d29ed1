//! `VodError`: why a list command was refused; `StateFileError`: why the list's state file
//! could not be read or written.

use std::path::PathBuf;

use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::state::{FileState, ListState};
use crate::transition::{FileOp, ListOp};

/// Why a command on the upload list was refused. Never carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VodError {
    /// No file with this id is in the list (never added, deleted or cleaned).
    #[error("no file {0} in the list")]
    UnknownFile(FileId),
    /// The index is not a position in `list_files()` at the time of the call.
    #[error("index {index} is out of range (the list has {len} files)")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// The list's length when the command was applied.
        len: usize,
    },
    /// The transition table forbids this verb in the file's state.
    #[error("{op} is not allowed for file {file} in state {state}")]
    InvalidState {
        /// The file.
        file: FileId,
        /// Its state when the command was applied.
        state: FileState,
        /// The verb.
        op: FileOp,
    },
    /// The transition table forbids this verb in the list's state.
    #[error("{op} is not allowed while the list is {state}")]
    InvalidListState {
        /// The list's state when the command was applied.
        state: ListState,
        /// The verb.
        op: ListOp,
    },
    /// The same file (same path or content, size, modification time and key) is already listed.
    #[error("the same file is already in the list as {existing}")]
    Duplicate {
        /// The file already listed.
        existing: FileId,
    },
    /// `resume_upload_with_*` without a file, but no file awaits credentials.
    #[error("no file awaits credentials")]
    NoFileAwaitingAuth,
    /// `resume_upload_with_*` without a file, but several files await credentials.
    #[error("several files await credentials ({candidates:?}); name one")]
    AmbiguousTarget {
        /// The files awaiting credentials.
        candidates: Vec<FileId>,
    },
    /// An UploadAuth / UploadAddress / STS value could not be used.
    #[error("invalid credentials or address: {0}")]
    InvalidAuth(String),
    /// A file to add could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Stopping, aborting or discarding an upload on the server failed (the list itself
    /// was updated).
    #[error("the upload engine failed: {0}")]
    Engine(FailureInfo),
    /// The list's state file (see `VodUploaderBuilder::restore`) could not be read or
    /// written.
    #[error("the list's state file {path}: {source}")]
    StateFile {
        /// The state file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: StateFileError,
    },
    /// The list's task has shut down.
    #[error("the upload list has shut down")]
    Closed,
}

/// Why the list's state file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateFileError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is not a cos-vod list state file, or is damaged.
    #[error("not a readable cos-vod list: {0}")]
    Corrupt(String),
    /// The file was written by a build with another format version.
    #[error("format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// Another list, in this process or another, uses this state directory.
    #[error("another list uses this state directory")]
    Locked,
    /// The file reads, but its list breaks the list's rules (ids out of order, a file twice,
    /// a stored file without its result…): it was edited by hand or damaged.
    #[error("the saved list cannot be restored: {0}")]
    Inconsistent(String),
}
