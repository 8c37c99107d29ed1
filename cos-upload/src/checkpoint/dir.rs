//! A checkpoint store in a directory: one `<id>.json` per upload, written atomically (a
//! temporary file in the same directory, synced, then renamed over the old one).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::BoxFuture;

use super::{CHECKPOINT_VERSION, Checkpoint, CheckpointError, CheckpointStore};

/// Checkpoints as JSON files in a directory (created when first needed).
#[derive(Debug)]
pub struct DirStore {
    dir: PathBuf,
    counter: AtomicU64,
}

impl DirStore {
    /// A store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            counter: AtomicU64::new(0),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a checkpoint id is stored in.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }
}

fn io_err(id: &str) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        id: id.to_owned(),
        source,
    }
}

fn blocking_error(id: &str, e: tokio::task::JoinError) -> CheckpointError {
    CheckpointError::Io {
        id: id.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn load_sync(path: &Path, id: &str) -> Result<Option<Checkpoint>, CheckpointError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(id)(e)),
    };
    let checkpoint: Checkpoint =
        serde_json::from_slice(&bytes).map_err(|e| CheckpointError::Corrupt {
            id: id.to_owned(),
            message: e.to_string(),
        })?;
    if checkpoint.version != CHECKPOINT_VERSION {
        return Err(CheckpointError::Corrupt {
            id: id.to_owned(),
            message: format!("unsupported version {}", checkpoint.version),
        });
    }
    Ok(Some(checkpoint))
}

fn save_sync(
    dir: &Path,
    tmp: &Path,
    dest: &Path,
    json: &[u8],
    id: &str,
) -> Result<(), CheckpointError> {
    std::fs::create_dir_all(dir).map_err(io_err(id))?;
    let result = (|| {
        let mut f = std::fs::File::create(tmp)?;
        f.write_all(json)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(tmp, dest)?;
        // Make the rename itself durable where directories can be synced.
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    result.map_err(io_err(id))
}

impl CheckpointStore for DirStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, CheckpointError>> {
        let path = self.path_of(id);
        Box::pin(async move {
            let owned = id.to_owned();
            tokio::task::spawn_blocking(move || load_sync(&path, &owned))
                .await
                .map_err(|e| blocking_error(id, e))?
        })
    }

    fn save<'a>(
        &'a self,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), CheckpointError>> {
        let id = checkpoint.id();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{id}.json.{}.{n}.tmp", std::process::id()));
        let dest = self.path_of(&id);
        let dir = self.dir.clone();
        Box::pin(async move {
            let json =
                serde_json::to_vec_pretty(checkpoint).map_err(|e| CheckpointError::Corrupt {
                    id: id.clone(),
                    message: e.to_string(),
                })?;
            let id2 = id.clone();
            tokio::task::spawn_blocking(move || save_sync(&dir, &tmp, &dest, &json, &id2))
                .await
                .map_err(|e| blocking_error(&id, e))?
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), CheckpointError>> {
        let path = self.path_of(id);
        Box::pin(async move {
            let owned = id.to_owned();
            tokio::task::spawn_blocking(move || match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_err(&owned)(e)),
            })
            .await
            .map_err(|e| blocking_error(id, e))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::tests::sample;

    #[tokio::test]
    async fn save_load_replace_remove() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DirStore::new(tmp.path().join("nested/checkpoints"));
        let cp = sample();
        let id = cp.id();
        assert_eq!(store.load(&id).await.unwrap(), None);
        store.save(&cp).await.unwrap();
        assert!(store.path_of(&id).is_file());
        assert_eq!(store.load(&id).await.unwrap(), Some(cp.clone()));

        let mut newer = cp.clone();
        newer.parts.push(crate::checkpoint::CheckpointPart {
            number: 2,
            etag: "\"ff\"".into(),
            size: 1024 * 1024,
            crc64: 7,
        });
        store.save(&newer).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), Some(newer));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![format!("{id}.json")]);

        store.remove(&id).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), None);
        store.remove(&id).await.unwrap();
    }

    #[tokio::test]
    async fn corrupt_and_foreign_versions_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DirStore::new(tmp.path());
        let cp = sample();
        std::fs::write(store.path_of(&cp.id()), b"{\"version\": 1, \"bucket\":").unwrap();
        assert!(matches!(
            store.load(&cp.id()).await,
            Err(CheckpointError::Corrupt { .. })
        ));
        let mut future = cp.clone();
        future.version = 99;
        std::fs::write(
            store.path_of(&cp.id()),
            serde_json::to_vec(&future).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            store.load(&cp.id()).await,
            Err(CheckpointError::Corrupt { .. })
        ));
    }

    #[tokio::test]
    async fn concurrent_saves_leave_one_whole_file() {
        let tmp = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(DirStore::new(tmp.path()));
        let mut tasks = Vec::new();
        for i in 0..16u32 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut cp = sample();
                cp.parts[0].crc64 = u64::from(i);
                store.save(&cp).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let loaded = store.load(&sample().id()).await.unwrap().unwrap();
        assert!(loaded.parts[0].crc64 < 16);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
