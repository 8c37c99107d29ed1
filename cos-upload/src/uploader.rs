//! The [`Uploader`]: shared settings and limits for many uploads, and [`UploadRequest`], one
//! upload's key, source and options.
//!
//! An uploader's uploads share its part limit and byte budget whatever they talk to: a request
//! may carry its own [`CosApi`] ([`UploadRequest::api`]) — another bucket, other credentials —
//! and still waits for the same permits. An app whose files each come with their own
//! credentials builds one uploader (with [`Uploader::builder_without_api`] when there is no
//! natural default) and hands every request its file's client.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cos_model::ObjectKey;
use tokio::sync::watch;
use tracing::Instrument;

use crate::api::{CosApi, UploadOptions};
use crate::checkpoint::{CheckpointStore, DirStore};
use crate::driver::{self, Control, Job, ProgressCallback, Settings, UploadSummary};
use crate::error::UploadError;
use crate::handle::UploadHandle;
use crate::limits::Limiter;
use crate::no_api::NoApi;
use crate::plan::PartPolicy;
use crate::progress::Progress;
use crate::source::Source;
use crate::state::MachineConfig;

/// One upload: where to, from what, with which options.
pub struct UploadRequest {
    pub(crate) key: ObjectKey,
    pub(crate) source: Source,
    pub(crate) options: UploadOptions,
    pub(crate) policy: Option<PartPolicy>,
    pub(crate) parts_in_flight: Option<usize>,
    pub(crate) callback: Option<ProgressCallback>,
    pub(crate) api: Option<Arc<dyn CosApi>>,
}

impl std::fmt::Debug for UploadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadRequest")
            .field("key", &self.key)
            .field("source", &self.source)
            .field("options", &self.options)
            .field("policy", &self.policy)
            .field("parts_in_flight", &self.parts_in_flight)
            .field("callback", &self.callback.is_some())
            .field("api_bucket", &self.api.as_ref().map(|api| api.bucket()))
            .finish()
    }
}

impl UploadRequest {
    /// Uploads `source` to `key`.
    pub fn new(key: ObjectKey, source: Source) -> Self {
        Self {
            key,
            source,
            options: UploadOptions::default(),
            policy: None,
            parts_in_flight: None,
            callback: None,
            api: None,
        }
    }

    /// Uploads the file at `path` to `key`.
    pub fn file(key: ObjectKey, path: impl Into<PathBuf>) -> Self {
        Self::new(key, Source::file(path))
    }

    /// The object key.
    pub fn key(&self) -> &ObjectKey {
        &self.key
    }

    /// Object options (content type, metadata, storage class, …).
    pub fn options(mut self, options: UploadOptions) -> Self {
        self.options = options;
        self
    }

