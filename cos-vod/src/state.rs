//! File and list states, with the familiar SDK's names available beside ours.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of one file in the list.
///
/// The familiar SDK's names are available: `Ready`, `Uploading`, `Success`, `Failure`,
/// `Canceled` are variants, and [`FileState::Stoped`] (sic, as in the JS SDK) is the same
/// value as [`FileState::Paused`]. [`FileState::ali_name`] gives the exact string the JS
/// SDK shows. `AwaitingAuth` is ours: the JS SDK reports `Failure` and flips the whole
/// uploader to `Expire`, conflating two different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileState {
    /// Waiting to be scheduled.
    Ready,
    /// Scheduled: credentials being obtained, or parts on the wire.
    Uploading,
    /// Stopped by `pause_file`/`stop_upload`; the checkpoint is kept.
    Paused,
    /// The file's credentials expired and could not be refreshed; waits for
    /// `resume_upload_with_auth`/`resume_upload_with_sts_token`. Other files keep going.
    AwaitingAuth,
    /// Stored and verified.
    Success,
    /// Failed with an error that retries did not cure.
    Failure,
    /// Canceled by `cancel_file`; the checkpoint is kept so `resume_file` continues it.
    Canceled,
}

impl FileState {
    /// The familiar SDK's name for a paused file (its spelling).
    #[allow(non_upper_case_globals)]
    pub const Stoped: FileState = FileState::Paused;

    /// Every state, for tables and tests.
    pub const ALL: [FileState; 7] = [
        FileState::Ready,
        FileState::Uploading,
        FileState::Paused,
        FileState::AwaitingAuth,
        FileState::Success,
        FileState::Failure,
        FileState::Canceled,
    ];

    /// The exact string the JS SDK uses for this state ("Stoped" for `Paused`,
    /// "Failure" for `AwaitingAuth`, which the JS SDK does not distinguish).
    pub const fn ali_name(self) -> &'static str {
        match self {
            FileState::Ready => "Ready",
            FileState::Uploading => "Uploading",
            FileState::Paused => "Stoped",
            FileState::AwaitingAuth => "Failure",
            FileState::Success => "Success",
            FileState::Failure => "Failure",
            FileState::Canceled => "Canceled",
        }
    }

    /// Our name for the state (the variant's name).
    pub const fn as_str(self) -> &'static str {
        match self {
            FileState::Ready => "Ready",
            FileState::Uploading => "Uploading",
            FileState::Paused => "Paused",
            FileState::AwaitingAuth => "AwaitingAuth",
            FileState::Success => "Success",
            FileState::Failure => "Failure",
            FileState::Canceled => "Canceled",
        }
    }

    /// Whether this state closes the file's run (a terminal event was emitted on entering it).
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            FileState::Success | FileState::Failure | FileState::Canceled
        )
    }
}

impl fmt::Display for FileState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a file that was uploading when its process ended comes back as when the list is
/// restored (its bytes continue from its checkpoint either way once it runs again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Interrupted {
    /// `Paused` (the default): `start_upload` or `resume_file` puts it back in the queue.
    #[default]
    Paused,
    /// `Ready`: it joins the next run like a file never started.
    Ready,
}

/// The state of the list as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListState {
    /// Never started.
    Idle,
    /// A run is in progress: files are being scheduled.
    Running,
    /// `stop_upload` paused every active file; `start_upload` continues.
    Stopped,
    /// The run drained while at least one file waits for credentials.
    AwaitingAuth,
    /// The run drained (`ListEnded` was emitted); files added now wait for `start_upload`.
    Ended,
}

impl ListState {
    /// The familiar SDK's name for the uploader state (`Init`, `Start`, `Stop`, `Expire`, `End`).
    pub const fn ali_name(self) -> &'static str {
        match self {
            ListState::Idle => "Init",
            ListState::Running => "Start",
            ListState::Stopped => "Stop",
            ListState::AwaitingAuth => "Expire",
            ListState::Ended => "End",
        }
    }

    /// Our name for the state.
    pub const fn as_str(self) -> &'static str {
        match self {
            ListState::Idle => "Idle",
            ListState::Running => "Running",
            ListState::Stopped => "Stopped",
            ListState::AwaitingAuth => "AwaitingAuth",
            ListState::Ended => "Ended",
        }
    }
}

impl fmt::Display for ListState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn familiar_names() {
        assert_eq!(FileState::Stoped, FileState::Paused);
        assert!(matches!(FileState::Paused, FileState::Stoped));
        let ali: Vec<_> = FileState::ALL.iter().map(|s| s.ali_name()).collect();
        for name in [
            "Ready",
            "Uploading",
            "Success",
            "Failure",
            "Canceled",
            "Stoped",
        ] {
            assert!(ali.contains(&name), "{name}");
        }
        assert_eq!(ListState::AwaitingAuth.ali_name(), "Expire");
        assert!(FileState::Canceled.is_terminal());
        assert!(!FileState::AwaitingAuth.is_terminal());
    }
}
