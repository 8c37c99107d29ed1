//! The upload engine behind the list: start an upload of one file with given credentials
//! and target, report progress, stop it on request, and say how it ended. The list talks to
//! COS only through this trait; [`crate::CosEngine`] implements it over cos-upload, and
//! tests use a fake.

use std::fmt;
use std::sync::Arc;

use cos_model::{BucketName, Endpoint, ObjectKey, Region};
use cos_transport::TemporaryKey;
use futures_util::future::BoxFuture;
use tokio::sync::watch;

pub use crate::core::EngineProgress;
use crate::core::HaltMode;
use crate::event::UploadResult;
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::source::{FileSource, Fingerprint};

/// Where one file goes, in cos-model's types (validated once, when the file's target is
/// resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// Where requests go (the region's default COS domain unless one was given).
    pub endpoint: Endpoint,
    /// The bucket.
    pub bucket: BucketName,
    /// The region, when known (always with the default domain).
    pub region: Option<Region>,
    /// The object key.
    pub key: ObjectKey,
}

/// Gets fresh credentials for a running upload (backed by the list's provider).
pub type Refresher =
    Arc<dyn Fn() -> BoxFuture<'static, Result<TemporaryKey, FailureInfo>> + Send + Sync>;

/// The credentials an upload starts with, and how to refresh them when a provider exists.
#[derive(Clone)]
pub struct JobCredentials {
    /// The keys to start with.
    pub initial: TemporaryKey,
    /// Asks the provider again (`None` in push mode: expiry then ends the attempt with
    /// [`EngineOutcome::CredentialsExpired`]).
    pub refresh: Option<Refresher>,
}

impl fmt::Debug for JobCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobCredentials")
            .field("initial", &self.initial)
            .field("refresh", &self.refresh.is_some())
            .finish()
    }
}

/// One upload attempt of one file.
#[derive(Debug, Clone)]
pub struct UploadJob {
    /// The file.
    pub file: FileId,
    /// Its data.
    pub source: FileSource,
    /// Its size when added.
    pub size: u64,
    /// Its identity (stable across processes).
    pub fingerprint: Fingerprint,
    /// Where it goes.
    pub target: UploadTarget,
    /// With what.
    pub credentials: JobCredentials,
    /// Object metadata (`x-cos-meta-*` names without the prefix).
    pub metadata: Vec<(String, String)>,
}

/// A file being deleted while not uploading: abort what it left on the server, drop its
/// checkpoint.
#[derive(Debug, Clone)]
pub struct DiscardJob {
    /// The file.
    pub file: FileId,
    /// Its data.
    pub source: FileSource,
    /// Its identity.
    pub fingerprint: Fingerprint,
    /// Where it was going, if known.
    pub target: Option<UploadTarget>,
    /// Credentials for the abort, if any are known.
    pub credentials: Option<TemporaryKey>,
}

/// How an upload attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineOutcome {
    /// Stored and verified.
    Completed(UploadResult),
    /// Stopped on request ([`UploadControl::halted`]); for [`HaltMode::Abort`] the
    /// multipart upload was aborted and the checkpoint dropped.
    Stopped,
    /// Failed after the client's retries.
    Failed(FailureInfo),
    /// COS refused the credentials as expired and they could not be refreshed.
    CredentialsExpired,
}

/// What an engine gets with each job: where to report progress, how to learn it must stop.
pub struct UploadControl {
    halt: watch::Receiver<Option<HaltMode>>,
    progress: Arc<dyn Fn(EngineProgress) + Send + Sync>,
}

impl fmt::Debug for UploadControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadControl")
            .field("halt", &*self.halt.borrow())
            .finish()
    }
}

impl UploadControl {
    /// A control whose halt requests come from `halt` and whose progress goes to `progress`.
    pub fn new(
        halt: watch::Receiver<Option<HaltMode>>,
        progress: impl Fn(EngineProgress) + Send + Sync + 'static,
    ) -> Self {
        Self {
            halt,
            progress: Arc::new(progress),
        }
    }

    /// Reports where the attempt stands (a bare `u64` is acknowledged bytes, see
    /// [`EngineProgress`]'s `From<u64>`).
    pub fn progress(&self, progress: impl Into<EngineProgress>) {
        (self.progress)(progress.into())
    }

    /// A cloneable reporter (for callbacks that outlive a borrow).
    pub fn reporter(&self) -> impl Fn(EngineProgress) + Send + Sync + 'static {
        let progress = self.progress.clone();
        move |p| progress(p)
    }

    /// The halt requested so far, if any.
    pub fn halt_requested(&self) -> Option<HaltMode> {
        *self.halt.borrow()
    }

    /// Resolves when a halt is requested (never, if the list forgets the upload without one).
    pub async fn halted(&mut self) -> HaltMode {
        loop {
            if let Some(mode) = *self.halt.borrow_and_update() {
                return mode;
            }
            if self.halt.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The upload engine the list drives.
pub trait UploadEngine: Send + Sync + 'static {
    /// Uploads one file (continuing from its checkpoint if one matches), reporting progress
    /// through `control`, until done, failed, or halted through `control`.
    fn upload(&self, job: UploadJob, control: UploadControl) -> BoxFuture<'static, EngineOutcome>;

    /// Aborts the multipart upload a file left (if any) and drops its checkpoint.
    fn discard(&self, job: DiscardJob) -> BoxFuture<'static, Result<(), FailureInfo>>;
}
