//! The upload orchestrator: simple or multipart uploads with bounded memory, retries, progress,
//! pause/cancel/resume and CRC64 end to end.
//!
//! Layers (the quinn-proto discipline): [`plan`] cuts an object into parts (pure), [`state`]
//! decides what to send next and what a failed call means for the upload (pure, no IO, no
//! clock), and a thin tokio driver performs the machine's actions through [`CosApi`]
//! (implemented for cos-transport's `Client`, in cos-model's types).
//!
//! Retrying a request is the client's alone (backoff, budget, re-signing, clock skew). The
//! upload decides only what one request cannot: resend a part whose bytes arrived corrupted,
//! start afresh when the multipart upload vanished, HEAD the object after an ambiguous
//! Complete, keep the upload for a resume when credentials are refused — each resend asking
//! the client's retry policy for permission, so one budget bounds every layer.
//!
//! ```no_run
//! # async fn demo(client: cos_transport::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use cos_upload::{Uploader, UploadRequest, PartPolicy};
//! let uploader = Uploader::builder(client)
//!     .part_policy(PartPolicy::new().target_part_size(16 << 20))
//!     .parts_in_flight(8)
//!     .checkpoint_dir("/var/tmp/cos-checkpoints")
//!     .build();
//! let key = cos_model::ObjectKey::new("videos/big.mp4")?;
//! let handle = uploader.upload(UploadRequest::file(key, "/data/big.mp4"));
//! let summary = handle.await?;
//! println!("{} bytes, CRC64 {}", summary.bytes, summary.crc64);
//! # Ok(()) }
//! ```
//!
//! Memory: a part's permit is taken before its bytes are read and released when COS answered,
//! so part data in memory stays within `parts in flight × part size` (and the byte budget)
//! however large the file.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
mod buffers;
pub mod call_error;
pub mod checkpoint;
mod cleanup;
mod client_api;
mod discard;
mod driver;
pub mod error;
mod handle;
mod limits;
mod no_api;
pub mod plan;
pub mod progress;
mod queue;
pub mod reconcile;
mod source;
pub mod state;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
mod uploader;

pub use api::{Ack, CosApi, UploadOptions};
pub use call_error::{CallError, CallErrorKind};
pub use checkpoint::{Checkpoint, CheckpointStore, DirStore, MemoryStore};
pub use cleanup::{CleanupReport, is_orphan};
pub use driver::{ProgressCallback, UploadSummary};
pub use error::{CallKind, SourceError, UploadError};
pub use handle::UploadHandle;
pub use plan::{PartPlan, PartPolicy, StreamSchedule, UploadPlan};
pub use progress::Progress;
pub use queue::{QueueResult, UploadQueue};
pub use source::Source;
pub use uploader::{UploadRequest, Uploader, UploaderBuilder};

// The README's example is compiled, and run where it can be, as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
