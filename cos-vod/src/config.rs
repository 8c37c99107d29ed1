//! `VodUploaderBuilder`: the list's settings; it spawns the task that owns the list and
//! hands out the first handle, with a new list or one restored from its state directory.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cos_model::{BucketName, Endpoint, Region};
use tokio::sync::mpsc;

use crate::auth::GrantProvider;
use crate::core::CoreConfig;
use crate::engine::UploadEngine;
use crate::error::VodError;
use crate::handle::VodUploader;
use crate::restore::restore;
use crate::state::Interrupted;
use crate::state_file::StateFile;
use crate::stream::EventStream;
use crate::target::TargetDefaults;
use crate::task::{self, Settings};

impl VodUploader {
    /// Starts building a list over an upload engine (see [`crate::CosEngine`]).
    pub fn builder(engine: impl UploadEngine) -> VodUploaderBuilder {
        VodUploaderBuilder::new(Arc::new(engine))
    }

    /// Starts building a list over a shared upload engine.
    pub fn builder_shared(engine: Arc<dyn UploadEngine>) -> VodUploaderBuilder {
        VodUploaderBuilder::new(engine)
    }
}

/// Builds a [`VodUploader`].
pub struct VodUploaderBuilder {
    engine: Arc<dyn UploadEngine>,
    provider: Option<Arc<dyn GrantProvider>>,
    core: CoreConfig,
    defaults: TargetDefaults,
    expiry_margin: Duration,
    interrupted: Interrupted,
}

/// A list brought back by [`VodUploaderBuilder::restore`], with a stream of its events that
/// starts with one `Restored` event per file.
#[derive(Debug)]
pub struct RestoredList {
    /// The list (idle: nothing uploads until `start_upload`).
    pub list: VodUploader,
    /// Every event of the list, from its `Restored` events on.
    pub events: EventStream,
}

impl VodUploaderBuilder {
    fn new(engine: Arc<dyn UploadEngine>) -> Self {
        Self {
            engine,
            provider: None,
            core: CoreConfig::default(),
            defaults: TargetDefaults::default(),
            expiry_margin: Duration::from_secs(30),
            interrupted: Interrupted::default(),
        }
    }

    /// How many files upload at once (default 1, as the familiar SDK; 0 is taken as 1).
    pub fn max_concurrent_files(mut self, n: usize) -> Self {
        self.core.max_concurrent_files = n.max(1);
        self
    }

    /// Whether `start_upload` retries failed files (default true, as the familiar SDK).
    pub fn retry_failed_on_start(mut self, retry: bool) -> Self {
        self.core.retry_failed_on_start = retry;
        self
    }

    /// The minimum time between two progress events of a file (default 200 ms).
    pub fn progress_interval(mut self, interval: Duration) -> Self {
        self.core.progress_interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Pull credentials per file from this provider (otherwise they are pushed with
    /// `set_upload_auth_and_address`/`set_sts_token` when `UploadStarted` asks).
    pub fn provider(mut self, provider: impl GrantProvider) -> Self {
        self.provider = Some(Arc::new(provider));
        self.core.pull_credentials = true;
        self
    }

    /// The bucket for files whose credentials do not name one.
    pub fn bucket(mut self, bucket: BucketName) -> Self {
        self.defaults.bucket = Some(bucket);
        self
    }

    /// The region for files whose credentials do not name one (requests go to its COS
    /// domain unless an endpoint is given).
    pub fn region(mut self, region: Region) -> Self {
        self.defaults.region = Some(region);
        self
    }

    /// Where requests go for files whose credentials do not name an endpoint (an emulator:
    /// `Endpoint::path_style("http://127.0.0.1:9000")`; default: the region's COS domain).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.defaults.endpoint = Some(endpoint);
        self
    }

    /// A prefix for object keys derived from file names (files added without a key whose
    /// credentials name none).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.defaults.key_prefix = prefix.into();
        self
    }

    /// Pushed keys expiring within this margin count as expired when a file starts
    /// (default 30 s).
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// What a file that was uploading when the process ended comes back as in
    /// [`restore`](Self::restore) (default [`Interrupted::Paused`]).
    pub fn restore_interrupted_as(mut self, interrupted: Interrupted) -> Self {
        self.interrupted = interrupted;
        self
    }

    /// Spawns the task that owns a new, empty list (on the current tokio runtime) and
    /// returns its handle. Nothing is kept across restarts: see [`restore`](Self::restore).
    pub fn spawn(self) -> VodUploader {
        self.start(None, Vec::new())
    }

    /// Spawns the task that owns the list kept in `state_dir`, brought back as it was when
    /// the last process using that directory ended (an empty list the first time), and keeps
    /// it there: every change of the list replaces `state_dir/list.json` atomically.
    ///
    /// Every file comes back with its id, position and state, announced by a `Restored`
    /// event at the head of the returned stream. A file that was uploading comes back as
    /// [`restore_interrupted_as`](Self::restore_interrupted_as) says; once started, its
    /// bytes continue from its checkpoint (give the engine a checkpoint directory). An
    /// unfinished file whose source changed or vanished since it was added comes back in
    /// `Failure` with [`FailureKind::SourceChanged`](crate::FailureKind), and is never
    /// uploaded with other bytes; deleting it (or cleaning the list) aborts what it left on
    /// COS. Credentials are never saved: restored files get new ones from the provider, or
    /// ask for them with `UploadStarted { needs_auth: true }`; a file that waited for
    /// credentials still waits in `AwaitingAuth`.
    ///
    /// Files added from memory (`FileSource::Bytes`) are not kept. One list at a time may
    /// use a state directory: it stays locked until the list's task ends (`shutdown`, or
    /// every handle dropped). Fails with [`VodError::StateFile`] when the directory cannot
    /// be created or written, is locked by another list, or its state file cannot be read,
    /// is not a list of this format version, or breaks the list's rules.
    ///
    /// ```no_run
    /// # async fn demo(engine: cos_vod::CosEngine) -> Result<(), cos_vod::VodError> {
    /// use cos_vod::{VodEvent, VodUploader};
    /// let mut restored = VodUploader::builder(engine).restore("/var/lib/app/uploads").await?;
    /// let rows = restored.list.list_files().await?.len();
    /// for _ in 0..rows {
    ///     if let Some(VodEvent::Restored { file, state, .. }) = restored.events.recv().await {
    ///         println!("row {} ({}): {state}", file.id, file.name); // the ids of last time
    ///     }
    /// }
    /// restored.list.start_upload().await?; // unfinished files continue from their checkpoints
    /// # Ok(()) }
    /// ```
    pub async fn restore(self, state_dir: impl Into<PathBuf>) -> Result<RestoredList, VodError> {
        let file = StateFile::new(state_dir.into());
        let restored = restore(&file, self.core.clone(), self.interrupted).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let list = self.start(Some((file, restored)), vec![tx]);
        Ok(RestoredList {
            list,
            events: EventStream::new(rx),
        })
    }

    fn start(
        self,
        state: Option<(StateFile, crate::restore::Restored)>,
        subscribers: Vec<mpsc::UnboundedSender<crate::event::VodEvent>>,
    ) -> VodUploader {
        let (commands, inbox) = mpsc::unbounded_channel();
        let settings = Settings {
            engine: self.engine,
            provider: self.provider,
            core: self.core,
            defaults: self.defaults,
            expiry_margin: self.expiry_margin,
            state,
            subscribers,
        };
        task::spawn(settings, inbox);
        VodUploader::new(commands)
    }
}
