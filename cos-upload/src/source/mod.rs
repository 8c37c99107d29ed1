//! What is uploaded: a file (positional reads, any part re-readable, fingerprint rechecked
//! before Complete), bytes in memory, or any async reader of unknown length (parts buffered
//! until COS acknowledges them).

mod file;
mod stream;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use tokio::io::AsyncRead;

use crate::buffers::BufferPool;
use crate::checkpoint::SourceFingerprint;
use crate::error::SourceError;
use crate::plan::{PlannedPart, StreamSchedule};

pub(crate) use file::FileSource;
pub(crate) use stream::StreamSource;

/// The bytes to upload. Cheap to build; a file is opened when the upload starts.
pub struct Source {
    inner: SourceKind,
}

enum SourceKind {
    File(PathBuf),
    Bytes(Bytes),
    Reader(Box<dyn AsyncRead + Send + Unpin + 'static>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            SourceKind::File(p) => f.debug_tuple("Source::File").field(p).finish(),
            SourceKind::Bytes(b) => f.debug_tuple("Source::Bytes").field(&b.len()).finish(),
            SourceKind::Reader(_) => f.write_str("Source::Reader"),
        }
    }
}

impl Source {
    /// A file, read part by part with positional reads (never whole into memory). Its size and
    /// modification time are checked again before Complete: a file changed during the upload
    /// fails it instead of producing a mixed object.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            inner: SourceKind::File(path.into()),
        }
    }

    /// Bytes in memory (parts are zero-copy slices).
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            inner: SourceKind::Bytes(bytes.into()),
        }
    }

    /// Any async reader of unknown length. Parts follow the policy's growth schedule; each part
    /// is buffered until COS acknowledges it (for retries), so memory stays within the parts
    /// in flight. A stream cannot be resumed by a later run.
    pub fn reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        Self {
            inner: SourceKind::Reader(Box::new(reader)),
        }
    }

    /// The file path, for a file source.
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.inner {
            SourceKind::File(p) => Some(p),
            _ => None,
        }
    }

    /// What names this source across runs, as its checkpoint id does: a file's canonical path
    /// (whether or not the file changed since, or still exists), bytes' length and CRC64;
    /// `None` for a stream, which cannot be resumed. The future owns what it needs, so the
    /// source may be dropped or moved meanwhile.
    pub fn identity(&self) -> impl std::future::Future<Output = Option<String>> + Send + 'static {
        enum Of {
            File(PathBuf),
            Bytes(Bytes),
            Stream,
        }
        let of = match &self.inner {
            SourceKind::File(path) => Of::File(path.clone()),
            SourceKind::Bytes(b) => Of::Bytes(b.clone()),
            SourceKind::Reader(_) => Of::Stream,
        };
        async move {
            match of {
                Of::File(path) => {
                    let owned = path.clone();
                    // canonicalize touches the filesystem: off the async threads
                    let canonical =
                        tokio::task::spawn_blocking(move || std::fs::canonicalize(&owned))
                            .await
                            .ok()
                            .and_then(Result::ok)
                            .unwrap_or(path);
                    Some(crate::checkpoint::file_identity(
                        &canonical.to_string_lossy(),
                    ))
                }
                Of::Bytes(b) => Some(crate::checkpoint::bytes_identity(
                    b.len() as u64,
                    cos_model::crc64::crc64(&b),
                )),
                Of::Stream => None,
            }
        }
    }

    /// Opens the source: a file is opened and measured; a stream gets its schedule.
    pub(crate) async fn open(self, schedule: StreamSchedule) -> Result<OpenSource, SourceError> {
        match self.inner {
            SourceKind::File(path) => Ok(OpenSource::File(FileSource::open(path).await?)),
            SourceKind::Bytes(b) => Ok(OpenSource::Bytes(b, OnceLock::new())),
            SourceKind::Reader(r) => Ok(OpenSource::Stream(StreamSource::new(r, schedule))),
        }
    }
}

impl From<Bytes> for Source {
    fn from(b: Bytes) -> Self {
        Source::bytes(b)
    }
}

impl From<Vec<u8>> for Source {
    fn from(v: Vec<u8>) -> Self {
        Source::bytes(v)
    }
}

/// An opened source.
pub(crate) enum OpenSource {
    File(FileSource),
    Bytes(Bytes, OnceLock<u64>),
    Stream(StreamSource),
}

impl OpenSource {
    /// The length, when known.
    pub(crate) fn len(&self) -> Option<u64> {
        match self {
            OpenSource::File(f) => Some(f.len()),
            OpenSource::Bytes(b, _) => Some(b.len() as u64),
            OpenSource::Stream(_) => None,
        }
    }

    /// Whether any part can be read again later (files and bytes; streams only while buffered).
    pub(crate) fn is_rereadable(&self) -> bool {
        !matches!(self, OpenSource::Stream(_))
    }

    /// The fingerprint a checkpoint records (none for streams).
    pub(crate) fn fingerprint(&self) -> Option<SourceFingerprint> {
        match self {
            OpenSource::File(f) => Some(f.fingerprint().clone()),
            OpenSource::Bytes(b, crc) => Some(SourceFingerprint::Bytes {
                len: b.len() as u64,
                crc64: *crc.get_or_init(|| cos_model::crc64::crc64(b)),
            }),
            OpenSource::Stream(_) => None,
        }
    }

    /// Reads one part. For a stream, an empty result means the part lies past the end.
    pub(crate) async fn read(
        &self,
        part: PlannedPart,
        pool: &Arc<BufferPool>,
    ) -> Result<Bytes, SourceError> {
        match self {
            OpenSource::File(f) => f.read(part.offset, part.len, pool).await,
            OpenSource::Bytes(b, _) => {
                let start = usize::try_from(part.offset).unwrap_or(usize::MAX);
                let end =
                    usize::try_from(part.offset.saturating_add(part.len)).unwrap_or(usize::MAX);
                if end > b.len() || start > end {
                    return Err(SourceError::Truncated {
                        at: b.len() as u64,
                        expected: part.offset + part.len,
                    });
                }
                Ok(b.slice(start..end))
            }
            OpenSource::Stream(s) => s.read(part.number, pool).await,
        }
    }

    /// Forgets a stream part's buffer once COS has acknowledged it.
    pub(crate) fn release(&self, number: u32) {
        if let OpenSource::Stream(s) = self {
            s.release(number);
        }
    }

    /// Fails when the source changed since it was opened (files: size and modification time).
    pub(crate) async fn check_unchanged(&self) -> Result<(), SourceError> {
        match self {
            OpenSource::File(f) => f.check_unchanged().await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;

    #[tokio::test]
    async fn bytes_are_sliced_and_fingerprinted() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3 * 1000).collect();
        let src = Source::bytes(data.clone())
            .open(StreamSchedule::new(MIB, 10))
            .await
            .unwrap();
        assert_eq!(src.len(), Some(3000));
        assert!(src.is_rereadable());
        let pool = BufferPool::new(1);
        let part = src
            .read(
                PlannedPart {
                    number: 2,
                    offset: 1000,
                    len: 1000,
                },
                &pool,
            )
            .await
            .unwrap();
        assert_eq!(&part[..], &data[1000..2000]);
        let past_end = PlannedPart {
            number: 4,
            offset: 2500,
            len: 1000,
        };
        assert!(src.read(past_end, &pool).await.is_err());
        assert_eq!(
            src.fingerprint(),
            Some(SourceFingerprint::Bytes {
                len: 3000,
                crc64: cos_model::crc64::crc64(&data)
            })
        );
    }
}
