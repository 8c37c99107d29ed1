//! [`ObjectCopy`]: a server-side copy that picks one PUT Object - Copy for a source up to a
//! threshold (5 GiB, COS's limit for it, by default) and a parallel multipart copy above it:
//! Initiate Multipart Upload, Upload Part - Copy of each `x-cos-copy-source-range` with a
//! concurrency limit, Complete Multipart Upload — and Abort when anything fails, so no
//! upload is left behind.
//!
//! The source is read once with HEAD (its size, ETag, CRC64 and metadata); every copy request
//! then carries `x-cos-copy-source-If-Match` with that ETag, so a source replaced mid-copy
//! fails the copy (412 PreconditionFailed) instead of mixing two versions. The copy's CRC64
//! (COS's answer, or the parts' combined) is compared with the source's.

mod multipart;
mod plan;

use cos_model::limits::{MAX_OBJECT_SIZE, MAX_PUT_SIZE, MIB};
use cos_model::ops::{HeadObject, PutObjectCopy};
use cos_model::options::{CopySource, ObjectOptions, Preconditions, StorageClass};
use cos_model::{BucketName, ETag, ObjectKey, UploadId};
use cos_transport::Client;
use tracing::Instrument;

use crate::Error;

/// The default threshold: COS's largest PUT Object - Copy.
pub const DEFAULT_THRESHOLD: u64 = MAX_PUT_SIZE;

/// The default part size of a multipart copy.
pub const DEFAULT_PART_SIZE: u64 = 64 * MIB;

/// The default number of Upload Part - Copy requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What the copy's metadata is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CopyMetadata {
    /// The source's: `x-cos-metadata-directive: Copy` for one request; for a multipart copy
    /// the source's `Content-Type`, `Cache-Control`, `Content-Disposition`,
    /// `Content-Encoding`, `Expires` and `x-cos-meta-*` (from its HEAD) are given to Initiate.
    /// The storage class is not metadata: as COS does, the copy is `STANDARD` unless
    /// [`ObjectCopy::storage_class`] names another.
    #[default]
    Keep,
    /// These headers instead (`x-cos-metadata-directive: Replaced`; for a multipart copy,
    /// given to Initiate). Boxed: the options are large beside `Keep`;
    /// [`CopyMetadata::replace`] builds it.
    Replace(Box<ObjectOptions>),
}

impl CopyMetadata {
    /// [`CopyMetadata::Replace`] with `options`.
    pub fn replace(options: ObjectOptions) -> Self {
        CopyMetadata::Replace(Box::new(options))
    }
}

/// How the copy was made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CopyMethod {
    /// One PUT Object - Copy.
    Single,
    /// A multipart upload of Upload Part - Copy requests.
    Multipart {
        /// The (completed) upload.
        upload_id: UploadId,
        /// How many parts.
        parts: u32,
        /// The part size used.
        part_size: u64,
    },
}

/// A finished copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOutput {
    /// The destination key.
    pub key: ObjectKey,
    /// Bytes copied (the source's size).
    pub size: u64,
    /// The copy's ETag.
    pub etag: ETag,
    /// The copy's CRC64 as COS reported it (checked against the source's when both are
    /// known).
    pub crc64: Option<u64>,
    /// How the copy was made.
    pub method: CopyMethod,
}

/// A server-side copy of an object to a key of the client's bucket.
///
/// ```no_run
/// # async fn demo(client: cos_transport::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use cos_model::ObjectKey;
/// use cos_objects::ObjectCopy;
///
/// let out = ObjectCopy::new(ObjectKey::new("videos/raw.mp4")?, ObjectKey::new("videos/copy.mp4")?)
///     .part_size(128 << 20)
///     .concurrency(16)
///     .run(&client)
///     .await?;
/// println!("{} bytes, {:?}", out.size, out.method);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCopy {
    source_bucket: Option<BucketName>,
    source_key: ObjectKey,
    key: ObjectKey,
    metadata: CopyMetadata,
    storage_class: Option<StorageClass>,
    threshold: u64,
    part_size: u64,
    concurrency: usize,
}

