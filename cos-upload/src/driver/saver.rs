//! Keeps one upload's checkpoint up to date without slowing the parts down: the driver edits
//! the document in memory and bumps a version; a background task writes the latest version
//! whenever it is free (saves coalesce, so 10 000 parts do not mean 10 000 writes of a growing
//! file). Closing flushes the last version.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::checkpoint::{Checkpoint, CheckpointPart, CheckpointStore};

/// The checkpoint of one running upload.
pub(crate) struct Keeper {
    id: String,
    doc: Arc<Mutex<Option<Checkpoint>>>,
    version: watch::Sender<u64>,
    task: JoinHandle<()>,
}

impl Keeper {
    /// Starts the background writer; `initial` is written at once when given.
    pub(crate) fn start(
        store: Arc<dyn CheckpointStore>,
        id: String,
        initial: Option<Checkpoint>,
    ) -> Self {
        let has_initial = initial.is_some();
        let doc = Arc::new(Mutex::new(initial));
        let (version, mut rx) = watch::channel(0u64);
        let task_doc = doc.clone();
        let task_id = id.clone();
        let task = tokio::spawn(
            async move {
            let mut saved = 0u64;
            let mut written = 0u64;
            loop {
                let closed = rx.changed().await.is_err();
                let current = *rx.borrow_and_update();
                if current != saved {
                    let snapshot = task_doc
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    let result = match &snapshot {
                        Some(cp) => store.save(cp).await,
                        None => store.remove(&task_id).await,
                    };
                    match (&result, &snapshot) {
                        (Err(e), _) => {
                            tracing::warn!(checkpoint = %task_id, error = %e, "saving the checkpoint failed");
                        }
                        (Ok(()), Some(cp)) => {
                            written += 1;
                            // the first save says where the checkpoint is; the rest (one per
                            // part at most, coalesced) only at trace
                            if written == 1 {
                                tracing::debug!(checkpoint = %task_id, parts = cp.parts.len(), "checkpoint saved");
                            } else {
                                tracing::trace!(checkpoint = %task_id, parts = cp.parts.len(), "checkpoint saved");
                            }
                        }
                        (Ok(()), None) => {
                            tracing::debug!(checkpoint = %task_id, "checkpoint removed");
                        }
                    }
                    saved = current;
                }
                if closed {
                    break;
                }
            }
            }
            .in_current_span(),
        );
        let keeper = Self {
            id,
            doc,
            version,
            task,
        };
        if has_initial {
            keeper.bump();
        }
        keeper
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    fn edit(&self, f: impl FnOnce(&mut Option<Checkpoint>)) {
        f(&mut self.doc.lock().unwrap_or_else(PoisonError::into_inner));
        self.bump();
    }

    /// A new multipart upload started (first run, or afresh after `NoSuchUpload`).
    pub(crate) fn started(&self, checkpoint: Checkpoint) {
        self.edit(|doc| *doc = Some(checkpoint));
    }

    /// A part was acknowledged.
    pub(crate) fn part_done(&self, part: CheckpointPart) {
        self.edit(|doc| {
            if let Some(cp) = doc {
                match cp.parts.binary_search_by_key(&part.number, |p| p.number) {
                    Ok(i) => cp.parts[i] = part,
                    Err(i) => cp.parts.insert(i, part),
                }
            }
        });
    }

    /// The upload is over and needs no checkpoint (completed, cancelled, aborted).
    pub(crate) fn discard(&self) {
        self.edit(|doc| *doc = None);
    }

    /// The checkpoint id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Writes the last version and stops the writer.
    pub(crate) async fn close(self) {
        drop(self.version);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the checkpoint writer ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{MemoryStore, SourceFingerprint};
    use crate::plan::PartPlan;

    fn cp() -> Checkpoint {
        Checkpoint {
            version: crate::checkpoint::CHECKPOINT_VERSION,
            bucket: "b-1".into(),
            key: "k".into(),
            upload_id: "u".into(),
            plan: PartPlan::with_part_size(3 << 20, 1 << 20).unwrap(),
            source: SourceFingerprint::Bytes {
                len: 3 << 20,
                crc64: 1,
            },
            parts: vec![],
            created_unix: 0,
        }
    }

    #[tokio::test]
    async fn the_last_version_is_flushed_on_close() {
        let store = MemoryStore::new();
        let id = cp().id();
        let keeper = Keeper::start(Arc::new(store.clone()), id.clone(), Some(cp()));
        for n in [3u32, 1, 2, 1] {
            keeper.part_done(CheckpointPart {
                number: n,
                etag: format!("\"{n}\""),
                size: 1 << 20,
                crc64: u64::from(n),
            });
        }
        keeper.close().await;
        let saved = store.load(&id).await.unwrap().unwrap();
        let numbers: Vec<u32> = saved.parts.iter().map(|p| p.number).collect();
        assert_eq!(numbers, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn discard_removes_it() {
        let store = MemoryStore::new();
        let id = cp().id();
        let keeper = Keeper::start(Arc::new(store.clone()), id.clone(), Some(cp()));
        keeper.discard();
        keeper.close().await;
        assert!(store.load(&id).await.unwrap().is_none());
    }
}
