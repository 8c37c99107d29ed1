//! The VOD-style upload list on top of cos-upload: add, delete, cancel, resume, list,
//! start, stop, per-file credentials and events.
//!
//! The list API of the familiar VOD upload SDKs (Alibaba's VODUpload: `addFile`,
//! `deleteFile`, `cancelFile`, `resumeFile`, `listFiles`, `cleanList`, `startUpload`,
//! `stopUpload`, `setUploadAuthAndAddress`, `setSTSToken`, `resumeUploadWithAuth`, and the
//! `onUpload*` callbacks) without their flaws:
//!
//! - files are named by stable [`FileId`]s; the index verbs (`*_at`) resolve an index to
//!   the file at that position *when the command is applied*, and an index out of range
//!   is [`VodError::IndexOutOfRange`], never a crash or a wrong file;
//! - cancel keeps the checkpoint, so a canceled file can be resumed; delete aborts the
//!   multipart upload;
//! - every run of a file ends with exactly one terminal event (`Succeeded`, `Failed` or
//!   `Canceled`), and `ListEnded` is emitted whenever a run drains, even if the last file
//!   failed;
//! - credentials are per file; an expired token puts only that file in `AwaitingAuth` and
//!   emits `TokenExpired`, never a silent stall;
//! - given a state directory ([`VodUploaderBuilder::restore`]), the list survives a restart:
//!   the same ids in the same order and states, files resumed from their checkpoints.
//!
//! What the familiar SDKs do, which these docs compare against ("as the familiar SDK", "the
//! JS SDK reports …"), is written down with the versions read in
//! `shared/spec/vod-upload-list.md`.
//!
//! Layers: [`transition`] (the table), [`core`] (the sans-IO state machine, driven by
//! proptest), the async [`VodUploader`] handle over one task that owns the list, and the
//! [`engine::UploadEngine`] it drives ([`CosEngine`]: cos-upload over cos-transport).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cos_model::{BucketName, Region};
//! use cos_vod::{AddOptions, CosEngine, FileSource, GrantRequest, TemporaryKey, UploadGrant,
//!               VodEvent, VodUploader, FailureInfo};
//! let engine = CosEngine::builder()
//!     .checkpoint_dir("/var/tmp/vod-checkpoints") // re-adding a file after a restart resumes it
//!     .retry_count(3)
//!     .build()?;
//! let list = VodUploader::builder(engine)
//!     .bucket(BucketName::new("media-1250000000")?)
//!     .region(Region::new("ap-guangzhou")?)
//!     .max_concurrent_files(2)
//!     // Pull credentials per file (or push them from `UploadStarted` with `set_sts_token`).
//!     .provider(|req: GrantRequest| async move {
//!         let keys = TemporaryKey::new("tmp-id", "tmp-key").with_security_token("token");
//!         Ok::<_, FailureInfo>(UploadGrant::new(keys).key(format!("videos/{}", req.name)))
//!     })
//!     .spawn();
//! let mut events = list.events().await?;
//! let id = list.add_file(FileSource::path("movie.mp4"), AddOptions::new()).await?;
//! list.start_upload().await?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         VodEvent::Succeeded { file, result } => println!("{} -> {}", file.name, result.key),
//!         VodEvent::ListEnded { counts } => {
//!             println!("{} of {} stored", counts.succeeded, counts.total);
//!             break;
//!         }
//!         _ => {}
//!     }
//! }
//! # let _ = id;
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod auth;
mod command;
mod config;
pub mod core;
mod cos;
pub mod engine;
mod error;
mod event;
mod failure;
mod handle;
mod id;
mod listener;
mod progress;
mod restore;
mod saved;
mod snapshot;
mod source;
mod state;
mod state_file;
mod stream;
mod target;
mod task;
pub mod transition;

pub use auth::{
    AuthExpiry, GrantKind, GrantProvider, GrantRequest, UploadAddress, UploadAuth, UploadGrant,
};
pub use config::{RestoredList, VodUploaderBuilder};
pub use cos::{CosEngine, CosEngineBuilder, EngineBuildError};
/// Temporary (STS) keys for a file: cos-transport's type (secret and token wiped on drop,
/// redacted in `Debug`).
pub use cos_transport::TemporaryKey;
pub use error::{StateFileError, VodError};
pub use event::{CancelReason, FileRef, ListCounts, UploadResult, VodEvent};
pub use failure::{FailureInfo, FailureKind};
pub use handle::VodUploader;
pub use id::{FileId, Target};
pub use listener::VodListener;
pub use progress::{FileProgress, ListProgress, TotalProgress};
pub use saved::{STATE_FORMAT, STATE_VERSION};
pub use snapshot::FileSnapshot;
pub use source::{AddOptions, FileSource, Fingerprint, SourceInfo};
pub use state::{FileState, Interrupted, ListState};
pub use state_file::STATE_FILE_NAME;
pub use stream::EventStream;
pub use target::TargetDefaults;

// The README's examples are compiled (and the runnable ones run) as doctests here, where every
// crate they use is a dependency, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadmeDoctests;

// This crate's own README, likewise.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
