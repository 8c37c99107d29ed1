//! What a file in the list is made of: a path or bytes, the options given with it, and the
//! fingerprint that tells two additions of the same file apart from two different files.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::error::VodError;
use crate::failure::{FailureInfo, FailureKind};

/// The data of a file to upload.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// A file on disk, read part by part while uploading.
    Path(PathBuf),
    /// Bytes in memory, with a display name.
    Bytes {
        /// The display name (also the default object key).
        name: String,
        /// The data.
        data: Bytes,
    },
}

impl FileSource {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        FileSource::Path(path.into())
    }

    /// Bytes in memory with a display name.
    pub fn bytes(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        FileSource::Bytes {
            name: name.into(),
            data: data.into(),
        }
    }

    /// Reads what the list needs to know about the source (name, size, fingerprint).
    /// For a path this reads the file's metadata (off the async task's thread).
    pub async fn describe(&self, key: Option<&str>) -> Result<SourceInfo, VodError> {
        match self {
            FileSource::Path(path) => {
                let io = |source| VodError::Io {
                    path: path.clone(),
                    source,
                };
                let canonical = tokio::fs::canonicalize(path).await.map_err(io)?;
                let meta = tokio::fs::metadata(&canonical).await.map_err(io)?;
                if !meta.is_file() {
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "not a regular file",
                    )));
                }
                let name = canonical
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| canonical.to_string_lossy().into_owned());
                let modified = meta.modified().ok();
                Ok(SourceInfo {
                    name,
                    size: meta.len(),
                    fingerprint: Fingerprint::for_path(&canonical, meta.len(), modified, key),
                    canonical_path: Some(canonical),
                    modified,
                })
            }
            FileSource::Bytes { name, data } => Ok(SourceInfo {
                name: name.clone(),
                size: data.len() as u64,
                fingerprint: Fingerprint::for_bytes(name, data, key),
                canonical_path: None,
                modified: None,
            }),
        }
    }
}

/// What [`FileSource::describe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// The display name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The identity used for duplicates and checkpoints.
    pub fingerprint: Fingerprint,
    /// For a path: the canonical path (the one uploaded and fingerprinted).
    pub canonical_path: Option<PathBuf>,
    /// For a path: its modification time, when the platform gives one.
    pub modified: Option<SystemTime>,
}

/// Checks that the file at `path` is still the one `expected` fingerprints (canonical path,
/// size, modification time, key), so that a file is never finished with other bytes than
/// it started with: a [`FailureKind::SourceChanged`] failure (`SourceChanged`, or
/// `SourceMissing` when it cannot be read) otherwise.
pub(crate) async fn check_unchanged(
    path: &Path,
    key: Option<&str>,
    expected: &Fingerprint,
) -> Result<(), FailureInfo> {
    match FileSource::Path(path.to_owned()).describe(key).await {
        Ok(info) if info.fingerprint == *expected => Ok(()),
        Ok(_) => Err(FailureInfo::new(
            FailureKind::SourceChanged,
            "SourceChanged",
            format!(
                "{} changed (size or modification time) since it was added to the list; \
                 delete it from the list and add it again to upload the new content",
                path.display()
            ),
        )),
        Err(e) => Err(FailureInfo::new(
            FailureKind::SourceChanged,
            "SourceMissing",
            format!("{e}; it was added to the list, but is gone or unreadable now"),
        )),
    }
}

/// Options given with a file: the object key, object metadata and opaque user data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOptions {
    pub(crate) key: Option<String>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) user_data: Option<String>,
}

impl AddOptions {
    /// No key (the credential grant's key, or the file name, is used), no metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object key; takes priority over a key in the credentials or address.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Adds an object metadata entry (`x-cos-meta-<name>`, name without the prefix).
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((name.into(), value.into()));
        self
    }

    /// Opaque data kept with the file and shown in its snapshot.
    pub fn user_data(mut self, data: impl Into<String>) -> Self {
        self.user_data = Some(data.into());
        self
    }

    /// The key given, if any.
    pub fn key_ref(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The metadata entries given.
    pub fn metadata_entries(&self) -> &[(String, String)] {
        &self.metadata
    }

    /// The user data given, if any.
    pub fn user_data_ref(&self) -> Option<&str> {
        self.user_data.as_deref()
    }
}

