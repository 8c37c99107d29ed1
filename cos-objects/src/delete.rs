//! [`DeleteByPrefix`]: deletes every object under a prefix with DeleteMultipleObjects, one
//! batch (≤ 1000 keys, COS's limit) per listing page, so memory holds one page whatever the
//! number of objects. Keys COS refuses are reported one by one ([`DeleteFailure`]) and the
//! run goes on; a dry run lists the same batches and deletes nothing.

use std::collections::HashSet;

use cos_model::ops::{DeleteMultipleObjects, ObjectSummary};
use cos_model::{ErrorCode, NameError, ObjectKey};
use cos_transport::Client;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tracing::Instrument;

use crate::Error;
use crate::listing::{MAX_PAGE_SIZE, ObjectListing, check_page_size};

/// Why one key was not deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteFailureReason {
    /// COS refused it (an `<Error>` of the DeleteMultipleObjects answer).
    #[error("{code}: {message}")]
    Cos {
        /// COS's code (`AccessDenied`, `PathConflict`, …).
        code: ErrorCode,
        /// COS's message.
        message: String,
    },
    /// The listed key is not one a request can name; it was not sent.
    #[error(transparent)]
    InvalidKey(NameError),
}

/// A key that was not deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key:?}: {reason}")]
pub struct DeleteFailure {
    /// The key.
    pub key: String,
    /// Why.
    pub reason: DeleteFailureReason,
}

/// What one batch did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteBatch {
    /// The keys deleted, or in a dry run the keys that would be.
    pub deleted: Vec<ObjectKey>,
    /// The keys that were not deleted.
    pub failed: Vec<DeleteFailure>,
}

/// What a whole run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteSummary {
    /// Whether this was a dry run (nothing was deleted; `deleted` counts what would be).
    pub dry_run: bool,
    /// How many keys were deleted (or would be).
    pub deleted: u64,
    /// The keys that were not deleted.
    pub failed: Vec<DeleteFailure>,
    /// How many batches (DeleteMultipleObjects requests, or listing pages in a dry run).
    pub batches: u64,
}

impl DeleteSummary {
    /// Whether every listed key was deleted (or would be).
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Deletes every object whose key starts with a prefix.
///
/// ```no_run
/// # async fn demo(client: cos_transport::Client) -> Result<(), cos_objects::Error> {
/// use cos_objects::DeleteByPrefix;
///
/// let plan = DeleteByPrefix::new("logs/2024/").dry_run(true).run(&client).await?;
/// println!("would delete {} objects", plan.deleted);
/// let done = DeleteByPrefix::new("logs/2024/").run(&client).await?;
/// for failure in &done.failed {
///     eprintln!("not deleted: {failure}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteByPrefix {
    prefix: String,
    whole_bucket: bool,
    dry_run: bool,
    batch_size: u32,
    batches_in_flight: usize,
}