impl ObjectCopy {
    /// Copy `source_key` of the client's bucket to `key`, keeping the metadata.
    pub fn new(source_key: ObjectKey, key: ObjectKey) -> Self {
        Self {
            source_bucket: None,
            source_key,
            key,
            metadata: CopyMetadata::Keep,
            storage_class: None,
            threshold: DEFAULT_THRESHOLD,
            part_size: DEFAULT_PART_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// The source is in this bucket (on the client's endpoint) instead of the client's.
    pub fn source_bucket(mut self, bucket: BucketName) -> Self {
        self.source_bucket = Some(bucket);
        self
    }

    /// Keep the source's metadata or replace it.
    pub fn metadata(mut self, metadata: CopyMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The copy's storage class (`x-cos-storage-class`), whatever the metadata; without it
    /// the copy is `STANDARD`, whatever the source's (COS's rule).
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.storage_class = Some(class);
        self
    }

    /// Sources up to this many bytes are copied with one PUT Object - Copy, larger ones in
    /// parts (at most 5 GiB, COS's limit for one request, which is the default).
    pub fn threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Bytes per part of a multipart copy (1 MiB..=5 GiB; 64 MiB by default). Grown in whole
    /// MiB when 10 000 parts would not hold the source.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Upload Part - Copy requests in flight (8 by default).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    fn check(&self) -> Result<(), Error> {
        let invalid = |option, reason: String| Err(Error::InvalidOption { option, reason });
        if self.threshold > MAX_PUT_SIZE {
            return invalid(
                "threshold",
                format!(
                    "{} is above COS's PUT Object - Copy limit of {MAX_PUT_SIZE} bytes",
                    self.threshold
                ),
            );
        }
        if plan::part_size(0, self.part_size).is_none() {
            return invalid(
                "part_size",
                format!(
                    "{} is outside COS's part sizes, 1 MiB..=5 GiB",
                    self.part_size
                ),
            );
        }
        if self.concurrency == 0 {
            return invalid(
                "concurrency",
                "at least one request must be in flight".into(),
            );
        }
        Ok(())
    }

    /// Copies: HEAD of the source, then one request or a multipart copy.
    pub async fn run(&self, client: &Client) -> Result<CopyOutput, Error> {
        self.check()?;
        let bucket = client.bucket().ok_or(Error::NoBucket)?;
        let source_bucket = self.source_bucket.as_ref().unwrap_or(bucket);
        let span = tracing::info_span!(
            "copy",
            source = %format_args!("{source_bucket}/{}", self.source_key),
            key = %self.key,
        );
        async {
            let head = client
                .with_bucket(source_bucket.clone())
                .execute(&HeadObject::new(self.source_key.clone()))
                .await?;
            let object = || format!("{source_bucket}/{}", self.source_key);
            let size = head
                .content_length
                .ok_or_else(|| Error::SourceSizeUnknown { object: object() })?;
            if size > MAX_OBJECT_SIZE {
                return Err(Error::SourceTooLarge {
                    object: object(),
                    size,
                    max: MAX_OBJECT_SIZE,
                });
            }
            let source = Source {
                copy_source: CopySource::from_endpoint(
                    client.endpoint(),
                    source_bucket,
                    &self.source_key,
                )
                .map_err(Error::Build)?,
                pin: match &head.etag {
                    Some(etag) => Preconditions::new().if_match(etag.clone()),
                    None => Preconditions::new(),
                },
                size,
                crc64: head.crc64,
            };
            let out = if size <= self.threshold || size == 0 {
                self.single(client, &source).await?
            } else {
                self.multipart(client, &source, &head).await?
            };
            tracing::info!(bytes = size, method = ?out.method, "copied");
            Ok(out)
        }
        .instrument(span)
        .await
    }

    /// The options of a request that replaces the metadata (or, with `Keep`, the storage
    /// class alone).
    fn replaced_options(&self) -> Option<ObjectOptions> {
        let mut options = match &self.metadata {
            CopyMetadata::Keep => return None,
            CopyMetadata::Replace(o) => o.as_ref().clone(),
        };
        if let Some(class) = &self.storage_class {
            options.storage_class = Some(class.clone());
        }
        Some(options)
    }

    async fn single(&self, client: &Client, source: &Source) -> Result<CopyOutput, Error> {
        let op = PutObjectCopy::new(self.key.clone(), source.copy_source.clone())
            .source_preconditions(source.pin.clone());
        let op = match self.replaced_options() {
            Some(options) => op.replace_metadata(options),
            None => op.options(ObjectOptions {
                storage_class: self.storage_class.clone(),
                ..ObjectOptions::default()
            }),
        };
        let out = client.execute(&op).await?;
        self.check_crc(source, out.crc64, true)?;
        Ok(CopyOutput {
            key: self.key.clone(),
            size: source.size,
            etag: out.etag,
            crc64: out.crc64,
            method: CopyMethod::Single,
        })
    }

    fn check_crc(
        &self,
        source: &Source,
        copied: Option<u64>,
        completed: bool,
    ) -> Result<(), Error> {
        match (source.crc64, copied) {
            (Some(expected), Some(copied)) if expected != copied => Err(Error::CrcMismatch {
                key: self.key.to_string(),
                expected,
                copied,
                completed,
            }),
            _ => Ok(()),
        }
    }
}

/// What every copy request needs to know about the source.
struct Source {
    copy_source: CopySource,
    /// `x-cos-copy-source-If-Match` with the ETag of the HEAD.
    pin: Preconditions,
    size: u64,
    crc64: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_before_anything_is_sent() {
        let k = || ObjectKey::new("k").unwrap();
        assert!(ObjectCopy::new(k(), k()).check().is_ok());
        for (copy, option) in [
            (
                ObjectCopy::new(k(), k()).threshold(MAX_PUT_SIZE + 1),
                "threshold",
            ),
            (ObjectCopy::new(k(), k()).part_size(MIB - 1), "part_size"),
            (ObjectCopy::new(k(), k()).concurrency(0), "concurrency"),
        ] {
            assert!(
                matches!(copy.check(), Err(Error::InvalidOption { option: o, .. }) if o == option),
                "{option}"
            );
        }
    }
}
