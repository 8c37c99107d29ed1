//! A queue for many files: at most N files at a time, their parts within the uploader's shared
//! part and byte limits, one result per file; one failing file does not stop the others.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::driver::{self, Control, UploadSummary};
use crate::error::UploadError;
use crate::progress::Progress;
use crate::uploader::{UploadRequest, Uploader};

/// The result of one queued upload.
#[derive(Debug)]
pub struct QueueResult {
    /// The order in which it was pushed (0-based).
    pub index: usize,
    /// The object key.
    pub key: String,
    /// How it ended.
    pub result: Result<UploadSummary, UploadError>,
}

/// See the module documentation. Uploads start as soon as they are pushed (within the file
/// limit); dropping the queue detaches the uploads still running.
pub struct UploadQueue {
    uploader: Uploader,
    files: Arc<Semaphore>,
    control: watch::Sender<Control>,
    tasks: JoinSet<QueueResult>,
    ids: HashMap<tokio::task::Id, (usize, String)>,
    pushed: usize,
}

impl std::fmt::Debug for UploadQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadQueue")
            .field("pushed", &self.pushed)
            .field("running_or_waiting", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl UploadQueue {
    /// A queue running at most `files_in_flight` uploads at once through `uploader`.
    pub fn new(uploader: &Uploader, files_in_flight: usize) -> Self {
        Self {
            uploader: uploader.clone(),
            files: Arc::new(Semaphore::new(
                files_in_flight.clamp(1, Semaphore::MAX_PERMITS),
            )),
            control: watch::channel(Control::Run).0,
            tasks: JoinSet::new(),
            ids: HashMap::new(),
            pushed: 0,
        }
    }

    /// Queues an upload; returns its index.
    ///
    /// # Panics
    /// Outside a tokio runtime (like `tokio::spawn`).
    pub fn push(&mut self, request: UploadRequest) -> usize {
        let index = self.pushed;
        self.pushed += 1;
        let key = request.key().as_str().to_owned();
        let files = self.files.clone();
        let mut control = self.control.subscribe();
        let uploader = self.uploader.clone();
        let task_key = key.clone();
        let handle = self.tasks.spawn(async move {
            let permit = tokio::select! {
                p = files.acquire_owned() => p.ok(),
                _ = control.wait_for(|c| *c != Control::Run) => None,
            };
            let stopped = *control.borrow();
            let result = match (permit, stopped) {
                (_, Control::Cancel) => Err(UploadError::Cancelled { upload_id: None }),
                (_, Control::Pause) => Err(UploadError::Paused { upload_id: None }),
                (_, Control::Run) => {
                    let (progress, _) = watch::channel(Progress::default());
                    driver::run(uploader.job(request, control, progress)).await
                }
            };
            QueueResult {
                index,
                key: task_key,
                result,
            }
        });
        self.ids.insert(handle.id(), (index, key));
        index
    }

    /// Uploads pushed and not yet returned by [`next`](Self::next).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether every pushed upload's result has been returned.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Pauses every upload, running or waiting (each ends with [`UploadError::Paused`]).
    pub fn pause_all(&self) {
        self.control.send_if_modified(|c| {
            if *c == Control::Run {
                *c = Control::Pause;
                true
            } else {
                false
            }
        });
    }

    /// Cancels every upload, running or waiting.
    pub fn cancel_all(&self) {
        self.control.send_replace(Control::Cancel);
    }

    /// The next result to finish, `None` when all are returned.
    pub async fn next(&mut self) -> Option<QueueResult> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(match joined {
            Ok((id, r)) => {
                self.ids.remove(&id);
                r
            }
            Err(e) => {
                let (index, key) = self.ids.remove(&e.id()).unwrap_or_default();
                QueueResult {
                    index,
                    key,
                    result: Err(UploadError::TaskLost),
                }
            }
        })
    }

    /// Waits for every upload; results in push order.
    pub async fn join_all(mut self) -> Vec<QueueResult> {
        let mut all = Vec::with_capacity(self.tasks.len());
        while let Some(r) = self.next().await {
            all.push(r);
        }
        all.sort_by_key(|r| r.index);
        all
    }
}
