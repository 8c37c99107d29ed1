//! The list's state file on disk: `list.json` in the state directory, read once when the
//! list is restored, replaced atomically on every change (a temporary file in the same
//! directory, synced, renamed over the old one, the directory synced), so that a crash at
//! any moment leaves the old list or the new one, never a torn file. Writes happen on a
//! writer task of their own, the latest list first, so the list's task never waits on a
//! disk. The directory is locked (`list.lock`, an advisory lock the OS drops with the
//! process) while a list uses it, so two lists never overwrite each other's state.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StateFileError;
use crate::saved::{Header, STATE_FORMAT, STATE_VERSION, SavedList};

/// The state file's name in the state directory.
pub const STATE_FILE_NAME: &str = "list.json";

/// The lock file's name in the state directory.
const LOCK_FILE_NAME: &str = "list.lock";

/// Where a list keeps its state.
#[derive(Debug, Clone)]
pub(crate) struct StateFile {
    dir: PathBuf,
}

impl StateFile {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The state file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE_NAME)
    }

    /// Takes the directory for one list: creates it, checks that files can be created there
    /// and locks it; the lock lasts as long as the returned file is open. Blocking.
    pub fn claim(&self) -> Result<std::fs::File, StateFileError> {
        std::fs::create_dir_all(&self.dir)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(self.dir.join(LOCK_FILE_NAME))?;
        match lock.try_lock() {
            Ok(()) => Ok(lock),
            Err(std::fs::TryLockError::WouldBlock) => Err(StateFileError::Locked),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    /// Reads the saved list (`None` when there is none yet) and removes the temporary files
    /// a crash mid-write left behind. Blocking: call off the async threads.
    pub fn read(&self) -> Result<Option<SavedList>, StateFileError> {
        self.remove_leftovers();
        let bytes = match std::fs::read(self.path()) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let header: Header =
            serde_json::from_slice(&bytes).map_err(|e| StateFileError::Corrupt(e.to_string()))?;
        if header.format != STATE_FORMAT {
            return Err(StateFileError::Corrupt(format!(
                "its format is {:?}, not {STATE_FORMAT:?}",
                header.format
            )));
        }
        if header.version != STATE_VERSION {
            return Err(StateFileError::UnsupportedVersion {
                found: header.version,
                supported: STATE_VERSION,
            });
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateFileError::Corrupt(e.to_string()))
    }

    /// Replaces the state file with `json` atomically. Blocking: call off the async threads.
    pub fn write(&self, json: &[u8], serial: u64) -> Result<(), StateFileError> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".{STATE_FILE_NAME}.{}.{serial}.tmp",
            std::process::id()
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(json)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, self.path())?;
            // Make the rename itself durable where directories can be synced.
            #[cfg(unix)]
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn remove_leftovers(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let prefix = format!(".{STATE_FILE_NAME}.");
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                tracing::debug!(file = %name, "removing a state file a crash left half-written");
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Starts the writer task (on the current tokio runtime); it keeps `lock` (from
    /// [`claim`](Self::claim)) until its last write.
    pub fn spawn_writer(self, lock: std::fs::File) -> StateWriter {
        let (tx, rx) = watch::channel(None);
        StateWriter {
            path: self.path(),
            tx,
            last: None,
            join: tokio::spawn(write_loop(self, rx, lock)),
        }
    }
}

/// Keeps the state file current: the list's task hands it each new list; the writer task
/// writes the latest one (lists handed in while a write runs are coalesced).
pub(crate) struct StateWriter {
    path: PathBuf,
    tx: watch::Sender<Option<Arc<Vec<u8>>>>,
    last: Option<SavedList>,
    join: JoinHandle<Result<(), StateFileError>>,
}

impl StateWriter {
    /// Queues `list` for writing unless it differs from the last one only in progress.
    pub fn save(&mut self, list: SavedList) {
        if self
            .last
            .as_ref()
            .is_some_and(|l| l.same_but_progress(&list))
        {
            return;
        }
        match serde_json::to_vec_pretty(&list) {
            Ok(json) => {
                self.last = Some(list);
                self.tx.send_replace(Some(Arc::new(json)));
            }
            Err(e) => tracing::warn!(error = %e, "the list's state could not be encoded"),
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ends the writer once the last list handed in is written; resolves to the last
    /// write's failure, if it failed.
    pub fn close(self) -> JoinHandle<Result<(), StateFileError>> {
        drop(self.tx);
        self.join
    }
}

async fn write_loop(
    file: StateFile,
    mut rx: watch::Receiver<Option<Arc<Vec<u8>>>>,
    lock: std::fs::File,
) -> Result<(), StateFileError> {
    let mut last = Ok(());
    let mut serial = 0u64;
    while rx.changed().await.is_ok() {
        let Some(json) = rx.borrow_and_update().clone() else {
            continue;
        };
        serial += 1;
        let f = file.clone();
        last = match tokio::task::spawn_blocking(move || f.write(&json, serial)).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e.to_string()).into()),
        };
        if let Err(e) = &last {
            tracing::warn!(path = %file.path().display(), error = %e, "the list's state could not be saved");
        }
    }
    drop(lock);
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::FileId;
    use crate::saved::{SavedFile, unix_ns};
    use crate::state::FileState;

    fn list(n: u64) -> SavedList {
        let files = (1..=n)
            .map(|i| SavedFile {
                id: FileId::from_raw(i),
                name: format!("f{i}"),
                path: format!("/data/f{i}"),
                size: i,
                modified_unix_ns: unix_ns(Some(std::time::UNIX_EPOCH)),
                key: None,
                metadata: Vec::new(),
                user_data: None,
                target: None,
                state: FileState::Ready,
                bytes_done: 0,
                result: None,
                error: None,
            })
            .collect();
        SavedList::new(n + 1, files)
    }

    #[test]
    fn a_crash_mid_write_leaves_the_previous_list() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("state"));
        assert!(file.read().unwrap().is_none());
        let first = list(2);
        file.write(&serde_json::to_vec(&first).unwrap(), 1).unwrap();
        // A crash after the temporary file was half-written, before the rename.
        let json = serde_json::to_vec(&list(5)).unwrap();
        let torn = dir.path().join("state").join(".list.json.4242.7.tmp");
        std::fs::write(&torn, &json[..json.len() / 2]).unwrap();
        assert_eq!(file.read().unwrap(), Some(first));
        assert!(!torn.exists(), "the torn temporary file is removed");
        let names: Vec<String> = std::fs::read_dir(dir.path().join("state"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![STATE_FILE_NAME.to_owned()]);
    }

    #[test]
    fn other_formats_versions_and_damage_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().to_owned());
        std::fs::write(file.path(), b"{\"format\":\"cos-vod-list\",\"version\":9}").unwrap();
        assert!(matches!(
            file.read(),
            Err(StateFileError::UnsupportedVersion {
                found: 9,
                supported: 1
            })
        ));
        std::fs::write(file.path(), b"{\"format\":\"other\",\"version\":1}").unwrap();
        assert!(matches!(file.read(), Err(StateFileError::Corrupt(_))));
        std::fs::write(file.path(), b"{\"format\":\"cos-vod-list\",\"vers").unwrap();
        assert!(matches!(file.read(), Err(StateFileError::Corrupt(_))));
    }

    #[tokio::test]
    async fn the_writer_writes_the_latest_list_before_it_closes() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().to_owned());
        let lock = file.claim().unwrap();
        assert!(matches!(file.claim(), Err(StateFileError::Locked)));
        let mut writer = file.clone().spawn_writer(lock);
        for n in 1..=20 {
            writer.save(list(n));
        }
        // Progress alone is not written.
        let mut progressed = list(20);
        progressed.files[0].bytes_done = 1;
        writer.save(progressed);
        writer.close().await.unwrap().unwrap();
        assert_eq!(file.read().unwrap(), Some(list(20)));
        // The lock went with the writer.
        drop(file.claim().unwrap());
    }
}
