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
