//! A file source: positional reads on a blocking thread (any part, any order, any number of
//! times), and the size + modification time fingerprint checked again before Complete.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;

use crate::buffers::BufferPool;

use crate::checkpoint::SourceFingerprint;
use crate::error::SourceError;

/// An open file and the fingerprint it had when opened.
pub(crate) struct FileSource {
    file: Arc<File>,
    fingerprint: SourceFingerprint,
    len: u64,
}

fn io(e: std::io::Error) -> SourceError {
    SourceError::Io(e.to_string())
}

fn mtime(meta: &std::fs::Metadata) -> (i64, u32) {
    match meta.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos(),
            ),
            Err(e) => {
                let d = e.duration();
                (
                    -i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                    d.subsec_nanos(),
                )
            }
        },
        // Platforms without modification times: size alone.
        Err(_) => (0, 0),
    }
}

fn fingerprint_of(path: &std::path::Path, meta: &std::fs::Metadata) -> SourceFingerprint {
    let (modified_secs, modified_nanos) = mtime(meta);
    SourceFingerprint::File {
        path: path.to_string_lossy().into_owned(),
        size: meta.len(),
        modified_secs,
        modified_nanos,
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

impl FileSource {
    /// Opens `path` on a blocking thread and records its fingerprint.
    pub(crate) async fn open(path: PathBuf) -> Result<Self, SourceError> {
        tokio::task::spawn_blocking(move || {
            let file = File::open(&path)
                .map_err(|e| SourceError::Io(format!("{}: {e}", path.display())))?;
            let meta = file.metadata().map_err(io)?;
            if !meta.is_file() {
                return Err(SourceError::Io(format!("{} is not a file", path.display())));
            }
            let canonical = std::fs::canonicalize(&path).unwrap_or(path);
            Ok(Self {
                len: meta.len(),
                fingerprint: fingerprint_of(&canonical, &meta),
                file: Arc::new(file),
            })
        })
        .await
        .map_err(|e| SourceError::Io(e.to_string()))?
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn fingerprint(&self) -> &SourceFingerprint {
        &self.fingerprint
    }

    /// Reads exactly `len` bytes at `offset`.
    pub(crate) async fn read(
        &self,
        offset: u64,
        len: u64,
        pool: &Arc<BufferPool>,
    ) -> Result<Bytes, SourceError> {
        let file = self.file.clone();
        let size = usize::try_from(len).map_err(|_| SourceError::Io("part too large".into()))?;
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut buf = pool.take(size);
            let mut filled = 0usize;
            while filled < size {
                match read_at(
                    &file,
                    &mut buf.as_mut_slice()[filled..],
                    offset + filled as u64,
                ) {
                    Ok(0) => {
                        return Err(SourceError::Truncated {
                            at: offset + filled as u64,
                            expected: offset + len,
                        });
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io(e)),
                }
            }
            Ok(buf.freeze())
        })
        .await
        .map_err(|e| SourceError::Io(e.to_string()))?
    }

    /// Fails when the open file's size or modification time differs from when it was opened.
    pub(crate) async fn check_unchanged(&self) -> Result<(), SourceError> {
        let file = self.file.clone();
        let before = self.fingerprint.clone();
        tokio::task::spawn_blocking(move || {
            let meta = file.metadata().map_err(io)?;
            let SourceFingerprint::File {
                path,
                size,
                modified_secs,
                modified_nanos,
            } = &before
            else {
                return Ok(());
            };
            let (secs, nanos) = mtime(&meta);
            if meta.len() != *size || secs != *modified_secs || nanos != *modified_nanos {
                return Err(SourceError::Changed(format!(
                    "{path}: size {size} -> {}, modified {modified_secs}.{modified_nanos:09} -> {secs}.{nanos:09}",
                    meta.len()
                )));
            }
            Ok(())
        })
        .await
        .map_err(|e| SourceError::Io(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::SystemTime;

    #[tokio::test]
    async fn positional_reads_in_any_order() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        f.write_all(&data).unwrap();
        f.flush().unwrap();
        let src = FileSource::open(f.path().to_path_buf()).await.unwrap();
        assert_eq!(src.len(), 10_000);
        let pool = BufferPool::new(2);
        for (off, len) in [(9000u64, 1000u64), (0, 4096), (4096, 4096), (0, 4096)] {
            let b = src.read(off, len, &pool).await.unwrap();
            assert_eq!(&b[..], &data[off as usize..(off + len) as usize]);
        }
        assert!(matches!(
            src.read(9500, 1000, &pool).await,
            Err(SourceError::Truncated {
                at: 10_000,
                expected: 10_500
            })
        ));
        src.check_unchanged().await.unwrap();
    }

    #[tokio::test]
    async fn a_changed_file_is_detected() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&[1u8; 4096]).unwrap();
        f.flush().unwrap();
        let src = FileSource::open(f.path().to_path_buf()).await.unwrap();
        f.write_all(&[2u8; 10]).unwrap();
        f.flush().unwrap();
        assert!(matches!(
            src.check_unchanged().await,
            Err(SourceError::Changed(_))
        ));
    }

    #[tokio::test]
    async fn a_touched_file_is_detected() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&[1u8; 4096]).unwrap();
        f.flush().unwrap();
        let src = FileSource::open(f.path().to_path_buf()).await.unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);
        f.as_file().set_modified(later).unwrap();
        assert!(matches!(
            src.check_unchanged().await,
            Err(SourceError::Changed(_))
        ));
    }

    #[tokio::test]
    async fn missing_files_and_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(FileSource::open(dir.path().join("nope")).await.is_err());
        assert!(FileSource::open(dir.path().to_path_buf()).await.is_err());
    }
}
