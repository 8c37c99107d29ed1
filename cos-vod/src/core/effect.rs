//! What a step of the core asks of its driver ([`Effect`], with the [`HaltMode`] of a stop),
//! and how the driver reports an upload attempt's end ([`Outcome`]).

use crate::event::{UploadResult, VodEvent};
use crate::failure::FailureInfo;
use crate::id::FileId;

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

/// Where one upload attempt stands, as the engine reports it.
///
/// `acknowledged` is what the list's `bytes_done` and its state file count: bytes COS has
/// answered for. `position` is where a progress bar stands: the bytes an earlier run stored
/// (`resumed`) plus the bytes this attempt has handed to the connection, so it moves within
/// a part instead of in part-sized jumps. Speeds and ETAs are computed from
/// `position - resumed`, this attempt's own bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineProgress {
    /// Bytes COS has acknowledged (never decreases within an attempt).
    pub acknowledged: u64,
    /// Resumed bytes plus the bytes this attempt has sent (at least `acknowledged` in a
    /// consistent report; the list takes the larger of the two).
    pub position: u64,
    /// Bytes an earlier run had stored, which this attempt did not send.
    pub resumed: u64,
}

impl EngineProgress {
    /// The bytes this attempt sent itself (`position - resumed`).
    pub fn sent(&self) -> u64 {
        self.position
            .max(self.acknowledged)
            .saturating_sub(self.resumed)
    }
}

/// An engine that knows only acknowledged bytes: the position is the acknowledged bytes and
/// nothing counts as resumed.
impl From<u64> for EngineProgress {
    fn from(acknowledged: u64) -> Self {
        Self {
            acknowledged,
            position: acknowledged,
            resumed: 0,
        }
    }
}
