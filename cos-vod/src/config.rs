//! `VodUploaderBuilder`: the list's settings; it spawns the task that owns the list and
//! hands out the first handle.

use std::sync::Arc;
use std::time::Duration;

use cos_model::{BucketName, Endpoint, Region};
use tokio::sync::mpsc;

use crate::auth::GrantProvider;
use crate::core::CoreConfig;
use crate::engine::UploadEngine;
use crate::handle::VodUploader;
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
}

impl VodUploaderBuilder {
    fn new(engine: Arc<dyn UploadEngine>) -> Self {
        Self {
            engine,
            provider: None,
            core: CoreConfig::default(),
            defaults: TargetDefaults::default(),
            expiry_margin: Duration::from_secs(30),
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

    /// Spawns the task that owns the list (on the current tokio runtime) and returns its handle.
    pub fn spawn(self) -> VodUploader {
        let (commands, inbox) = mpsc::unbounded_channel();
        let settings = Settings {
            engine: self.engine,
            provider: self.provider,
            core: self.core,
            defaults: self.defaults,
            expiry_margin: self.expiry_margin,
        };
        task::spawn(settings, inbox);
        VodUploader::new(commands)
    }
}
