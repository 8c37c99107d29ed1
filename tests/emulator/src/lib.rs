//! A local COS server as strict as COS, for tests, benchmarks and the demo.
//!
//! One process serves many buckets over HTTP/1.1 on loopback, addressed virtual-host style
//! (`Host: <name>-<appid>.cos.<region>.myqcloud.com`) or path style
//! (`http://127.0.0.1:PORT/<name>-<appid>/<key>`). Every request's signature is verified with
//! cos-sign from the bytes on the wire; answers carry COS's status codes, error XML, quoted-MD5
//! ETags and `x-cos-hash-crc64ecma`. Faults (errors, slow-downs, dropped connections, delays,
//! clock skew) are drawn from a seed and can be changed while it runs.
//!
//! What it checks, as COS does: the signature of every request (Authorization header,
//! pre-signed `q-*` or `sign=` query, POST policy and its conditions, the wx SDK's `Signature`
//! form field), the key-time window against its clock (a start up to
//! [`SKEW_TOLERANCE_SECS`] ahead is tolerated), a `Date` header's distance from its clock,
//! temporary keys' `x-cos-security-token` and expiry; Content-MD5 (BadDigest/InvalidDigest);
//! Content-Length on parts (411); part numbers 1–10000; Complete's part order, ETags,
//! continuity and the 1 MiB minimum of non-last parts; key length (850 bytes) and characters;
//! bucket names; `x-cos-meta-*` names and sizes (2 KB each, 4 KB in all); storage classes,
//! ACL values, `x-cos-traffic-limit` range; `max-keys`/`max-parts`/`max-uploads` ≤ 1000;
//! `x-cos-forbid-overwrite`; conditional GETs and ranges.
//!
//! Bucket CORS is modelled: PUT/GET/DELETE Bucket cors, `OPTIONS` preflights answered from
//! the rules, and CORS headers on other answers (see the `cors` modules).
//!
//! What it does not model: ACLs and bucket policies (every known key may do everything),
//! versioning, SSE-KMS/SSE-C (501), lifecycle, tagging and the other sub-resources
//! (501 NotImplemented), appendable objects, traffic limiting, accounts/APPID ownership, and
//! persistence across restarts (`--data-dir` only moves bytes out of memory).
//!
//! ```no_run
//! # async fn demo() -> Result<(), cos_emulator::EmulatorError> {
//! use cos_emulator::{Emulator, FaultSpec};
//! let emulator = Emulator::builder()
//!     .credential("AKIDexample", "secret")
//!     .bucket("examplebucket-1250000000")
//!     .seed(7)
//!     .start()
//!     .await?;
//! println!("{}", emulator.endpoint_url()); // http://127.0.0.1:PORT
//! emulator.set_faults("5xx=0.05,reset=0.02".parse::<FaultSpec>()?);
//! let temporary = emulator.issue_temporary_key(std::time::Duration::from_secs(60))?;
//! # let _ = temporary;
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod addressing;
mod auth;
pub mod cli;
mod cors;
mod error;
mod faults;
mod hashing;
mod ingest;
mod keys;
mod names;
mod operation;
mod ops;
mod policy;
mod query;
mod reply;
mod server;
mod service;
mod shared;
pub mod storage;
mod sts_api;
mod sts_cors;
mod timefmt;
mod world;
mod xml;

pub use auth::SKEW_TOLERANCE_SECS;
pub use error::{CosError, EmulatorError, ErrorCode};
pub use faults::{FaultSpec, FaultSpecError};
pub use keys::{DEMO_SECRET_ID, DEMO_SECRET_KEY, TemporaryKey};
pub use operation::{Operation, UnknownOperation};

