//! The multipart path of [`ObjectCopy`]: Initiate Multipart Upload (with the source's
//! metadata, from its HEAD, or the replacing options), Upload Part - Copy of each range with
//! a concurrency limit, the parts' CRC64s combined and compared with the source's before
//! Complete, and Abort on any failure — also when the copy's future is dropped.

use std::collections::BTreeMap;

use cos_model::crc64;
use cos_model::ops::{
    AbortMultipartUpload, CompleteMultipartUpload, CompletedParts, InitiateMultipartUpload,
    ObjectMetadata, UploadPartCopy,
};
use cos_model::options::ObjectOptions;
use cos_model::{ErrorCode, ObjectKey, PartNumber, UploadId};
use cos_transport::Client;
use futures_util::stream::{self, StreamExt};

use super::{CopyMethod, CopyOutput, ObjectCopy, Source, plan};
use crate::Error;

impl ObjectCopy {
    /// Copies `source` (of size > 0) in parts.
    pub(super) async fn multipart(
        &self,
        client: &Client,
        source: &Source,
        head: &ObjectMetadata,
    ) -> Result<CopyOutput, Error> {
        let Some(part_size) = plan::part_size(source.size, self.part_size) else {
            return Err(Error::InvalidOption {
                option: "part_size",
                reason: format!("{} is outside 1 MiB..=5 GiB", self.part_size),
            });
        };
        let options = self.replaced_options().unwrap_or_else(|| ObjectOptions {
            storage_class: self.storage_class.clone(),
            ..kept_options(head)
        });
        let upload_id = client
            .execute(&InitiateMultipartUpload::new(self.key.clone()).options(options))
            .await?
            .upload_id;
        tracing::debug!(upload_id = %upload_id, part_size, "multipart copy initiated");
        let mut guard = AbortGuard {
            armed: Some((client.clone(), self.key.clone(), upload_id.clone())),
        };
        let parts = plan::parts(source.size, part_size);
        let count = parts.len() as u32;
        let completed = match self.copy_parts(client, source, &upload_id, parts).await {
            Ok(c) => c,
            Err(cause) => return Err(self.abort(client, &mut guard, &upload_id, cause).await),
        };
        if let Err(cause) = self.check_crc(source, completed.crc64, false) {
            return Err(self.abort(client, &mut guard, &upload_id, cause).await);
        }
        let done = client
            .execute(&CompleteMultipartUpload::new(
                self.key.clone(),
                upload_id.clone(),
                completed.parts,
            ))
            .await;
        let out = match done {
            Ok(out) => out,
            Err(e) => return Err(self.abort(client, &mut guard, &upload_id, e.into()).await),
        };
        guard.armed = None;
        self.check_crc(source, out.crc64, true)?;
        Ok(CopyOutput {
            key: self.key.clone(),
            size: source.size,
            etag: out.etag,
            crc64: out.crc64.or(completed.crc64),
            method: CopyMethod::Multipart {
                upload_id,
                parts: count,
                part_size,
            },
        })
    }

    /// Copies the parts, `concurrency` at a time; the first failure stops the others
    /// (their requests are dropped) and is returned.
    async fn copy_parts(
        &self,
        client: &Client,
        source: &Source,
        upload_id: &UploadId,
        parts: Vec<plan::PartRange>,
    ) -> Result<Completed, Error> {
        let mut results = stream::iter(parts)
            .map(|part| {
                let op = UploadPartCopy::new(
                    self.key.clone(),
                    upload_id.clone(),
                    part.number,
                    source.copy_source.clone(),
                )
                .source_range(part.range())
                .source_preconditions(source.pin.clone());
                async move {
                    let out = client.execute(&op).await?;
                    Ok::<_, Error>((part, out))
                }
            })
            .buffer_unordered(self.concurrency);
        let mut etags = CompletedParts::new();
        let mut crcs: BTreeMap<PartNumber, (Option<u64>, u64)> = BTreeMap::new();
        while let Some(result) = results.next().await {
            let (part, out) = result?;
            tracing::debug!(part = part.number.get(), bytes = part.len, "part copied");
            etags.insert(part.number, out.etag);
            crcs.insert(part.number, (out.crc64, part.len));
        }
        Ok(Completed {
            parts: etags,
            crc64: combined_crc(crcs.into_values()),
        })
    }

