//! [`CosEngine`]: the [`UploadEngine`] over cos-upload. Each file's upload gets a
//! cos-transport `Client` signed with that file's credentials (refreshed from the list's
//! provider when there is one), handed to ONE cos-upload `Uploader` per engine with the
//! request ([`UploadRequest::api`]). So the files uploading at once share that uploader's
//! part limit and byte budget (not files × parts in flight) and its checkpoint store, and
//! re-adding the same file after a restart resumes it.
//!
//! The floors below do the work: the client refreshes keys and reports refused ones as a typed
//! error, which cos-upload turns into "keep the upload for a resume" (the engine then reports
//! [`EngineOutcome::CredentialsExpired`]); cos-upload finds and discards a file's checkpoint.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_transport::{
    BoxError, Client, DynTransport, HyperTransport, RetryPolicy, StaticCredentials,
    TemporaryCredentials, TemporaryKey,
};
use cos_upload::{
    Checkpoint, CheckpointStore, DirStore, PartPolicy, Source, UploadError, UploadOptions,
    UploadRequest, Uploader,
};
use futures_util::future::BoxFuture;
use tracing::Instrument;

use crate::core::HaltMode;
use crate::engine::{
    DiscardJob, EngineOutcome, EngineProgress, JobCredentials, UploadControl, UploadEngine,
    UploadJob, UploadTarget,
};
use crate::event::UploadResult;
use crate::failure::{FailureInfo, FailureKind};
use crate::source::FileSource;

/// Why a [`CosEngine`] could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP transport: {0}")]
pub struct EngineBuildError(String);

/// Builds a [`CosEngine`].
pub struct CosEngineBuilder {
    transport: Option<Arc<dyn DynTransport>>,
    store: Option<Arc<dyn CheckpointStore>>,
    retry_count: Option<u32>,
    retry_duration: Option<Duration>,
    part_size: Option<u64>,
    parallel: Option<usize>,
    total_parts_in_flight: Option<usize>,
    byte_budget: Option<u64>,
    progress_interval: Duration,
}

impl CosEngineBuilder {
    /// The HTTP transport (default: cos-transport's `HyperTransport`).
    pub fn transport(mut self, transport: Arc<dyn DynTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Keeps checkpoints as JSON files in `dir`, so a list re-created after a restart resumes
    /// files added again (same path, size, modification time and key).
    pub fn checkpoint_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.store = Some(Arc::new(DirStore::new(dir)));
        self
    }

