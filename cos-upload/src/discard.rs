//! Discarding a resumable upload for good: the multipart upload a checkpoint names is aborted
//! and the checkpoint removed, so a paused or failed upload that will never be resumed leaves
//! nothing billed behind. The checkpoint is found the way an upload finds it (bucket, key and
//! the source's identity), so callers never rebuild checkpoint ids themselves.

use std::future::Future;

use cos_model::{ObjectKey, UploadId};

use crate::api::CosApi;
use crate::call_error::CallErrorKind;
use crate::checkpoint::checkpoint_id;
use crate::error::{CallKind, UploadError};
use crate::source::Source;
use crate::uploader::Uploader;

impl Uploader {
    /// Aborts the multipart upload that the checkpoint of `source` → `key` on `api`'s bucket
    /// records, and removes the checkpoint. Returns the aborted upload's id, or `None` when
    /// there was nothing to discard (no store, no checkpoint, a stream). An upload COS no
    /// longer has counts as aborted. When the abort fails the checkpoint is kept, so a later
    /// discard (or resume) still finds the upload.
    pub fn discard<'a>(
        &'a self,
        api: &'a dyn CosApi,
        key: &'a ObjectKey,
        source: &Source,
    ) -> impl Future<Output = Result<Option<UploadId>, UploadError>> + Send + 'a {
        let identity = source.identity();
        async move {
            let (Some(store), Some(bucket), Some(identity)) =
                (self.checkpoint_store(), api.bucket(), identity.await)
            else {
                return Ok(None);
            };
            self.discard_checkpoint(
                api,
                key,
                store,
                &checkpoint_id(bucket.as_str(), key.as_str(), &identity),
            )
            .await
        }
    }

    async fn discard_checkpoint(
        &self,
        api: &dyn CosApi,
        key: &ObjectKey,
        store: &std::sync::Arc<dyn crate::CheckpointStore>,
        id: &str,
    ) -> Result<Option<UploadId>, UploadError> {
        let checkpoint = store
            .load(id)
            .await
            .map_err(|e| UploadError::Checkpoint(e.to_string()))?;
        let Some(checkpoint) = checkpoint else {
            return Ok(None);
        };
        let upload_id = match checkpoint.upload_id() {
            Ok(u) => u,
            Err(e) => {
                // nothing on COS can be named by it: the checkpoint alone goes
                tracing::warn!(checkpoint = %id, error = %e, "removing a checkpoint with a bad upload id");
                store
                    .remove(id)
                    .await
                    .map_err(|e| UploadError::Checkpoint(e.to_string()))?;
                return Ok(None);
            }
        };
        match api.abort(key, &upload_id).await {
            Ok(()) => {}
            Err(e) if e.kind() == CallErrorKind::NoSuchUpload => {}
            Err(error) => {
                return Err(UploadError::Call {
                    call: CallKind::Abort,
                    part: None,
                    error,
                });
            }
        }
        tracing::info!(%upload_id, key = key.as_str(), "discarded a resumable upload");
        store
            .remove(id)
            .await
            .map_err(|e| UploadError::Checkpoint(e.to_string()))?;
        Ok(Some(upload_id))
    }
}
