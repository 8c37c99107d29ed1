//! The directory backend (`--data-dir`): each blob is a file under a run directory of its own
//! (`<dir>/cos-emulator-<pid>-<n>/`), written as the body streams in and deleted when no object
//! or part refers to it any more. Nothing is kept across restarts.

use super::{Blob, BlobSink, Source, Storage};
use bytes::{Bytes, BytesMut};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::{io, sync::Arc};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

const READ_CHUNK: usize = 64 * 1024;

/// Keeps blobs as files in a directory.
#[derive(Debug)]
pub struct DirStorage {
    root: Arc<RunDir>,
    next: AtomicU64,
}

/// The run directory; removed (best effort) when the storage and every blob are gone.
#[derive(Debug)]
struct RunDir(PathBuf);

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl DirStorage {
    /// Creates a fresh run directory inside `dir` (which is created if missing).
    pub async fn open(dir: &Path) -> io::Result<Self> {
        tokio::fs::create_dir_all(dir).await?;
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = dir.join(format!(
            "cos-emulator-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        if tokio::fs::try_exists(&run).await? {
            tokio::fs::remove_dir_all(&run).await?;
        }
        tokio::fs::create_dir_all(&run).await?;
        Ok(DirStorage {
            root: Arc::new(RunDir(run)),
            next: AtomicU64::new(0),
        })
    }

    /// The directory holding this run's files.
    pub fn run_dir(&self) -> &Path {
        &self.root.0
    }
}

impl Storage for DirStorage {
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn BlobSink>>> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.root.0.join(format!("blob-{n:012}"));
        let root = self.root.clone();
        async move {
            let file = tokio::fs::File::create(&path).await?;
            let guard = FileGuard { path, _root: root };
            Ok(Box::new(FileSink {
                file: Some(file),
                guard: Some(guard),
                len: 0,
            }) as Box<dyn BlobSink>)
        }
        .boxed()
    }
}

/// Deletes its file when dropped (off the async threads when a runtime is there).
#[derive(Debug)]
struct FileGuard {
    path: PathBuf,
    _root: Arc<RunDir>,
}

impl Drop for FileGuard {
    fn drop(&mut self) {
        let path = std::mem::take(&mut self.path);
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn_blocking(move || {
                    let _ = std::fs::remove_file(path);
                });
            }
            Err(_) => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

struct FileSink {
    file: Option<tokio::fs::File>,
    guard: Option<FileGuard>,
    len: u64,
}

impl BlobSink for FileSink {
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, io::Result<()>> {
        async move {
            let file = self
                .file
                .as_mut()
                .ok_or_else(|| io::Error::other("sink already finished"))?;
            file.write_all(&chunk).await?;
            self.len += chunk.len() as u64;
            Ok(())
        }
        .boxed()
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, io::Result<Blob>> {
        async move {
            let mut file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("sink already finished"))?;
            file.flush().await?;
            file.sync_data().await?;
            drop(file);
            let guard = self
                .guard
                .take()
                .ok_or_else(|| io::Error::other("sink already finished"))?;
            Ok(Blob::from_source(Arc::new(FileSource {
                guard,
                len: self.len,
            })))
        }
        .boxed()
    }
}

#[derive(Debug)]
struct FileSource {
    guard: FileGuard,
    len: u64,
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(self: Arc<Self>, offset: u64, len: u64) -> BoxStream<'static, io::Result<Bytes>> {
        let state = (self, None::<tokio::fs::File>, len);
        stream::try_unfold(state, move |(src, file, remaining)| async move {
            if remaining == 0 {
                return Ok(None);
            }
            let mut file = match file {
                Some(f) => f,
                None => {
                    let mut f = tokio::fs::File::open(&src.guard.path).await?;
                    f.seek(io::SeekFrom::Start(offset)).await?;
                    f
                }
            };
            let want = usize::try_from(remaining)
                .unwrap_or(READ_CHUNK)
                .min(READ_CHUNK);
            let mut buf = BytesMut::zeroed(want);
            let mut filled = 0;
            while filled < want {
                let n = file.read(&mut buf[filled..]).await?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "blob file is shorter than recorded",
                    ));
                }
                filled += n;
            }
            Ok(Some((
                buf.freeze(),
                (src, Some(file), remaining - want as u64),
            )))
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_reads_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStorage::open(dir.path()).await.unwrap();
        let run = store.run_dir().to_path_buf();
        let mut sink = store.create().await.unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for c in data.chunks(7000) {
            sink.write(Bytes::copy_from_slice(c)).await.unwrap();
        }
        let blob = sink.finish().await.unwrap();
        assert_eq!(blob.to_bytes().await.unwrap(), data);
        assert_eq!(
            blob.slice(65_000, 70_000).to_bytes().await.unwrap(),
            data[65_000..135_000]
        );
        assert_eq!(std::fs::read_dir(&run).unwrap().count(), 1);

        // An unfinished sink leaves nothing behind.
        let mut sink = store.create().await.unwrap();
        sink.write(Bytes::from_static(b"partial")).await.unwrap();
        drop(sink);
        drop(blob);
        tokio::task::yield_now().await;
        for _ in 0..100 {
            if std::fs::read_dir(&run).unwrap().count() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(std::fs::read_dir(&run).unwrap().count(), 0);
        drop(store);
        assert!(!run.exists());
    }
}