    /// Keeps checkpoints in this store.
    pub fn checkpoint_store(mut self, store: Arc<dyn CheckpointStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The familiar `retryCount`: retries per request after the first attempt, on the
    /// client's retry policy (which, unlike the familiar SDK, retries 5xx, throttling and
    /// resets, not only timeouts). `0` means no retry at all (the familiar SDK silently uses 3).
    pub fn retry_count(mut self, retries: u32) -> Self {
        self.retry_count = Some(retries);
        self
    }

    /// The familiar `retryDuration`: the first retry delay (later ones back off from it,
    /// jittered).
    pub fn retry_duration(mut self, delay: Duration) -> Self {
        self.retry_duration = Some(delay);
        self
    }

    /// The familiar `partSize`: the target part size; files larger than one part go as
    /// multipart uploads, smaller ones as one PUT (COS's 1 MiB minimum part size and
    /// 10 000-part maximum still apply). Default: cos-upload's (8 MiB parts, one PUT up to
    /// 8 MiB).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// The familiar `parallel`: parts in flight per file (default: cos-upload's, 4), always
    /// within [`total_parts_in_flight`](Self::total_parts_in_flight).
    pub fn parallel(mut self, parts: usize) -> Self {
        self.parallel = Some(parts.max(1));
        self
    }

    /// Parts in flight across every file uploading at once (default: cos-upload's, 16). With
    /// several files at once (`max_concurrent_files`), they share this limit.
    pub fn total_parts_in_flight(mut self, parts: usize) -> Self {
        self.total_parts_in_flight = Some(parts.max(1));
        self
    }

    /// At most this many part bytes held in memory across every file uploading at once
    /// (default: no limit beyond `total_parts_in_flight × part size`). A part larger than the
    /// whole budget still goes, alone.
    pub fn byte_budget(mut self, bytes: u64) -> Self {
        self.byte_budget = Some(bytes);
        self
    }

    /// How often the engine reports progress (default 200 ms; the list throttles again).
    pub fn progress_interval(mut self, interval: Duration) -> Self {
        self.progress_interval = interval;
        self
    }

    /// Builds the engine.
    pub fn build(self) -> Result<CosEngine, EngineBuildError> {
        let transport: Arc<dyn DynTransport> = match self.transport.clone() {
            Some(t) => t,
            None => Arc::new(
                HyperTransport::builder()
                    .build()
                    .map_err(|e| EngineBuildError(e.to_string()))?,
            ),
        };
        let mut retry = RetryPolicy::builder();
        if let Some(n) = self.retry_count {
            retry = retry.max_attempts(n.saturating_add(1));
        }
        if let Some(d) = self.retry_duration {
            retry = retry.backoff(d, d.saturating_mul(8).max(Duration::from_secs(10)));
        }
        let uploader = self.shared_uploader();
        Ok(CosEngine {
            inner: Arc::new(Inner {
                transport,
                retry: retry.build(),
                store: self.store,
                no_retries: self.retry_count == Some(0),
                part_size: self.part_size,
                parallel: self.parallel,
                uploader,
            }),
        })
    }

    /// The one uploader every file's upload goes through (each request with its file's
    /// client), so files share its part limit, byte budget and checkpoint store.
    fn shared_uploader(&self) -> Uploader {
        let mut builder = Uploader::builder_without_api().progress_interval(self.progress_interval);
        if let Some(size) = self.part_size {
            builder = builder.part_policy(
                PartPolicy::new()
                    .target_part_size(size)
                    .single_put_threshold(size),
            );
        }
        if let Some(parts) = self.parallel {
            builder = builder.parts_in_flight(parts);
        }
        if let Some(parts) = self.total_parts_in_flight {
            builder = builder.total_parts_in_flight(parts);
        }
        if let Some(bytes) = self.byte_budget {
            builder = builder.byte_budget(bytes);
        }
        if self.retry_count == Some(0) {
            // no resend of corrupted bytes either: one send per request, as asked
            builder = builder.resend_attempts(1);
        }
        if let Some(store) = &self.store {
            builder = builder.checkpoint_store(SharedStore(store.clone()));
        }
        builder.build()
    }
}

struct Inner {
    transport: Arc<dyn DynTransport>,
    retry: RetryPolicy,
    store: Option<Arc<dyn CheckpointStore>>,
    no_retries: bool,
    part_size: Option<u64>,
    parallel: Option<usize>,
    /// Shared by every file's upload (each request carries the file's client).
    uploader: Uploader,
}

/// The upload engine over cos-upload and cos-transport. Cheap to clone.
#[derive(Clone)]
pub struct CosEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CosEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosEngine")
            .field("checkpoints", &self.inner.store.is_some())
            .field("part_size", &self.inner.part_size)
            .field("parallel", &self.inner.parallel)
            .field("no_retries", &self.inner.no_retries)
            .field(
                "total_parts_in_flight",
                &self.inner.uploader.total_parts_in_flight(),
            )
            .finish_non_exhaustive()
    }
}

/// Hands the engine's store (also used directly by `discard`) to the shared uploader.
struct SharedStore(Arc<dyn CheckpointStore>);