    /// A part policy for this upload only.
    pub fn part_policy(mut self, policy: PartPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Parts in flight for this upload only (still within the uploader's shared limit).
    pub fn parts_in_flight(mut self, parts: usize) -> Self {
        self.parts_in_flight = Some(parts.max(1));
        self
    }

    /// Talks to COS through `api` for this upload only, instead of the uploader's own API
    /// (e.g. a client with this file's credentials, or for another bucket). The upload still
    /// shares the uploader's part limit, byte budget, settings and checkpoint store; its
    /// checkpoint is keyed by `api`'s bucket.
    pub fn api(mut self, api: Arc<dyn CosApi>) -> Self {
        self.api = Some(api);
        self
    }

    /// The API this request overrides the uploader's with, if any.
    pub fn api_override(&self) -> Option<&Arc<dyn CosApi>> {
        self.api.as_ref()
    }

    /// Calls `f` with every (throttled) progress snapshot, from the upload's task: keep it quick.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.callback = Some(Arc::new(f));
        self
    }
}

/// Builds an [`Uploader`].
pub struct UploaderBuilder {
    api: Option<Arc<dyn CosApi>>,
    policy: PartPolicy,
    parts_in_flight: usize,
    total_parts_in_flight: usize,
    byte_budget: Option<u64>,
    store: Option<Arc<dyn CheckpointStore>>,
    machine: MachineConfig,
    content_md5: bool,
    resume_by_listing: bool,
    verify_unrecorded_parts: bool,
    progress_interval: Duration,
    part_timeout: Option<Duration>,
    abort_timeout: Duration,
}

impl UploaderBuilder {
    /// The part policy (default: 8 MiB parts, one PUT up to 8 MiB).
    pub fn part_policy(mut self, policy: PartPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Parts in flight per upload (default 4).
    pub fn parts_in_flight(mut self, parts: usize) -> Self {
        self.parts_in_flight = parts.max(1);
        self
    }

    /// Parts in flight across all uploads of this uploader (default 16).
    pub fn total_parts_in_flight(mut self, parts: usize) -> Self {
        self.total_parts_in_flight = parts.max(1);
        self
    }

    /// At most this many part bytes held in memory across all uploads (default: no limit
    /// beyond `total_parts_in_flight × part size`).
    pub fn byte_budget(mut self, bytes: u64) -> Self {
        self.byte_budget = Some(bytes);
        self
    }

    /// Where checkpoints are kept (default: none, no resume across runs).
    pub fn checkpoint_store(mut self, store: impl CheckpointStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Keeps checkpoints as JSON files in `dir`.
    pub fn checkpoint_dir(self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoint_store(DirStore::new(dir))
    }

    /// Sends at most of one part or PUT whose bytes COS received corrupted (default 4).
    /// Every other failure is retried by the client alone (its `RetryPolicy`); each of these
    /// resends also needs the client's permission, so one retry budget bounds them all.
    pub fn resend_attempts(mut self, sends: u32) -> Self {
        self.machine.resend_attempts = sends.max(1);
        self
    }

    /// How long a cancel's or a failure's Abort may take (default 10 s; the client retries it
    /// within that time).
    pub fn abort_deadline(mut self, deadline: Duration) -> Self {
        self.abort_timeout = deadline;
        self
    }

    /// How often a vanished upload (`NoSuchUpload`) may start afresh (default 1).
    pub fn max_restarts(mut self, restarts: u32) -> Self {
        self.machine.max_restarts = restarts;
        self
    }

    /// Sends `Content-MD5` with every part and PUT, and checks each part's ETag (default off;
    /// CRC64 is always checked).
    pub fn content_md5(mut self, yes: bool) -> Self {
        self.content_md5 = yes;
        self
    }

    /// Without a checkpoint, looks for an upload of the same key by List Multipart Uploads and
    /// adopts it when every listed part's MD5 matches the source (the official SDKs' resume;
    /// default off: it needs the List permissions and reads the parts).
    pub fn resume_by_listing(mut self, yes: bool) -> Self {
        self.resume_by_listing = yes;
        self
    }

    /// On resume, trusts parts that COS lists but the checkpoint lacks (sent just before a
    /// crash) after checking their MD5 against the source (default on).
    pub fn verify_unrecorded_parts(mut self, yes: bool) -> Self {
        self.verify_unrecorded_parts = yes;
        self
    }

    /// Fails a missing `x-cos-hash-crc64ecma` instead of accepting it unverified (default off).
    pub fn require_server_crc64(mut self, yes: bool) -> Self {
        self.machine.require_server_crc64 = yes;
        self
    }

    /// The least time between progress snapshots (default 500 ms; the first and last are
    /// always sent).
    pub fn progress_interval(mut self, interval: Duration) -> Self {
        self.progress_interval = interval;
        self
    }

    /// A deadline for each part request (default none: the transport's timeouts apply).
    pub fn part_timeout(mut self, timeout: Duration) -> Self {
        self.part_timeout = Some(timeout);
        self
    }

    /// Builds the uploader.
    pub fn build(self) -> Uploader {
        Uploader {
            inner: Arc::new(Inner {
                limiter: Limiter::new(self.total_parts_in_flight, self.byte_budget),
                settings: Settings {
                    policy: self.policy,
                    machine: MachineConfig {
                        max_in_flight: self.parts_in_flight,
                        ..self.machine
                    },
                    content_md5: self.content_md5,
                    resume_by_listing: self.resume_by_listing,
                    verify_unrecorded_parts: self.verify_unrecorded_parts,
                    progress_interval: self.progress_interval,
                    part_timeout: self.part_timeout,
                    abort_timeout: self.abort_timeout,
                },
                has_default_api: self.api.is_some(),
                api: self.api.unwrap_or_else(|| Arc::new(NoApi)),
                store: self.store,
            }),
        }
    }
}

struct Inner {
    /// The default API, or [`NoApi`] when the uploader was built without one.
    api: Arc<dyn CosApi>,
    has_default_api: bool,
    settings: Settings,
    limiter: Limiter,
    store: Option<Arc<dyn CheckpointStore>>,
}

/// Uploads objects to one bucket with shared limits. Cheap to clone; clones share the limits.
#[derive(Clone)]
pub struct Uploader {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader")
            .field(
                "bucket",
                &self.default_api().map(|api| api.bucket().to_owned()),
            )
            .field("settings", &self.inner.settings)
            .field("total_parts_in_flight", &self.inner.limiter.part_limit())
            .finish_non_exhaustive()
    }
}

impl Uploader {
    /// A builder over any [`CosApi`] (cos-transport's `Client` is one).
    pub fn builder(api: impl CosApi) -> UploaderBuilder {
        Self::builder_arc(Arc::new(api))
    }

