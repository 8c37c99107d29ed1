//! The transition table: every state change of a file or of the list is decided here, and
//! only here. The core asks this table before it changes anything; a `None` is a command
//! the table forbids, which the core turns into a typed error.

use std::fmt;

use crate::state::{FileState, ListState};

/// Something that may change a file's state: a user verb or an upload outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileOp {
    /// The scheduler picks a Ready file.
    Schedule,
    /// `pause_file`, or `stop_upload` for an active file.
    Pause,
    /// `cancel_file`.
    Cancel,
    /// `resume_file`.
    Resume,
    /// `start_upload` putting paused (and, if configured, failed) files back in the queue.
    Restart,
    /// `resume_upload_with_auth`/`resume_upload_with_sts_token`, or new credentials pushed
    /// for a file that awaits them.
    ResumeWithAuth,
    /// `set_upload_auth_and_address`/`set_sts_token` on a file that does not await
    /// credentials: they are stored for its next attempt.
    SetAuth,
    /// `delete_file`, `clean_list`.
    Delete,
    /// The upload finished and was verified.
    Succeed,
    /// The upload failed.
    Fail,
    /// The upload's credentials expired and could not be refreshed.
    Expire,
    /// The list is brought back from its state file after a restart: a file that was
    /// uploading when the process ended comes back `Paused` (nothing uploads in a new
    /// process until it is started); every other file keeps its state.
    Restore,
    /// A file brought back from the state file whose source changed or vanished since it
    /// was added: it can never be finished with the bytes it started with, so it fails.
    /// A stored file keeps its `Success`.
    SourceLost,
}

impl FileOp {
    /// The verb's name as the API spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            FileOp::Schedule => "schedule",
            FileOp::Pause => "pause_file",
            FileOp::Cancel => "cancel_file",
            FileOp::Resume => "resume_file",
            FileOp::Restart => "start_upload",
            FileOp::ResumeWithAuth => "resume_upload_with_auth",
            FileOp::SetAuth => "set_upload_auth",
            FileOp::Delete => "delete_file",
            FileOp::Succeed => "upload succeeded",
            FileOp::Fail => "upload failed",
            FileOp::Expire => "token expired",
            FileOp::Restore => "restore",
            FileOp::SourceLost => "source changed",
        }
    }
}

impl fmt::Display for FileOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an allowed [`FileOp`] does to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileNext {
    /// The file moves to this state.
    To(FileState),
    /// The file keeps its state.
    Unchanged,
    /// The file leaves the list.
    Removed,
}

/// The file table: `Some(next)` when `op` is allowed in state `from`, `None` when forbidden.
pub const fn file_next(from: FileState, op: FileOp) -> Option<FileNext> {
    use FileNext::{Removed, To, Unchanged};
    use FileState::*;
    match (op, from) {
        (FileOp::Schedule, Ready) => Some(To(Uploading)),
        (FileOp::Pause, Ready | Uploading | AwaitingAuth) => Some(To(Paused)),
        (FileOp::Cancel, Ready | Uploading | Paused | AwaitingAuth) => Some(To(Canceled)),
        (FileOp::Resume, Paused | Canceled | Failure) => Some(To(Ready)),
        (FileOp::Restart, Paused | Failure) => Some(To(Ready)),
        (FileOp::ResumeWithAuth, AwaitingAuth) => Some(To(Ready)),
        (FileOp::SetAuth, Ready | Uploading | Paused | Failure | Canceled) => Some(Unchanged),
        (FileOp::Delete, _) => Some(Removed),
        (FileOp::Succeed, Uploading) => Some(To(Success)),
        (FileOp::Fail, Uploading) => Some(To(Failure)),
        (FileOp::Expire, Uploading) => Some(To(AwaitingAuth)),
        (FileOp::Restore, Uploading) => Some(To(Paused)),
        (FileOp::Restore, _) => Some(Unchanged),
        (FileOp::SourceLost, Ready | Paused | AwaitingAuth | Failure | Canceled) => {
            Some(To(Failure))
        }
        (FileOp::SourceLost, Success) => Some(Unchanged),
        _ => None,
    }
}