impl CheckpointStore for SharedStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, cos_upload::checkpoint::CheckpointError>> {
        self.0.load(id)
    }

    fn save<'a>(
        &'a self,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), cos_upload::checkpoint::CheckpointError>> {
        self.0.save(checkpoint)
    }

    fn remove<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), cos_upload::checkpoint::CheckpointError>> {
        self.0.remove(id)
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The key as the client's credential callback hands it out: its lifetime counted from now
/// (the client does not anchor its clock on it), a day for a key without an expiry.
fn to_transport_key(key: &TemporaryKey, now: SystemTime) -> TemporaryKey {
    let start = unix(now);
    let expires = key
        .expired_time()
        .unwrap_or(start.saturating_add(24 * 3600))
        .max(start.saturating_add(1));
    key.clone()
        .with_start_time(start)
        .with_expired_time(expires)
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct RefreshError(String);

/// The keys the client's credential callback hands out: the job's keys first, then fresh ones
/// from the list's provider each time the client asks (ahead of expiry, or once after COS
/// refused them). A provider that fails or hands out expired keys fails the callback: the
/// client reports it as a credential failure and the upload is kept for a resume.
async fn next_keys(
    asked: Arc<AtomicBool>,
    initial: TemporaryKey,
    refresh: crate::engine::Refresher,
) -> Result<TemporaryKey, BoxError> {
    let now = SystemTime::now();
    let key = if asked.swap(true, Ordering::SeqCst) {
        refresh()
            .await
            .map_err(|f| Box::new(RefreshError(f.message)) as BoxError)?
    } else {
        initial
    };
    if key.is_expired(now, Duration::from_secs(1)) {
        return Err(Box::new(RefreshError(
            "the provider handed out expired keys".into(),
        )));
    }
    Ok(to_transport_key(&key, now))
}

/// Builds the client for one file: its target and its credentials.
fn client_for(
    inner: &Inner,
    target: &UploadTarget,
    credentials: &JobCredentials,
) -> Result<Client, FailureInfo> {
    let builder = Client::builder(target.endpoint.clone())
        .bucket(target.bucket.clone())
        .transport_arc(inner.transport.clone())
        .retry(inner.retry.clone());
    let initial = credentials.initial.clone();
    let builder = match credentials.refresh.clone() {
        // Pushed keys: nothing to refresh them from. COS refusing them is final for this run
        // (the client says so at once); the app pushes new ones and the file resumes.
        None => {
            let keys = StaticCredentials::from_keys(initial.secret_id(), initial.secret_key());
            builder.credentials(match initial.security_token() {
                Some(token) => keys.with_security_token(token),
                None => keys,
            })
        }
        Some(refresh) => {
            let asked = Arc::new(AtomicBool::new(false));
            let provider = TemporaryCredentials::builder(move || {
                next_keys(asked.clone(), initial.clone(), refresh.clone())
            })
            .use_start_time_as_clock_anchor(false)
            .build();
            builder.credentials(provider)
        }
    };
    builder
        .build()
        .map_err(|e| FailureInfo::new(FailureKind::Other, "ClientBuild", e.to_string()))
}

/// What cos-upload's error means for the list. Refused credentials are an expiry only for
/// temporary keys (as the familiar SDK treats `InvalidAccessKeyId` only while an STS token
/// is in use); refused permanent keys fail the file with COS's code.
fn outcome_of(error: UploadError, temporary_keys: bool) -> EngineOutcome {
    if error.needs_new_credentials() && temporary_keys {
        return EngineOutcome::CredentialsExpired;
    }
    match &error {
        UploadError::Paused { .. } | UploadError::Cancelled { .. } => EngineOutcome::Stopped,
        UploadError::Call { .. }
        | UploadError::Resumable { .. }
        | UploadError::AbortFailed { .. }
            if error.call_error().is_some() =>
        {
            let Some(call) = error.call_error() else {
                return EngineOutcome::Stopped;
            };
            let answered = call.status().is_some();
            EngineOutcome::Failed(FailureInfo {
                kind: if answered {
                    FailureKind::Cos
                } else {
                    FailureKind::Transport
                },
                code: call.code().map(str::to_owned).unwrap_or_else(|| {
                    if answered {
                        "CosError"
                    } else {
                        "TransportError"
                    }
                    .into()
                }),
                message: error.to_string(),
                request_id: call.request_id().map(str::to_owned),
                status: call.status(),
            })
        }
        UploadError::Source(_) => EngineOutcome::Failed(FailureInfo::new(
            FailureKind::Source,
            "SourceError",
            error.to_string(),
        )),
        UploadError::PartCrcMismatch { .. } | UploadError::ObjectCrcMismatch { .. } => {
            EngineOutcome::Failed(FailureInfo::new(
                FailureKind::Integrity,
                "Crc64Mismatch",
                error.to_string(),
            ))
        }
        _ => EngineOutcome::Failed(FailureInfo::new(
            FailureKind::Other,
            "UploadError",
            error.to_string(),
        )),
    }
}

fn source_of(source: &FileSource) -> Source {
    match source {
        FileSource::Path(p) => Source::file(p.clone()),
        FileSource::Bytes { data, .. } => Source::bytes(data.clone()),
    }
}

async fn run(inner: Arc<Inner>, job: UploadJob, mut control: UploadControl) -> EngineOutcome {
    let temporary_keys =
        job.credentials.initial.security_token().is_some() || job.credentials.refresh.is_some();
    let client = match client_for(&inner, &job.target, &job.credentials) {
        Ok(c) => c,
        Err(info) => return EngineOutcome::Failed(info),
    };
    let key = job.target.key.clone();
    let mut options = UploadOptions::new();
    for (name, value) in &job.metadata {
        options = options.metadata(name.clone(), value.clone());
    }
    let request = UploadRequest::new(key, source_of(&job.source))
        .options(options)
        .api(Arc::new(client));
    let handle = inner.uploader.upload(request);
    let mut progress = handle.progress_watch();
    let report = control.reporter();
    let halted = loop {
        tokio::select! {
            mode = control.halted() => break Some(mode),
            changed = progress.changed() => {
                if changed.is_err() {
                    break None;
                }
                let now = {
                    let p = progress.borrow_and_update();
                    EngineProgress {
                        acknowledged: p.acknowledged_bytes,
                        position: p.position(),
                        resumed: p.resumed_bytes,
                    }
                };
                report(now);
            }
        }
    };
    match halted {
        Some(HaltMode::Abort) => handle.cancel(),
        Some(HaltMode::Pause | HaltMode::Cancel) => handle.pause(),
        None => {}
    }
    match handle.join().await {
        Ok(summary) => EngineOutcome::Completed(UploadResult {
            bucket: job.target.bucket.to_string(),
            region: job
                .target
                .region
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            key: summary.key,
            etag: summary.etag.to_string(),
            crc64: Some(summary.crc64),
            bytes: summary.bytes,
        }),
        Err(error) => {
            let outcome = outcome_of(error, temporary_keys);
            if outcome == EngineOutcome::CredentialsExpired {
                tracing::info!("the file's credentials expired: it waits for new ones");
            }
            outcome
        }
    }
}

async fn discard(inner: Arc<Inner>, job: DiscardJob) -> Result<(), FailureInfo> {
    let (Some(target), Some(credentials)) = (&job.target, job.credentials) else {
        // Without credentials nothing on COS can be aborted; cos-upload keeps the checkpoint
        // so a later discard with credentials still finds the upload.
        return Ok(());
    };
    let jc = JobCredentials {
        initial: credentials,
        refresh: None,
    };
    let client = client_for(&inner, target, &jc)?;
    let key = &target.key;
    match inner
        .uploader
        .discard(&client, key, &source_of(&job.source))
        .await
    {
        Ok(_) => Ok(()),
        Err(error) => Err(match error.call_error() {
            Some(call) => FailureInfo {
                kind: FailureKind::Cos,
                code: call.code().unwrap_or("AbortFailed").to_owned(),
                message: error.to_string(),
                request_id: call.request_id().map(str::to_owned),
                status: call.status(),
            },
            None => FailureInfo::new(FailureKind::Other, "CheckpointStore", error.to_string()),
        }),
    }
}

impl CosEngine {
    /// A builder with the defaults (hyper transport, no checkpoint store, the client's default
    /// retries, cos-upload's default part size, parts in flight per file and in total, no
    /// byte budget).
    pub fn builder() -> CosEngineBuilder {
        CosEngineBuilder {
            transport: None,
            store: None,
            retry_count: None,
            retry_duration: None,
            part_size: None,
            parallel: None,
            total_parts_in_flight: None,
            byte_budget: None,
            progress_interval: Duration::from_millis(200),
        }
    }
}

impl UploadEngine for CosEngine {
    fn upload(&self, job: UploadJob, control: UploadControl) -> BoxFuture<'static, EngineOutcome> {
        // the list's file id on every line of this file's upload (cos-upload's `upload` span
        // and its requests nest inside)
        let span = tracing::info_span!("vod_file", file = %job.file);
        Box::pin(run(self.inner.clone(), job, control).instrument(span))
    }

    fn discard(&self, job: DiscardJob) -> BoxFuture<'static, Result<(), FailureInfo>> {
        Box::pin(discard(self.inner.clone(), job))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn familiar_retry_options_map_onto_the_client_policy() {
        let engine = CosEngine::builder().retry_count(0).build().unwrap();
        assert_eq!(engine.inner.retry.max_attempts(), 1);
        assert!(engine.inner.no_retries);
        let engine = CosEngine::builder()
            .retry_count(3)
            .retry_duration(Duration::from_secs(2))
            .build()
            .unwrap();
        assert_eq!(engine.inner.retry.max_attempts(), 4);
        assert!(!engine.inner.no_retries);
        let default = CosEngine::builder().build().unwrap();
        assert_eq!(
            default.inner.retry.max_attempts(),
            RetryPolicy::default().max_attempts()
        );
    }
}