impl DeleteByPrefix {
    /// Every object under `prefix`. An empty prefix is refused when run (it would empty the
    /// bucket): say [`whole_bucket`](Self::whole_bucket) for that.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            whole_bucket: false,
            dry_run: false,
            batch_size: MAX_PAGE_SIZE,
            batches_in_flight: 2,
        }
    }

    /// Every object of the bucket.
    pub fn whole_bucket() -> Self {
        Self {
            whole_bucket: true,
            ..Self::new("")
        }
    }

    /// List what would be deleted and delete nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Keys per DeleteMultipleObjects request (1..=1000, COS's limit; 1000 by default).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n;
        self
    }

    /// DeleteMultipleObjects requests in flight (2 by default: the next page is listed while
    /// the one before is deleted). Each holds one page of keys in memory.
    pub fn batches_in_flight(mut self, n: usize) -> Self {
        self.batches_in_flight = n;
        self
    }

    fn listing(&self) -> Result<ObjectListing, Error> {
        if self.batches_in_flight == 0 {
            return Err(Error::InvalidOption {
                option: "batches_in_flight",
                reason: "at least one batch must be in flight".to_owned(),
            });
        }
        if self.prefix.is_empty() && !self.whole_bucket {
            return Err(Error::InvalidOption {
                option: "prefix",
                reason:
                    "an empty prefix deletes the whole bucket; use DeleteByPrefix::whole_bucket()"
                        .to_owned(),
            });
        }
        Ok(ObjectListing::new()
            .prefix(self.prefix.as_str())
            .page_size(check_page_size("batch_size", self.batch_size)?))
    }

    /// The batches in listing order: each listing page is deleted (unless this is a dry run)
    /// while the next pages are listed, up to `batches_in_flight` at a time (a page's keys
    /// all sort before the next page's marker, so deleting them does not change what the
    /// next page lists). A failed request ends the stream with its error; keys COS refuses
    /// one by one are in the batch's `failed`.
    pub fn batches(&self, client: &Client) -> BoxStream<'static, Result<DeleteBatch, Error>> {
        let listing = match self.listing() {
            Ok(l) => l,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let (dry_run, in_flight) = (self.dry_run, self.batches_in_flight);
        let client = client.clone();
        listing
            .pages(&client)
            .map_ok(move |page| {
                let client = client.clone();
                async move { delete_batch(&client, page.contents, dry_run).await }
            })
            .try_buffered(in_flight)
            .boxed()
    }

    /// Runs every batch and sums them up.
    pub async fn run(&self, client: &Client) -> Result<DeleteSummary, Error> {
        let span =
            tracing::info_span!("delete_by_prefix", prefix = %self.prefix, dry_run = self.dry_run);
        async {
            let mut summary = DeleteSummary {
                dry_run: self.dry_run,
                ..DeleteSummary::default()
            };
            let mut batches = self.batches(client);
            while let Some(batch) = batches.try_next().await? {
                summary.batches += 1;
                summary.deleted += batch.deleted.len() as u64;
                summary.failed.extend(batch.failed);
            }
            tracing::info!(
                deleted = summary.deleted,
                failed = summary.failed.len(),
                batches = summary.batches,
                "delete by prefix finished"
            );
            Ok(summary)
        }
        .instrument(span)
        .await
    }
}

/// Deletes one page of listed objects (or, in a dry run, only sorts out the keys that could
/// not be sent).
async fn delete_batch(
    client: &Client,
    objects: Vec<ObjectSummary>,
    dry_run: bool,
) -> Result<DeleteBatch, Error> {
    let mut batch = DeleteBatch::default();
    let mut keys = Vec::with_capacity(objects.len());
    for o in objects {
        match ObjectKey::new(o.key.as_str()) {
            Ok(k) => keys.push(k),
            Err(e) => batch.failed.push(DeleteFailure {
                key: o.key,
                reason: DeleteFailureReason::InvalidKey(e),
            }),
        }
    }
    if dry_run || keys.is_empty() {
        batch.deleted = keys;
        return Ok(batch);
    }
    // Quiet: COS lists only the failures, the rest of the batch was deleted.
    let answer = client
        .execute(&DeleteMultipleObjects::new(keys.iter().cloned()).quiet(true))
        .await?;
    let refused: HashSet<&str> = answer.errors.iter().map(|e| e.key.as_str()).collect();
    batch.deleted = keys
        .into_iter()
        .filter(|k| !refused.contains(k.as_str()))
        .collect();
    batch
        .failed
        .extend(answer.errors.into_iter().map(|e| DeleteFailure {
            reason: DeleteFailureReason::Cos {
                code: e.error_code(),
                message: e.message,
            },
            key: e.key,
        }));
    tracing::debug!(
        deleted = batch.deleted.len(),
        failed = batch.failed.len(),
        "batch deleted"
    );
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_prefix_needs_whole_bucket() {
        assert!(matches!(
            DeleteByPrefix::new("").listing(),
            Err(Error::InvalidOption {
                option: "prefix",
                ..
            })
        ));
        assert_eq!(
            DeleteByPrefix::whole_bucket().listing().unwrap(),
            ObjectListing::new()
        );
        assert!(
            DeleteByPrefix::new("a/")
                .batch_size(1001)
                .listing()
                .is_err()
        );
        assert_eq!(
            DeleteByPrefix::new("a/").batch_size(10).listing().unwrap(),
            ObjectListing::new().prefix("a/").page_size(10)
        );
    }

    #[test]
    fn failures_read_in_one_line() {
        let f = DeleteFailure {
            key: "a b".into(),
            reason: DeleteFailureReason::Cos {
                code: ErrorCode::AccessDenied,
                message: "Access Denied.".into(),
            },
        };
        assert_eq!(f.to_string(), "\"a b\": AccessDenied: Access Denied.");
    }
}
