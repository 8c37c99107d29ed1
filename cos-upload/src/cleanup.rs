//! Orphan clean-up: abort the incomplete multipart uploads under a prefix that are older than
//! a given age (interrupted runs leave them behind, and their parts are billed).

use std::time::{Duration, SystemTime};

use cos_model::ObjectKey;

use crate::api::{ListedUpload, list_all_uploads};
use crate::call_error::{CallError, CallErrorKind};
use crate::error::{CallKind, UploadError};
use crate::uploader::Uploader;

/// What a clean-up did.
#[derive(Debug, Default)]
pub struct CleanupReport {
    /// Uploads aborted.
    pub aborted: Vec<ListedUpload>,
    /// Uploads kept: younger than the age, or of unknown age.
    pub kept: Vec<ListedUpload>,
    /// Uploads whose abort failed.
    pub failed: Vec<(ListedUpload, CallError)>,
}

/// Which listed uploads are older than `older_than` at `now` (an unknown age is never old).
pub fn is_orphan(upload: &ListedUpload, older_than: Duration, now: SystemTime) -> bool {
    upload
        .initiated
        .and_then(|t| now.duration_since(t).ok())
        .is_some_and(|age| age >= older_than)
}

impl Uploader {
    /// Aborts the incomplete multipart uploads under `prefix` initiated at least `older_than`
    /// ago.
    pub async fn abort_incomplete(
        &self,
        prefix: &str,
        older_than: Duration,
    ) -> Result<CleanupReport, UploadError> {
        self.abort_incomplete_at(prefix, older_than, SystemTime::now())
            .await
    }

    /// [`abort_incomplete`](Self::abort_incomplete) with an explicit `now`.
    pub async fn abort_incomplete_at(
        &self,
        prefix: &str,
        older_than: Duration,
        now: SystemTime,
    ) -> Result<CleanupReport, UploadError> {
        let api = self.api();
        let uploads = list_all_uploads(api.as_ref(), prefix)
            .await
            .map_err(|error| UploadError::Call {
                call: CallKind::ListUploads,
                part: None,
                error,
            })?;
        let mut report = CleanupReport::default();
        for upload in uploads {
            if !upload.key.starts_with(prefix) || !is_orphan(&upload, older_than, now) {
                report.kept.push(upload);
                continue;
            }
            let key = match ObjectKey::new(&upload.key) {
                Ok(k) => k,
                Err(e) => {
                    let err = CallError::new(
                        CallErrorKind::Failed,
                        format!("listed key {:?} cannot be addressed: {e}", upload.key),
                    );
                    report.failed.push((upload, err));
                    continue;
                }
            };
            match api.abort(&key, &upload.upload_id).await {
                Ok(()) => report.aborted.push(upload),
                Err(e) if e.kind() == CallErrorKind::NoSuchUpload => report.aborted.push(upload),
                Err(e) => report.failed.push((upload, e)),
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn age_decides() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        let at = |s: Option<u64>| ListedUpload {
            key: "k".into(),
            upload_id: cos_model::UploadId::new("u").unwrap(),
            initiated: s.map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        };
        let day = Duration::from_secs(1000);
        assert!(is_orphan(&at(Some(9_000)), day, now));
        assert!(!is_orphan(&at(Some(9_001)), day, now));
        assert!(!is_orphan(&at(Some(20_000)), day, now));
        assert!(!is_orphan(&at(None), day, now));
    }
}
