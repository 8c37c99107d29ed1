//! The list's state file format (JSON, version [`STATE_VERSION`]): what a list keeps of each
//! file so that it comes back after a restart. Never a credential: keys and grants live
//! only in the process, and restored files get new ones from the provider or the app.
//!
//! ```json
//! {
//!   "format": "cos-vod-list",
//!   "version": 1,
//!   "next_id": 4,
//!   "files": [
//!     {
//!       "id": 1,
//!       "name": "movie.mp4",
//!       "path": "/home/me/movie.mp4",
//!       "size": 7340032,
//!       "modified_unix_ns": 1700000000123456789,
//!       "key": null,
//!       "metadata": [["title", "Movie"]],
//!       "user_data": "row-17",
//!       "target": { "bucket": "media-1250000000", "region": "ap-guangzhou", "key": "movie.mp4" },
//!       "state": "Paused",
//!       "bytes_done": 2097152,
//!       "result": null,
//!       "error": null
//!     }
//!   ]
//! }
//! ```
//!
//! `files` is in list order. `path`, `size` and `modified_unix_ns` are the source as it was
//! when the file was added (with `key`, its fingerprint); `target` is where its last attempt
//! went (absent before its first). `state` is one of [`FileState`]'s names; `result` and
//! `error` are [`UploadResult`] and [`FailureInfo`]. Files added from memory
//! ([`FileSource::Bytes`](crate::FileSource)) are not kept: their data lived in the process.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::engine::UploadTarget;
use crate::event::UploadResult;
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::source::Fingerprint;
use crate::state::FileState;

/// The `format` field of every state file.
pub const STATE_FORMAT: &str = "cos-vod-list";

/// The version of the state file format this build writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The first fields of a state file, read before the rest so that another format or
/// version is named as such rather than as a parse error.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub format: String,
    pub version: u32,
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedList {
    pub format: String,
    pub version: u32,
    /// The id the next file added gets (ids are never reused).
    pub next_id: u64,
    /// The files, in list order.
    pub files: Vec<SavedFile>,
}

impl SavedList {
    /// A document of this build's format.
    pub fn new(next_id: u64, files: Vec<SavedFile>) -> Self {
        Self {
            format: STATE_FORMAT.to_owned(),
            version: STATE_VERSION,
            next_id,
            files,
        }
    }

    /// Whether `other` differs from this only in bytes acknowledged (progress alone is not
    /// worth a write: the checkpoints hold the real progress).
    pub fn same_but_progress(&self, other: &SavedList) -> bool {
        self.next_id == other.next_id
            && self.files.len() == other.files.len()
            && self.files.iter().zip(&other.files).all(|(a, b)| {
                a == &SavedFile {
                    bytes_done: a.bytes_done,
                    ..b.clone()
                }
            })
    }
}

/// One file of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedFile {
    pub id: FileId,
    pub name: String,
    /// The canonical path, as added.
    pub path: String,
    /// The size when added.
    pub size: u64,
    /// The modification time when added, in nanoseconds since the Unix epoch.
    pub modified_unix_ns: Option<u64>,
    /// The object key given with the file.
    pub key: Option<String>,
    #[serde(default)]
    pub metadata: Vec<(String, String)>,
    pub user_data: Option<String>,
    /// Where the file's last attempt went.
    pub target: Option<SavedTarget>,
    pub state: FileState,
    pub bytes_done: u64,
    pub result: Option<UploadResult>,
    pub error: Option<FailureInfo>,
}

impl SavedFile {
    /// The canonical path.
    pub fn path(&self) -> &Path {
        Path::new(&self.path)
    }

    /// The modification time when the file was added.
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified_unix_ns
            .map(|ns| UNIX_EPOCH + Duration::from_nanos(ns))
    }

    /// The fingerprint the file had when it was added.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::for_path(self.path(), self.size, self.modified(), self.key.as_deref())
    }
}

/// The modification time as the state file keeps it (`None` before the epoch or past 2554,
/// which then never matches the file again: it counts as changed).
pub(crate) fn unix_ns(t: Option<SystemTime>) -> Option<u64> {
    let since = t?.duration_since(UNIX_EPOCH).ok()?;
    u64::try_from(since.as_nanos()).ok()
}

/// Where a file went: bucket, region and key (the endpoint is configuration, given again
/// by the list's defaults or the file's next grant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedTarget {
    pub bucket: String,
    pub region: Option<String>,
    pub key: String,
}

impl SavedTarget {
    /// The saved form of a resolved target.
    pub fn of(target: &UploadTarget) -> Self {
        Self {
            bucket: target.bucket.to_string(),
            region: target.region.as_ref().map(ToString::to_string),
            key: target.key.as_str().to_owned(),
        }
    }
}

/// A path the state file can keep (JSON strings are UTF-8; other paths are not kept).
pub(crate) fn path_string(path: &Path) -> Option<String> {
    path.to_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedFile {
        SavedFile {
            id: FileId::from_raw(3),
            name: "a.bin".into(),
            path: "/data/a.bin".into(),
            size: 10,
            modified_unix_ns: unix_ns(Some(UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123))),
            key: Some("k/a.bin".into()),
            metadata: vec![("title".into(), "A".into())],
            user_data: None,
            target: None,
            state: FileState::Paused,
            bytes_done: 4,
            result: None,
            error: None,
        }
    }

    #[test]
    fn the_fingerprint_is_rebuilt_exactly() {
        let f = sample();
        let t = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123);
        assert_eq!(
            f.fingerprint(),
            Fingerprint::for_path(Path::new("/data/a.bin"), 10, Some(t), Some("k/a.bin"))
        );
        assert_eq!(unix_ns(Some(UNIX_EPOCH - Duration::from_secs(1))), None);
    }

    #[test]
    fn round_trip_and_progress_alone_is_not_a_change() {
        let list = SavedList::new(4, vec![sample()]);
        let json = serde_json::to_string(&list).unwrap();
        assert!(json.contains("\"format\":\"cos-vod-list\""), "{json}");
        assert!(json.contains("\"state\":\"Paused\""), "{json}");
        assert_eq!(serde_json::from_str::<SavedList>(&json).unwrap(), list);
        let mut progressed = list.clone();
        progressed.files[0].bytes_done = 9;
        assert!(list.same_but_progress(&progressed));
        let mut moved = list.clone();
        moved.files[0].state = FileState::Ready;
        assert!(!list.same_but_progress(&moved));
    }
}
