//! The messages a [`VodUploader`](crate::VodUploader) handle sends the task that owns the
//! list, each with the channel its answer comes back on.

use tokio::sync::{mpsc, oneshot};

use crate::auth::UploadGrant;
use crate::error::VodError;
use crate::event::VodEvent;
use crate::id::{FileId, Target};
use crate::snapshot::FileSnapshot;
use crate::source::{AddOptions, FileSource, SourceInfo};
use crate::state::ListState;

pub(crate) type Reply<T> = oneshot::Sender<Result<T, VodError>>;

/// A verb on one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Delete,
    Cancel,
    Pause,
    Resume,
}

/// What a handle asks the task.
pub(crate) enum Command {
    Add {
        info: SourceInfo,
        source: FileSource,
        options: AddOptions,
        reply: Reply<FileId>,
    },
    Verb {
        verb: Verb,
        target: Target,
        reply: Reply<FileId>,
    },
    List {
        reply: Reply<Vec<FileSnapshot>>,
    },
    File {
        target: Target,
        reply: Reply<FileSnapshot>,
    },
    State {
        reply: Reply<ListState>,
    },
    Clean {
        reply: Reply<()>,
    },
    Start {
        reply: Reply<()>,
    },
    Stop {
        reply: Reply<()>,
    },
    Auth {
        /// `None` only with `resume_only`: the one file awaiting credentials.
        target: Option<Target>,
        grant: UploadGrant,
        /// Keep the target (bucket, region, key) of the file's earlier grant.
        keys_only: bool,
        /// Only for a file in `AwaitingAuth` (`resume_upload_with_*`).
        resume_only: bool,
        reply: Reply<FileId>,
    },
    Subscribe {
        reply: Reply<mpsc::UnboundedReceiver<VodEvent>>,
    },
    Shutdown {
        reply: Reply<()>,
    },
}