/// The identity of a file for duplicate detection and for its checkpoint: the canonical
/// path (or name and CRC64 of the bytes), the size, the modification time and the key.
/// Two files with the same name and size in different directories never collide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    canonical: String,
}

impl Fingerprint {
    /// The fingerprint of a file on disk (`path` should be canonical).
    pub fn for_path(
        path: &Path,
        size: u64,
        modified: Option<SystemTime>,
        key: Option<&str>,
    ) -> Self {
        let mtime = modified
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos().to_string())
            .unwrap_or_default();
        Self {
            canonical: format!(
                "path\0{}\0{size}\0{mtime}\0{}",
                path.to_string_lossy(),
                key.unwrap_or("")
            ),
        }
    }

    /// The fingerprint of bytes in memory: name, length, CRC64 of the content, key.
    pub fn for_bytes(name: &str, data: &[u8], key: Option<&str>) -> Self {
        let mut digest = crc64fast::Digest::new();
        digest.write(data);
        Self {
            canonical: format!(
                "bytes\0{name}\0{}\0{:016x}\0{}",
                data.len(),
                digest.sum64(),
                key.unwrap_or("")
            ),
        }
    }

    /// A stable, file-name-safe key for this file's checkpoint (the same across processes).
    pub fn checkpoint_key(&self) -> String {
        let mut digest = crc64fast::Digest::new();
        digest.write(self.canonical.as_bytes());
        let mut second = crc64fast::Digest::new();
        second.write(self.canonical.as_bytes());
        second.write(&[0x5a]);
        format!("vod-{:016x}{:016x}", digest.sum64(), second.sum64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_and_size_in_other_directories_differ() {
        let t = Some(UNIX_EPOCH);
        let a = Fingerprint::for_path(Path::new("/a/x.mp4"), 10, t, None);
        let b = Fingerprint::for_path(Path::new("/b/x.mp4"), 10, t, None);
        assert_ne!(a, b);
        assert_ne!(a.checkpoint_key(), b.checkpoint_key());
        let a2 = Fingerprint::for_path(Path::new("/a/x.mp4"), 10, t, None);
        assert_eq!(a.checkpoint_key(), a2.checkpoint_key());
        let keyed = Fingerprint::for_path(Path::new("/a/x.mp4"), 10, t, Some("k"));
        assert_ne!(a, keyed);
    }

    #[test]
    fn bytes_fingerprint_depends_on_content() {
        assert_ne!(
            Fingerprint::for_bytes("n", b"abc", None),
            Fingerprint::for_bytes("n", b"abd", None)
        );
        assert_eq!(
            Fingerprint::for_bytes("n", b"abc", None),
            Fingerprint::for_bytes("n", b"abc", None)
        );
    }

    #[tokio::test]
    async fn describe_reads_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        std::fs::write(&path, vec![1u8; 1234]).unwrap();
        let info = FileSource::path(&path).describe(None).await.unwrap();
        assert_eq!(info.name, "clip.bin");
        assert_eq!(info.size, 1234);
        let missing = FileSource::path(dir.path().join("nope"))
            .describe(None)
            .await;
        assert!(matches!(missing, Err(VodError::Io { .. })));
        let dir_as_file = FileSource::path(dir.path()).describe(None).await;
        assert!(matches!(dir_as_file, Err(VodError::Io { .. })));
    }

    #[tokio::test]
    async fn a_changed_or_vanished_file_is_a_typed_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        std::fs::write(&path, vec![1u8; 100]).unwrap();
        let info = FileSource::path(&path).describe(Some("k")).await.unwrap();
        let canonical = info.canonical_path.unwrap();
        check_unchanged(&canonical, Some("k"), &info.fingerprint)
            .await
            .unwrap();
        // The same size, another modification time.
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
            .unwrap();
        let changed = check_unchanged(&canonical, Some("k"), &info.fingerprint)
            .await
            .unwrap_err();
        assert_eq!(
            (changed.kind, changed.code.as_str()),
            (FailureKind::SourceChanged, "SourceChanged")
        );
        std::fs::remove_file(&path).unwrap();
        let gone = check_unchanged(&canonical, Some("k"), &info.fingerprint)
            .await
            .unwrap_err();
        assert_eq!(
            (gone.kind, gone.code.as_str()),
            (FailureKind::SourceChanged, "SourceMissing")
        );
    }
}
