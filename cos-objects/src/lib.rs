//! Object operations that take more than one request, on cos-transport's `Client` (whose
//! `execute` is the one retry layer) and in cos-model's types:
//!
//! - **Listings as streams** ([`ObjectListing`], [`UploadListing`], [`PartListing`]): GetBucket,
//!   List Multipart Uploads and List Parts page after page, one page in memory at a time,
//!   keys decoded from `encoding-type=url`.
//! - **Delete by prefix** ([`DeleteByPrefix`]): DeleteMultipleObjects in batches of up to
//!   1000 keys from a listing, per-key failures reported, with a dry run.
//! - **Copy** ([`ObjectCopy`]): one PUT Object - Copy up to a threshold (COS's 5 GiB limit by
//!   default), a parallel multipart copy (Upload Part - Copy) above it, aborted on failure;
//!   metadata kept or replaced.
//!
//! ```no_run
//! use cos_model::{BucketName, Endpoint, ObjectKey, Region};
//! use cos_objects::{DeleteByPrefix, ObjectCopy, ObjectListing};
//! use cos_transport::{Client, StaticCredentials};
//! use futures_util::TryStreamExt;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder(Endpoint::new(Region::new("ap-guangzhou")?))
//!     .bucket(BucketName::new("examplebucket-1250000000")?)
//!     .credentials(StaticCredentials::from_keys("AKIDexample", "secret"))
//!     .build()?;
//! let objects: Vec<_> = ObjectListing::new().prefix("logs/").objects(&client).try_collect().await?;
//! println!("{} objects", objects.len());
//! ObjectCopy::new(ObjectKey::new("a.bin")?, ObjectKey::new("b.bin")?).run(&client).await?;
//! let summary = DeleteByPrefix::new("tmp/").run(&client).await?;
//! println!("deleted {}, failed {}", summary.deleted, summary.failed.len());
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod copy;
pub mod delete;
mod error;
pub mod listing;

pub use copy::{CopyMetadata, CopyMethod, CopyOutput, ObjectCopy};
pub use delete::{DeleteBatch, DeleteByPrefix, DeleteFailure, DeleteFailureReason, DeleteSummary};
pub use error::Error;
pub use listing::{ObjectEntry, ObjectListing, PartListing, UploadEntry, UploadListing};

// The README's example is compiled, and run where it can be, as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