    /// A builder over a shared [`CosApi`].
    pub fn builder_arc(api: Arc<dyn CosApi>) -> UploaderBuilder {
        Self::builder_with(Some(api))
    }

    /// A builder without a default API: every request must name its own with
    /// [`UploadRequest::api`] (one that does not fails at once with [`UploadError::NoApi`]).
    /// For uploads whose credentials differ per file but that should share one part limit
    /// and byte budget.
    pub fn builder_without_api() -> UploaderBuilder {
        Self::builder_with(None)
    }

    fn builder_with(api: Option<Arc<dyn CosApi>>) -> UploaderBuilder {
        UploaderBuilder {
            api,
            policy: PartPolicy::default(),
            parts_in_flight: 4,
            total_parts_in_flight: 16,
            byte_budget: None,
            store: None,
            machine: MachineConfig::default(),
            content_md5: false,
            resume_by_listing: false,
            verify_unrecorded_parts: true,
            progress_interval: Duration::from_millis(500),
            part_timeout: None,
            abort_timeout: Duration::from_secs(10),
        }
    }

    /// The COS calls this uploader makes for requests without their own API (and for
    /// [`abort_incomplete`](Self::abort_incomplete)). For an uploader built with
    /// [`builder_without_api`](Self::builder_without_api) this is a stand-in that refuses
    /// every call; see [`default_api`](Self::default_api).
    pub fn api(&self) -> &Arc<dyn CosApi> {
        &self.inner.api
    }

    /// The default API, or `None` for an uploader built without one.
    pub fn default_api(&self) -> Option<&Arc<dyn CosApi>> {
        self.inner.has_default_api.then_some(&self.inner.api)
    }

    /// The most parts in flight across all uploads of this uploader.
    pub fn total_parts_in_flight(&self) -> usize {
        self.inner.limiter.part_limit()
    }

    /// The checkpoint store, if any.
    pub fn checkpoint_store(&self) -> Option<&Arc<dyn CheckpointStore>> {
        self.inner.store.as_ref()
    }

    /// The default part policy.
    pub fn part_policy(&self) -> PartPolicy {
        self.inner.settings.policy
    }

    pub(crate) fn job(
        &self,
        request: UploadRequest,
        control: watch::Receiver<Control>,
        progress: watch::Sender<Progress>,
    ) -> Job {
        let mut settings = self.inner.settings.clone();
        if let Some(policy) = request.policy {
            settings.policy = policy;
        }
        if let Some(parts) = request.parts_in_flight {
            settings.machine.max_in_flight = parts;
        }
        let api = match request.api {
            Some(api) => Some(api),
            None => self.default_api().cloned(),
        };
        Job {
            api,
            key: request.key,
            source: request.source,
            options: request.options,
            settings,
            limiter: self.inner.limiter.clone(),
            store: self.inner.store.clone(),
            progress,
            callback: request.callback,
            control,
        }
    }

    /// Starts an upload on the current tokio runtime and returns its handle.
    ///
    /// # Panics
    /// Outside a tokio runtime (like `tokio::spawn`).
    pub fn upload(&self, request: UploadRequest) -> UploadHandle {
        let key = request.key.as_str().to_owned();
        let (control_tx, control_rx) = watch::channel(Control::Run);
        let (progress_tx, progress_rx) = watch::channel(Progress::default());
        let job = self.job(request, control_rx, progress_tx);
        // the upload's span is a child of the caller's, wherever its task runs
        let task = tokio::spawn(driver::run(job).in_current_span());
        UploadHandle::new(key, control_tx, progress_rx, task)
    }

    /// Uploads a file to `key` and waits for the result.
    pub async fn upload_file(
        &self,
        path: impl Into<PathBuf>,
        key: ObjectKey,
    ) -> Result<UploadSummary, UploadError> {
        self.upload(UploadRequest::file(key, path)).join().await
    }
}
