//! `FileSnapshot`: a copy of one file's row in the list, as `list_files()` returns it.

use serde::{Deserialize, Serialize};

use crate::event::UploadResult;
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::state::FileState;

/// A copy of one file's row (not a live object: changing it changes nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSnapshot {
    /// The stable id.
    pub id: FileId,
    /// The position in the list now.
    pub index: usize,
    /// The display name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The state.
    pub state: FileState,
    /// Bytes acknowledged by COS.
    pub bytes_done: u64,
    /// The object key given with the file, or the one used once it succeeded.
    pub key: Option<String>,
    /// The user data given with the file.
    pub user_data: Option<String>,
    /// What the upload produced, once it succeeded.
    pub result: Option<UploadResult>,
    /// Why the last attempt failed, while the file is in `Failure`.
    pub error: Option<FailureInfo>,
}
