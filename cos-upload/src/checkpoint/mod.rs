//! The resume checkpoint: what a later run needs to finish a multipart upload without
//! re-sending what COS already has (bucket, key, upload id, part plan, the source's
//! fingerprint, each finished part's ETag, size and CRC64), and the stores that keep it.

mod dir;
mod memory;

use cos_model::{ETag, PartNumber, UploadId};
use futures_util::future::BoxFuture;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::plan::PartPlan;
use crate::state::PartReceipt;

pub use dir::DirStore;
pub use memory::MemoryStore;

/// The checkpoint format version this crate writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;

/// What identifies a source between runs, so a checkpoint is only used for the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceFingerprint {
    /// A file: its canonical path, size and modification time.
    File {
        /// The canonical path.
        path: String,
        /// The size in bytes.
        size: u64,
        /// Modification time, seconds since the Unix epoch.
        modified_secs: i64,
        /// Modification time, nanoseconds within the second.
        modified_nanos: u32,
    },
    /// Bytes in memory: their length and CRC64.
    Bytes {
        /// The length.
        len: u64,
        /// The CRC64 of all the bytes.
        crc64: u64,
    },
}

impl SourceFingerprint {
    /// What names the source across runs (the path for a file, the length and CRC64 for bytes):
    /// a changed file keeps its identity but not its fingerprint.
    pub fn identity(&self) -> String {
        match self {
            SourceFingerprint::File { path, .. } => file_identity(path),
            SourceFingerprint::Bytes { len, crc64 } => bytes_identity(*len, *crc64),
        }
    }
}

/// The identity of the file at `canonical_path` (whatever its size and time).
pub(crate) fn file_identity(canonical_path: &str) -> String {
    format!("file:{canonical_path}")
}

/// The identity of `len` bytes with CRC64 `crc64`.
pub(crate) fn bytes_identity(len: u64, crc64: u64) -> String {
    format!("bytes:{len}:{crc64}")
}

/// One finished part as recorded in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointPart {
    /// The part number.
    pub number: u32,
    /// The ETag COS returned (with quotes).
    pub etag: String,
    /// The part's length.
    pub size: u64,
    /// The part's CRC64.
    pub crc64: u64,
}

impl CheckpointPart {
    /// The record of part `number` with `receipt` (the ETag kept quoted, as COS sends it).
    pub fn new(number: PartNumber, receipt: &PartReceipt) -> Self {
        Self {
            number: number.get(),
            etag: receipt.etag.quoted(),
            size: receipt.size,
            crc64: receipt.crc64,
        }
    }

    /// The receipt the state machine keeps for this part.
    pub fn receipt(&self) -> PartReceipt {
        PartReceipt {
            size: self.size,
            etag: ETag::new(&self.etag),
            crc64: self.crc64,
        }
    }
}

/// A resumable multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The format version ([`CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The bucket (`name-appid`).
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The multipart upload id.
    pub upload_id: String,
    /// The part plan the upload was started with (kept on resume, whatever the new policy).
    pub plan: PartPlan,
    /// The source's fingerprint when the upload started.
    pub source: SourceFingerprint,
    /// Finished parts, ascending.
    pub parts: Vec<CheckpointPart>,
    /// When the checkpoint was first written, seconds since the Unix epoch.
    pub created_unix: u64,
}

impl Checkpoint {
    /// The store id of this checkpoint.
    pub fn id(&self) -> String {
        checkpoint_id(&self.bucket, &self.key, &self.source.identity())
    }

    /// The upload id, validated (a checkpoint file is outside input: it may have been edited).
    pub fn upload_id(&self) -> Result<UploadId, CheckpointError> {
        UploadId::new(&self.upload_id).map_err(|e| CheckpointError::Corrupt {
            id: self.id(),
            message: e.to_string(),
        })
    }
}

/// The store id for an upload of the source `identity` to `bucket`/`key`: a hex MD5, safe as a
/// file name.
pub fn checkpoint_id(bucket: &str, key: &str, identity: &str) -> String {
    let mut h = Md5::new();
    for field in ["cos-upload-checkpoint-v1", bucket, key, identity] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Why a checkpoint store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Reading or writing failed.
    #[error("checkpoint {id}: {source}")]
    Io {
        /// The checkpoint id.
        id: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// A stored checkpoint could not be decoded (it is ignored and replaced).
    #[error("checkpoint {id} is corrupt: {message}")]
    Corrupt {
        /// The checkpoint id.
        id: String,
        /// What was wrong.
        message: String,
    },
}

/// Where checkpoints are kept. Implementations must make `save` atomic: a reader sees the old
/// or the new checkpoint, never a torn one.
pub trait CheckpointStore: Send + Sync + 'static {
    /// Loads the checkpoint `id`, if there is one.
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, CheckpointError>>;
    /// Saves (replaces) a checkpoint under its [`Checkpoint::id`].
    fn save<'a>(&'a self, checkpoint: &'a Checkpoint)
    -> BoxFuture<'a, Result<(), CheckpointError>>;
    /// Removes the checkpoint `id` (no error if there is none).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), CheckpointError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Checkpoint {
        Checkpoint {
            version: CHECKPOINT_VERSION,
            bucket: "examplebucket-1250000000".into(),
            key: "dir/video.mp4".into(),
            upload_id: "1700000000abcdef".into(),
            plan: PartPlan::with_part_size(10 * 1024 * 1024 + 5, 1024 * 1024).unwrap(),
            source: SourceFingerprint::File {
                path: "/data/video.mp4".into(),
                size: 10 * 1024 * 1024 + 5,
                modified_secs: 1_700_000_000,
                modified_nanos: 123,
            },
            parts: vec![CheckpointPart {
                number: 1,
                etag: "\"0123456789abcdef0123456789abcdef\"".into(),
                size: 1024 * 1024,
                crc64: 42,
            }],
            created_unix: 1_700_000_001,
        }
    }

    #[test]
    fn json_round_trip() {
        let cp = sample();
        let json = serde_json::to_string(&cp).unwrap();
        assert!(json.contains("\"kind\":\"file\""), "{json}");
        let back: Checkpoint = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cp);
    }

    #[test]
    fn ids_differ_by_bucket_key_and_source() {
        let a = checkpoint_id("b-1", "k", "file:/x");
        assert_eq!(a.len(), 32);
        assert_ne!(a, checkpoint_id("b-2", "k", "file:/x"));
        assert_ne!(a, checkpoint_id("b-1", "k2", "file:/x"));
        assert_ne!(a, checkpoint_id("b-1", "k", "file:/y"));
        // Field boundaries matter: ("ab","c") is not ("a","bc").
        assert_ne!(checkpoint_id("ab", "c", "x"), checkpoint_id("a", "bc", "x"));
        assert_eq!(
            sample().id(),
            checkpoint_id(
                "examplebucket-1250000000",
                "dir/video.mp4",
                "file:/data/video.mp4"
            )
        );
    }
}