use crate::names::{is_bucket_name, is_region};
use crate::shared::{Shared, lock, write};
use crate::storage::{DirStorage, MemoryStorage, Storage};
use crate::world::Bucket;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Entry point: [`Emulator::builder`].
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with defaults: listen on `127.0.0.1:0`, the demo credential when none is
    /// given, objects in memory, no faults, seed 0, any region.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Options of an emulator; [`EmulatorBuilder::start`] binds and serves.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    credentials: Vec<(String, String)>,
    buckets: Vec<String>,
    data_dir: Option<PathBuf>,
    faults: FaultSpec,
    seed: u64,
    region: Option<String>,
    sts_listen: Option<SocketAddr>,
    allowed_origins: Vec<String>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: Vec::new(),
            buckets: Vec::new(),
            data_dir: None,
            faults: FaultSpec::none(),
            seed: 0,
            region: None,
            sts_listen: None,
            allowed_origins: Vec::new(),
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Adds a permanent key pair (repeatable). Without any, the demo pair
    /// ([`DEMO_SECRET_ID`], [`DEMO_SECRET_KEY`]) is used.
    pub fn credential(
        mut self,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.credentials.push((secret_id.into(), secret_key.into()));
        self
    }

    /// A bucket (`<name>-<appid>`) that exists from the start (repeatable).
    pub fn bucket(mut self, name: impl Into<String>) -> Self {
        self.buckets.push(name.into());
        self
    }

    /// Keeps object bytes in files under `dir` instead of memory.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Faults from the start (its `skew` sets the server clock's offset).
    pub fn faults(mut self, spec: FaultSpec) -> Self {
        self.faults = spec;
        self
    }

    /// The seed of the fault draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Pins the region: hosts naming another region are refused (InvalidRegionName), and
    /// buckets are created there.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Also serves the STS API (`GetFederationToken`, `AssumeRole`, signed with the permanent
    /// keys) on its own listener at `addr` (COS's `POST /` is PostObject, so they cannot
    /// share one); [`RunningEmulator::sts_url`] then names it.
    pub fn sts_listen(mut self, addr: SocketAddr) -> Self {
        self.sts_listen = Some(addr);
        self
    }

    /// Lets pages on `origin` (`http://127.0.0.1:8080`, exactly) call the STS listener from
    /// script (repeatable); other origins get no CORS headers. Buckets have their own CORS
    /// rules (PUT Bucket cors).
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Binds the listener and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, EmulatorError> {
        if let Some(r) = &self.region
            && !is_region(r)
        {
            return Err(EmulatorError::InvalidRegion(r.clone()));
        }
        for b in &self.buckets {
            if !is_bucket_name(b) {
                return Err(EmulatorError::InvalidBucket(b.clone()));
            }
        }
        if self
            .credentials
            .iter()
            .any(|(id, key)| id.is_empty() || key.is_empty())
        {
            return Err(EmulatorError::InvalidCredential);
        }
        let storage: Arc<dyn Storage> =
            match &self.data_dir {
                Some(dir) => Arc::new(DirStorage::open(dir).await.map_err(|source| {
                    EmulatorError::DataDir {
                        dir: dir.display().to_string(),
                        source,
                    }
                })?),
                None => Arc::new(MemoryStorage::new()),
            };
        let mut shared = Shared::new(storage, self.region.clone(), self.faults.clone(), self.seed);
        shared.allowed_origins = self.allowed_origins.clone();
        let sh = Arc::new(shared);
        let demo = self.credentials.is_empty();
        {
            let mut keys = write(&sh.keys);
            if demo {
                keys.add_permanent(DEMO_SECRET_ID, DEMO_SECRET_KEY);
            }
            for (id, key) in &self.credentials {
                keys.add_permanent(id, key);
            }
        }
        {
            let now = sh.now();
            let mut world = lock(&sh.world);
            for b in &self.buckets {
                world
                    .buckets
                    .entry(b.clone())
                    .or_insert_with(|| Bucket::new(sh.default_region.clone(), now));
            }
        }
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.listen.to_string(),
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.listen.to_string(),
                source,
            })?;
        let sts = match self.sts_listen {
            None => None,
            Some(at) => {
                let bind = |source| EmulatorError::Bind {
                    addr: at.to_string(),
                    source,
                };
                let l = tokio::net::TcpListener::bind(at).await.map_err(bind)?;
                let sts_addr = l.local_addr().map_err(bind)?;
                let (stop, stop_rx) = oneshot::channel();
                let task = tokio::spawn(server::run(l, sh.clone(), server::Api::Sts, stop_rx));
                tracing::info!(addr = %sts_addr, "STS API listening");
                Some((sts_addr, stop, task))
            }
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(server::run(listener, sh.clone(), server::Api::Cos, stop_rx));
        tracing::info!(%addr, demo_credential = demo, "COS emulator listening");
        let (sts_addr, sts_stop, sts_task) = match sts {
            Some((a, s, t)) => (Some(a), Some(s), Some(t)),
            None => (None, None, None),
        };
        Ok(RunningEmulator {
            addr,
            shared: sh,
            stop: Some(stop_tx),
            task: Some(task),
            demo,
            sts_addr,
            sts_stop,
            sts_task,
        })
    }
}

