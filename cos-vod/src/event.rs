//! Events the list emits, and the values they carry (a failure's is [`FailureInfo`](crate::FailureInfo)).

use serde::{Deserialize, Serialize};

use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::state::FileState;

/// Which file an event is about, as it was when the event was emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The file's stable id.
    pub id: FileId,
    /// Its position in `list_files()` when the event was emitted (for a file being
    /// removed: its position just before removal).
    pub index: usize,
    /// Its display name (file name or the name given with bytes).
    pub name: String,
}

/// What a successful upload produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResult {
    /// The bucket (`name-appid`).
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The object key.
    pub key: String,
    /// The object's ETag as COS returned it.
    pub etag: String,
    /// The object's CRC-64/XZ (`x-cos-hash-crc64ecma`), verified against the local data.
    pub crc64: Option<u64>,
    /// The object's length.
    pub bytes: u64,
}

/// Why a file left its run as `Canceled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReason {
    /// `cancel_file`: the file stays in the list, its checkpoint is kept.
    Canceled,
    /// `delete_file` or `clean_list`: the file left the list.
    Removed,
}

/// How many files of the list are in each state when a run drains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCounts {
    /// Files in the list.
    pub total: usize,
    /// Files in `Success`.
    pub succeeded: usize,
    /// Files in `Failure`.
    pub failed: usize,
    /// Files in `Canceled`.
    pub canceled: usize,
    /// Files in `Paused`.
    pub paused: usize,
    /// Files in `AwaitingAuth`.
    pub awaiting_auth: usize,
}

/// An event of the list. Per file the order is `FileAdded` (or, in a list brought back
/// after a restart, `Restored`), then for each run
/// `UploadStarted`, `Progress`*, (`TokenExpired`, `Progress`*)*, and one of `Paused`,
/// `Succeeded`, `Failed`, `Canceled`. `Succeeded`, `Failed` and `Canceled` are terminal:
/// exactly one closes a run of a file. `ListEnded` comes whenever a run drains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum VodEvent {
    /// A file joined the list (the familiar `addFileSuccess`).
    FileAdded {
        /// The file.
        file: FileRef,
        /// Its size in bytes.
        size: u64,
    },
    /// A file came back from the list's state file after a restart, with its id, position
    /// and state: one per file, in list order, before any other event of the restored list
    /// (nothing like it exists in the familiar SDKs, whose lists die with the page).
    Restored {
        /// The file (same id as before the restart).
        file: FileRef,
        /// Its size in bytes when it was added.
        size: u64,
        /// Its state now: as before the restart, except that a file that was uploading is
        /// `Paused` or `Ready` (as configured), and an unfinished file whose source changed
        /// or vanished is `Failure` (with [`FailureKind::SourceChanged`](crate::FailureKind)).
        /// A file in `AwaitingAuth` is still in the run it was in: given credentials, it
        /// continues without a second `UploadStarted`, as it would have before the restart.
        state: FileState,
        /// Bytes acknowledged as of the last change saved (a file continues from its
        /// checkpoint, whatever this says).
        bytes_done: u64,
        /// Why it failed, when its state is `Failure`.
        error: Option<FailureInfo>,
    },
    /// A file was scheduled (the familiar `onUploadstarted`). When `needs_auth` is true, no
    /// provider is configured and no credentials were pushed for this file: the upload
    /// waits for `set_upload_auth_and_address` or `set_sts_token`.
    UploadStarted {
        /// The file.
        file: FileRef,
        /// Credentials must be pushed before any byte is sent.
        needs_auth: bool,
    },
    /// Bytes acknowledged by COS and bytes on the wire (throttled; the familiar
    /// `onUploadProgress`).
    Progress {
        /// The file.
        file: FileRef,
        /// Bytes acknowledged so far (resumed files start at their checkpoint).
        bytes_done: u64,
        /// The file's size.
        bytes_total: u64,
        /// This run's recent speed in bytes per second, over the bytes it sent itself
        /// (resumed bytes never count; 0 until measurable).
        speed: f64,
        /// Where the upload stands on the wire: the resumed bytes plus the bytes this run
        /// has handed to the connection, so it moves within a part rather than in part-sized
        /// jumps. At least `bytes_done`, at most `bytes_total`, never back within a run (0
        /// when read from an event serialized before the field existed).
        #[serde(default)]
        bytes_sent: u64,
    },
    /// The file's credentials expired and could not be refreshed; it waits in
    /// `AwaitingAuth` (the familiar `onUploadTokenExpired`).
    TokenExpired {
        /// The file.
        file: FileRef,
    },
    /// The file was paused; its checkpoint is kept.
    Paused {
        /// The file.
        file: FileRef,
    },
    /// The file was canceled or removed (terminal; the familiar `onUploadCanceled`).
    Canceled {
        /// The file.
        file: FileRef,
        /// Canceled in place, or removed from the list.
        reason: CancelReason,
    },
    /// The file is stored (terminal; the familiar `onUploadSucceed`).
    Succeeded {
        /// The file.
        file: FileRef,
        /// Key, ETag, CRC64, bytes.
        result: UploadResult,
    },
    /// The upload failed (terminal; the familiar `onUploadFailed`).
    Failed {
        /// The file.
        file: FileRef,
        /// COS code, message, request id.
        error: FailureInfo,
    },
    /// The run drained: nothing is Ready or Uploading (the familiar `onUploadEnd`, but
    /// always emitted, even when the last file failed).
    ListEnded {
        /// The list's counts at that moment.
        counts: ListCounts,
    },
}

impl VodEvent {
    /// The event's name exactly as documented (`"Succeeded"`, `"ListEnded"`, …).
    pub const fn name(&self) -> &'static str {
        match self {
            VodEvent::FileAdded { .. } => "FileAdded",
            VodEvent::Restored { .. } => "Restored",
            VodEvent::UploadStarted { .. } => "UploadStarted",
            VodEvent::Progress { .. } => "Progress",
            VodEvent::TokenExpired { .. } => "TokenExpired",
            VodEvent::Paused { .. } => "Paused",
            VodEvent::Canceled { .. } => "Canceled",
            VodEvent::Succeeded { .. } => "Succeeded",
            VodEvent::Failed { .. } => "Failed",
            VodEvent::ListEnded { .. } => "ListEnded",
        }
    }

    /// The file the event is about (`None` for `ListEnded`).
    pub const fn file(&self) -> Option<&FileRef> {
        match self {
            VodEvent::FileAdded { file, .. }
            | VodEvent::Restored { file, .. }
            | VodEvent::UploadStarted { file, .. }
            | VodEvent::Progress { file, .. }
            | VodEvent::TokenExpired { file }
            | VodEvent::Paused { file }
            | VodEvent::Canceled { file, .. }
            | VodEvent::Succeeded { file, .. }
            | VodEvent::Failed { file, .. } => Some(file),
            VodEvent::ListEnded { .. } => None,
        }
    }

    /// Whether this event closes a run of its file (`Succeeded`, `Failed`, `Canceled`).
    pub const fn is_terminal(&self) -> bool {
        matches!(
            self,
            VodEvent::Succeeded { .. } | VodEvent::Failed { .. } | VodEvent::Canceled { .. }
        )
    }

    /// For `Progress`: the fraction done in `0..=1` (1 for an empty file).
    pub fn fraction(&self) -> Option<f64> {
        match self {
            VodEvent::Progress {
                bytes_done,
                bytes_total,
                ..
            } => Some(if *bytes_total == 0 {
                1.0
            } else {
                (*bytes_done as f64 / *bytes_total as f64).min(1.0)
            }),
            _ => None,
        }
    }
}
