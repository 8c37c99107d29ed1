//! Leaves real COS as the case found it: deletes the objects under the case's prefix and
//! aborts its unfinished multipart uploads.

use cos_model::ops::{AbortMultipartUpload, DeleteObject, GetBucket, ListMultipartUploads};
use cos_model::{ObjectKey, UploadId};
use cos_transport::Client;

use crate::SuiteError;
use crate::error::Context as _;

/// Deletes every object and aborts every upload whose key starts with `prefix`.
pub async fn under_prefix(client: &Client, prefix: &str) -> Result<(), SuiteError> {
    let mut marker = None;
    loop {
        let mut list = GetBucket::new().prefix(prefix);
        if let Some(m) = marker.take() {
            list = list.marker(m);
        }
        let page = client.execute(&list).await.context("listing for cleanup")?;
        for object in &page.contents {
            let key = ObjectKey::new(object.key.clone())
                .map_err(|e| SuiteError::setup(format!("listed key {:?}: {e}", object.key)))?;
            client
                .execute(&DeleteObject::new(key))
                .await
                .context("deleting for cleanup")?;
        }
        match page.next_page() {
            Some(next) if page.is_truncated => marker = Some(next),
            _ => break,
        }
    }
    let uploads = client
        .execute(&ListMultipartUploads::new().prefix(prefix))
        .await
        .context("listing uploads for cleanup")?;
    for upload in &uploads.uploads {
        let key = ObjectKey::new(upload.key.clone())
            .map_err(|e| SuiteError::setup(format!("listed key {:?}: {e}", upload.key)))?;
        let id = UploadId::new(upload.upload_id.clone())
            .map_err(|e| SuiteError::setup(format!("listed upload id: {e}")))?;
        client
            .execute(&AbortMultipartUpload::new(key, id))
            .await
            .context("aborting for cleanup")?;
    }
    Ok(())
}