/// A serving emulator. Dropping it stops the server (without waiting); prefer
/// [`RunningEmulator::shutdown`].
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    demo: bool,
    sts_addr: Option<SocketAddr>,
    sts_stop: Option<oneshot::Sender<()>>,
    sts_task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` of the STS API, when it was asked for
    /// ([`EmulatorBuilder::sts_listen`]).
    pub fn sts_url(&self) -> Option<String> {
        self.sts_addr.map(|a| format!("http://{a}"))
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the demo credential is in use (no credential was given).
    pub fn uses_demo_credential(&self) -> bool {
        self.demo
    }

    /// The permanent SecretIds it accepts.
    pub fn secret_ids(&self) -> Vec<String> {
        shared::read(&self.shared.keys).permanent_ids()
    }

    /// Replaces the faults in force (the draw's counters start afresh; the spec's `skew`
    /// becomes the clock offset).
    pub fn set_faults(&self, spec: FaultSpec) {
        tracing::info!(faults = %spec, "faults set");
        self.shared.set_faults(spec);
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultSpec {
        lock(&self.shared.faults).spec.clone()
    }

    /// Sets the server clock's offset from real time, in seconds.
    pub fn set_clock_skew(&self, seconds: i64) {
        self.shared.skew.store(seconds, Ordering::Relaxed);
        lock(&self.shared.faults).spec.skew = seconds;
    }

    /// The server clock's offset, in seconds.
    pub fn clock_skew(&self) -> i64 {
        self.shared.skew.load(Ordering::Relaxed)
    }

    /// The server's clock as Unix seconds.
    pub fn server_time(&self) -> i64 {
        self.shared.now().secs()
    }

    /// Issues a temporary key valid from now (server clock) for `duration` (whole seconds,
    /// 1..=129600), as `POST /-/sts?duration=SECONDS` does.
    pub fn issue_temporary_key(&self, duration: Duration) -> Result<TemporaryKey, EmulatorError> {
        let secs = duration.as_secs();
        if !(1..=keys::MAX_STS_DURATION).contains(&secs) {
            return Err(EmulatorError::InvalidDuration(secs));
        }
        Ok(write(&self.shared.keys).issue(self.shared.now().secs(), secs, None))
    }

    /// Issues a temporary key as [`issue_temporary_key`](Self::issue_temporary_key) does,
    /// bound to the CAM `policy` (JSON, as STS takes it): every request made with the key is
    /// checked against it, and what it does not allow is refused with 403 AccessDenied.
    pub fn issue_scoped_key(
        &self,
        duration: Duration,
        policy: &str,
    ) -> Result<TemporaryKey, EmulatorError> {
        let secs = duration.as_secs();
        if !(1..=keys::MAX_STS_DURATION).contains(&secs) {
            return Err(EmulatorError::InvalidDuration(secs));
        }
        let doc: serde_json::Value = serde_json::from_str(policy)
            .map_err(|e| EmulatorError::InvalidPolicy(e.to_string()))?;
        let policy =
            policy::Policy::parse(&doc).map_err(|e| EmulatorError::InvalidPolicy(e.to_string()))?;
        Ok(write(&self.shared.keys).issue(
            self.shared.now().secs(),
            secs,
            Some(std::sync::Arc::new(policy)),
        ))
    }

    /// Creates a bucket (as PUT Bucket would), if it does not exist yet.
    pub fn create_bucket(&self, name: &str) -> Result<(), EmulatorError> {
        if !is_bucket_name(name) {
            return Err(EmulatorError::InvalidBucket(name.to_string()));
        }
        let now = self.shared.now();
        let region = self.shared.default_region.clone();
        lock(&self.shared.world)
            .buckets
            .entry(name.to_string())
            .or_insert_with(|| Bucket::new(region, now));
        Ok(())
    }

    /// Stops accepting, lets open connections finish (up to 5 s), and waits for the server.
    pub async fn shutdown(mut self) {
        for stop in [self.stop.take(), self.sts_stop.take()]
            .into_iter()
            .flatten()
        {
            let _ = stop.send(());
        }
        for task in [self.task.take(), self.sts_task.take()]
            .into_iter()
            .flatten()
        {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "server task failed");
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        for stop in [self.stop.take(), self.sts_stop.take()]
            .into_iter()
            .flatten()
        {
            let _ = stop.send(());
        }
    }
}