/// Something that may change the list's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListOp {
    /// `start_upload`.
    Start,
    /// `stop_upload`.
    Stop,
    /// Nothing is Ready or Uploading any more while running; `awaiting_auth` tells
    /// whether some file still waits for credentials.
    Drain {
        /// Some file is in `AwaitingAuth`.
        awaiting_auth: bool,
    },
    /// A file received the credentials it waited for.
    Wake,
    /// The last file awaiting credentials left that state while the list was drained.
    Settle,
}

impl ListOp {
    /// The verb's name as the API spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ListOp::Start => "start_upload",
            ListOp::Stop => "stop_upload",
            ListOp::Drain { .. } => "drain",
            ListOp::Wake => "resume_upload_with_auth",
            ListOp::Settle => "settle",
        }
    }
}

impl fmt::Display for ListOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The list table: `Some(next)` when `op` is allowed in state `from`, `None` when forbidden.
pub const fn list_next(from: ListState, op: ListOp) -> Option<ListState> {
    use ListState::*;
    match (op, from) {
        (ListOp::Start, Idle | Stopped | AwaitingAuth | Ended) => Some(Running),
        (ListOp::Stop, Running | AwaitingAuth) => Some(Stopped),
        (
            ListOp::Drain {
                awaiting_auth: true,
            },
            Running,
        ) => Some(AwaitingAuth),
        (
            ListOp::Drain {
                awaiting_auth: false,
            },
            Running,
        ) => Some(Ended),
        (ListOp::Wake, AwaitingAuth | Ended | Running) => Some(Running),
        (ListOp::Wake, Idle | Stopped) => Some(from),
        (ListOp::Settle, AwaitingAuth) => Some(Ended),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_are_left_only_by_resume_restart_or_delete() {
        let all_ops = [
            FileOp::Schedule,
            FileOp::Pause,
            FileOp::Cancel,
            FileOp::Resume,
            FileOp::Restart,
            FileOp::ResumeWithAuth,
            FileOp::SetAuth,
            FileOp::Delete,
            FileOp::Succeed,
            FileOp::Fail,
            FileOp::Expire,
            FileOp::Restore,
            FileOp::SourceLost,
        ];
        for op in all_ops {
            let keeps = matches!(op, FileOp::Restore | FileOp::SourceLost);
            assert!(
                matches!(
                    file_next(FileState::Success, op),
                    None | Some(FileNext::Removed)
                ) || (keeps && file_next(FileState::Success, op) == Some(FileNext::Unchanged)),
                "{op} from Success"
            );
        }
        // Only an upload leaves Uploading for a terminal state other than Canceled.
        for from in FileState::ALL {
            for op in [FileOp::Succeed, FileOp::Fail, FileOp::Expire] {
                assert_eq!(
                    file_next(from, op).is_some(),
                    from == FileState::Uploading,
                    "{op} from {from}"
                );
            }
        }
    }

    #[test]
    fn restore_only_stops_what_was_uploading_and_a_lost_source_fails_what_is_unfinished() {
        use FileState::*;
        for from in FileState::ALL {
            let restored = match file_next(from, FileOp::Restore) {
                Some(FileNext::To(to)) => to,
                Some(FileNext::Unchanged) => from,
                other => panic!("restore from {from}: {other:?}"),
            };
            assert_eq!(restored, if from == Uploading { Paused } else { from });
            // Nothing is uploading after a restore, so a lost source never meets Uploading.
            let lost = file_next(restored, FileOp::SourceLost);
            let expected = if restored == Success {
                FileNext::Unchanged
            } else {
                FileNext::To(Failure)
            };
            assert_eq!(lost, Some(expected), "source lost from {restored}");
        }
        assert_eq!(file_next(Uploading, FileOp::SourceLost), None);
    }

    #[test]
    fn list_table() {
        assert_eq!(list_next(ListState::Running, ListOp::Start), None);
        assert_eq!(list_next(ListState::Idle, ListOp::Stop), None);
        assert_eq!(
            list_next(
                ListState::Running,
                ListOp::Drain {
                    awaiting_auth: false
                }
            ),
            Some(ListState::Ended)
        );
        assert_eq!(
            list_next(ListState::Stopped, ListOp::Wake),
            Some(ListState::Stopped)
        );
    }
}
