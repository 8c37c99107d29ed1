//! `VodListener`: callbacks named after the familiar SDK's (`onUploadstarted`,
//! `onUploadSucceed`, …), driven by a task that consumes an event stream, so no lock is
//! held while they run and they may call back into the list.

use std::future::Future;

use crate::event::{CancelReason, FileRef, ListCounts, UploadResult, VodEvent};
use crate::failure::FailureInfo;
use crate::state::FileState;
use crate::stream::EventStream;

/// Callbacks for the list's events; every method has a default that does nothing.
/// Methods are awaited one at a time, in event order.
pub trait VodListener: Send + Sync + 'static {
    /// `addFileSuccess`: a file joined the list.
    fn on_add_file_success(&self, file: FileRef, size: u64) -> impl Future<Output = ()> + Send {
        let _ = (file, size);
        async {}
    }

    /// A file came back from the state file after a restart (no familiar equivalent): a UI
    /// rebuilds its row from this, keyed by the same id as before.
    fn on_file_restored(
        &self,
        file: FileRef,
        state: FileState,
        bytes_done: u64,
        size: u64,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, state, bytes_done, size);
        async {}
    }

    /// `onUploadstarted`: a file was scheduled; when `needs_auth`, push its credentials
    /// with `set_upload_auth_and_address` or `set_sts_token`.
    fn on_upload_started(
        &self,
        file: FileRef,
        needs_auth: bool,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, needs_auth);
        async {}
    }

    /// `onUploadProgress`: bytes acknowledged (`fraction` in `0..=1`, speed in bytes/s).
    fn on_upload_progress(
        &self,
        file: FileRef,
        bytes_done: u64,
        bytes_total: u64,
        fraction: f64,
        speed: f64,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, bytes_done, bytes_total, fraction, speed);
        async {}
    }

    /// `onUploadTokenExpired`: the file waits for `resume_upload_with_auth` /
    /// `resume_upload_with_sts_token`.
    fn on_upload_token_expired(&self, file: FileRef) -> impl Future<Output = ()> + Send {
        let _ = file;
        async {}
    }

    /// The file was paused (the familiar SDK reports this as `onUploadCanceled`).
    fn on_upload_paused(&self, file: FileRef) -> impl Future<Output = ()> + Send {
        let _ = file;
        async {}
    }

    /// `onUploadCanceled`: the file was canceled or removed.
    fn on_upload_canceled(
        &self,
        file: FileRef,
        reason: CancelReason,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, reason);
        async {}
    }

    /// `onUploadSucceed`: the file is stored.
    fn on_upload_succeed(
        &self,
        file: FileRef,
        result: UploadResult,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, result);
        async {}
    }

    /// `onUploadFailed`: the upload failed (COS code, message, request id).
    fn on_upload_failed(
        &self,
        file: FileRef,
        error: FailureInfo,
    ) -> impl Future<Output = ()> + Send {
        let _ = (file, error);
        async {}
    }

    /// `onUploadEnd`: the run drained (always called, even when the last file failed).
    fn on_upload_end(&self, counts: ListCounts) -> impl Future<Output = ()> + Send {
        let _ = counts;
        async {}
    }
}

/// Feeds every event of `events` to `listener`, in order, until the stream ends.
pub(crate) async fn dispatch<L: VodListener>(mut events: EventStream, listener: L) {
    while let Some(event) = events.recv().await {
        let fraction = event.fraction();
        match event {
            VodEvent::FileAdded { file, size } => listener.on_add_file_success(file, size).await,
            VodEvent::Restored {
                file,
                size,
                state,
                bytes_done,
                ..
            } => {
                listener
                    .on_file_restored(file, state, bytes_done, size)
                    .await
            }
            VodEvent::UploadStarted { file, needs_auth } => {
                listener.on_upload_started(file, needs_auth).await
            }
            VodEvent::Progress {
                file,
                bytes_done,
                bytes_total,
                speed,
                ..
            } => {
                listener
                    .on_upload_progress(
                        file,
                        bytes_done,
                        bytes_total,
                        fraction.unwrap_or(0.0),
                        speed,
                    )
                    .await
            }
            VodEvent::TokenExpired { file } => listener.on_upload_token_expired(file).await,
            VodEvent::Paused { file } => listener.on_upload_paused(file).await,
            VodEvent::Canceled { file, reason } => listener.on_upload_canceled(file, reason).await,
            VodEvent::Succeeded { file, result } => listener.on_upload_succeed(file, result).await,
            VodEvent::Failed { file, error } => listener.on_upload_failed(file, error).await,
            VodEvent::ListEnded { counts } => listener.on_upload_end(counts).await,
        }
    }
}