    /// Aborts the upload after `cause`; the error to report.
    async fn abort(
        &self,
        client: &Client,
        guard: &mut AbortGuard,
        upload_id: &UploadId,
        cause: Error,
    ) -> Error {
        let abort = AbortMultipartUpload::new(self.key.clone(), upload_id.clone());
        let result = client.execute(&abort).await;
        // disarmed only now: a copy dropped while its Abort is in flight still aborts
        guard.armed = None;
        match result {
            Ok(_) => {
                tracing::info!(upload_id = %upload_id, "multipart copy aborted");
                cause
            }
            // Gone already (a Complete that took effect after all, or aborted elsewhere).
            Err(e) if e.cos().is_some_and(|c| c.code == ErrorCode::NoSuchUpload) => cause,
            Err(e) => Error::AbortFailed {
                key: self.key.to_string(),
                upload_id: upload_id.clone(),
                cause: Box::new(cause),
                abort_error: Box::new(e),
            },
        }
    }
}

/// The copied parts.
struct Completed {
    parts: CompletedParts,
    /// The parts' CRC64s combined, when COS gave every one.
    crc64: Option<u64>,
}

/// The CRC64 of the concatenation of parts given as (CRC64, length) in order; `None` if one
/// is unknown.
fn combined_crc(parts: impl IntoIterator<Item = (Option<u64>, u64)>) -> Option<u64> {
    parts
        .into_iter()
        .try_fold(0u64, |acc, (crc, len)| Some(crc64::combine(acc, crc?, len)))
}

/// The metadata of the source (from its HEAD) that a multipart copy gives to Initiate when
/// the metadata is kept.
fn kept_options(head: &ObjectMetadata) -> ObjectOptions {
    ObjectOptions {
        content_type: head.content_type.clone(),
        cache_control: head.cache_control.clone(),
        content_disposition: head.content_disposition.clone(),
        content_encoding: head.content_encoding.clone(),
        expires: head.expires.clone(),
        metadata: head.user_metadata.clone(),
        ..ObjectOptions::default()
    }
}

/// Aborts the multipart upload if the copy's future is dropped before it finished (a
/// caller's timeout, a cancelled task), on the runtime the copy ran on.
struct AbortGuard {
    armed: Option<(Client, ObjectKey, UploadId)>,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let Some((client, key, upload_id)) = self.armed.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let abort = AbortMultipartUpload::new(key, upload_id.clone());
                    if let Err(e) = client.execute(&abort).await {
                        tracing::warn!(upload_id = %upload_id, error = %e, "aborting a dropped multipart copy failed");
                    }
                });
            }
            Err(_) => {
                tracing::warn!(upload_id = %upload_id, "a multipart copy was dropped outside a runtime; its upload is left");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CopyMetadata;
    use cos_model::crc64::crc64 as crc;
    use cos_model::options::StorageClass;

    #[test]
    fn crc_of_parts() {
        let data = b"the quick brown fox jumps over the lazy dog";
        let parts = data.chunks(10).map(|c| (Some(crc(c)), c.len() as u64));
        assert_eq!(combined_crc(parts), Some(crc(data)));
        assert_eq!(combined_crc([(Some(1), 1), (None, 1)]), None);
    }

    #[test]
    fn kept_metadata() {
        let head = ObjectMetadata {
            content_type: Some("image/png".into()),
            cache_control: Some("no-cache".into()),
            user_metadata: vec![("colour".into(), "blue".into())],
            storage_class: Some(StorageClass::StandardIa),
            ..ObjectMetadata::default()
        };
        let o = kept_options(&head);
        assert_eq!(o.content_type.as_deref(), Some("image/png"));
        assert_eq!(o.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(o.metadata, head.user_metadata);
        assert_eq!(o.storage_class, None);
        let replaced = ObjectCopy::new(ObjectKey::new("a").unwrap(), ObjectKey::new("b").unwrap())
            .metadata(CopyMetadata::replace(
                ObjectOptions::new().content_type("text/plain"),
            ))
            .storage_class(StorageClass::Archive)
            .replaced_options()
            .unwrap();
        assert_eq!(replaced.storage_class, Some(StorageClass::Archive));
        assert_eq!(replaced.content_type.as_deref(), Some("text/plain"));
    }
}
