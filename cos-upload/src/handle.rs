//! The handle of a running upload: progress (watch channel, stream, callback), pause, cancel,
//! and awaiting the result.
//!
//! Dropping an [`UploadHandle`] does **not** stop the upload: like a `tokio::task::JoinHandle`
//! it detaches it, and the upload runs to its end in the background (its checkpoint is written
//! as usual; its result is lost). Call [`UploadHandle::pause`] or [`UploadHandle::cancel`]
//! first to stop it. If the tokio runtime shuts down, in-flight requests simply stop; a
//! multipart upload is then left on COS with its checkpoint, and a later run resumes it.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures_util::Stream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::driver::{Control, UploadSummary};
use crate::error::UploadError;
use crate::progress::Progress;

/// A running upload. See the module documentation for what dropping it does.
#[derive(Debug)]
pub struct UploadHandle {
    key: String,
    control: watch::Sender<Control>,
    progress: watch::Receiver<Progress>,
    task: JoinHandle<Result<UploadSummary, UploadError>>,
}

impl UploadHandle {
    pub(crate) fn new(
        key: String,
        control: watch::Sender<Control>,
        progress: watch::Receiver<Progress>,
        task: JoinHandle<Result<UploadSummary, UploadError>>,
    ) -> Self {
        Self {
            key,
            control,
            progress,
            task,
        }
    }

    /// The object key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Pauses: parts in flight stop at once, the multipart upload and its checkpoint are kept,
    /// and the result is [`UploadError::Paused`]. Uploading the same source to the same key
    /// again (with the same checkpoint store) resumes it.
    pub fn pause(&self) {
        self.control.send_if_modified(|c| {
            if *c == Control::Run {
                *c = Control::Pause;
                true
            } else {
                false
            }
        });
    }

    /// Cancels: parts in flight stop, the multipart upload is aborted (under its own short
    /// deadline, retried a few times) and its checkpoint removed. The result is
    /// [`UploadError::Cancelled`], or [`UploadError::AbortFailed`] naming the upload id left
    /// on COS. A Complete already sent cannot be recalled: if it succeeds, so does the upload.
    pub fn cancel(&self) {
        self.control.send_replace(Control::Cancel);
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// A watch receiver of progress (throttled by the uploader's progress interval).
    pub fn progress_watch(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }

    /// Progress as a stream: the current value, then every update, ending after the final one.
    pub fn progress_stream(&self) -> impl Stream<Item = Progress> + Send + 'static {
        let rx = self.progress.clone();
        futures_util::stream::unfold((rx, true, false), |(mut rx, first, done)| async move {
            if done {
                return None;
            }
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let p = *rx.borrow_and_update();
            Some((p, (rx, false, p.finished)))
        })
    }

    /// Waits for the result.
    pub async fn join(self) -> Result<UploadSummary, UploadError> {
        match self.task.await {
            Ok(r) => r,
            Err(_) => Err(UploadError::TaskLost),
        }
    }

    /// Cancels and waits for the abort to finish.
    pub async fn cancel_and_join(self) -> Result<UploadSummary, UploadError> {
        self.cancel();
        self.join().await
    }

    /// Pauses and waits until the parts in flight have stopped and the checkpoint is written.
    pub async fn pause_and_join(self) -> Result<UploadSummary, UploadError> {
        self.pause();
        self.join().await
    }
}

impl IntoFuture for UploadHandle {
    type Output = Result<UploadSummary, UploadError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.join())
    }
}
