//! [`Context`]: what one conformance case runs with — the target (an in-process emulator or
//! real COS), the bucket, the credentials, a Client, a plain HTTP client and a key prefix of
//! its own — and [`Context::finish`], which cleans up and reports.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cos_emulator::{Emulator, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey, Region, Scheme};
use cos_sign::Credentials;
use cos_transport::{Client, ClientBuilder, DynTransport, StaticCredentials};
use rand::Rng as _;

use crate::cleanup;
use crate::loopback::pinned_transport;
use crate::plain_http::PlainHttp;
use crate::target::TargetKind;
use crate::{Outcome, SuiteError};

/// The key pair the emulator is started with (a test credential, not a secret).
pub const EMULATOR_SECRET_ID: &str = "AKIDcosrsCONFORMANCEsuite000000000000";
/// The emulator's secret key for [`EMULATOR_SECRET_ID`].
pub const EMULATOR_SECRET_KEY: &str = "cosrs-conformance-suite-secret-key-00";
/// The bucket the emulator serves from the start.
pub const EMULATOR_BUCKET: &str = "conformance-1250000000";
/// The region the Client addresses the emulator with (virtual-host `Host`).
pub const EMULATOR_REGION: &str = "ap-guangzhou";
/// Where every case's keys live (under a per-run, per-case folder).
pub const KEY_ROOT: &str = "cos-rs-conformance";

/// Everything one case needs.
pub struct Context {
    case: String,
    target: TargetKind,
    emulator: Option<RunningEmulator>,
    pin: Option<SocketAddr>,
    endpoint: Endpoint,
    bucket: BucketName,
    region: Region,
    credentials: Credentials,
    prefix: String,
    transport: Arc<dyn DynTransport>,
    client: Client,
    plain: PlainHttp,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("case", &self.case)
            .field("target", &self.target.name())
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Sets up `case` against the target the environment selects (see [`TargetKind::from_env`]):
    /// a fresh emulator on an ephemeral loopback port, or real COS.
    pub async fn start(case: &str) -> Result<Self, SuiteError> {
        Self::start_on(case, TargetKind::from_env()?).await
    }

    /// Sets up `case` against `target`.
    pub async fn start_on(case: &str, target: TargetKind) -> Result<Self, SuiteError> {
        let run = format!(
            "{}-{:06x}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            rand::rng().random_range(0..0x100_0000u32)
        );
        // Against real COS a run id keeps concurrent runs apart; each emulator is fresh, and a
        // fixed prefix keeps its seeded fault draws (which depend on keys) reproducible.
        let prefix = match &target {
            TargetKind::Emulator => format!("{KEY_ROOT}/{case}/"),
            TargetKind::RealCos(_) => format!("{KEY_ROOT}/{run}/{case}/"),
        };
        let (emulator, credentials, bucket, region, scheme, pin) = match &target {
            TargetKind::Emulator => {
                let emulator = Emulator::builder()
                    .credential(EMULATOR_SECRET_ID, EMULATOR_SECRET_KEY)
                    .bucket(EMULATOR_BUCKET)
                    .sts_listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                    .seed(seed_of(case))
                    .start()
                    .await
                    .map_err(|e| SuiteError::setup(format!("starting the emulator: {e}")))?;
                let credentials = Credentials::new(EMULATOR_SECRET_ID, EMULATOR_SECRET_KEY);
                let pin = Some(emulator.addr());
                (
                    Some(emulator),
                    credentials,
                    EMULATOR_BUCKET,
                    EMULATOR_REGION,
                    Scheme::Http,
                    pin,
                )
            }
            TargetKind::RealCos(real) => {
                let credentials = Credentials::new(real.secret_id.clone(), real.secret_key.clone());
                let scheme = if real.ip.is_some() {
                    Scheme::Http
                } else {
                    Scheme::Https
                };
                (
                    None,
                    credentials,
                    real.bucket.as_str(),
                    real.region.as_str(),
                    scheme,
                    real.ip,
                )
            }
        };
        let bucket =
            BucketName::new(bucket).map_err(|e| SuiteError::setup(format!("bucket: {e}")))?;
        let region = Region::new(region).map_err(|e| SuiteError::setup(format!("region: {e}")))?;
        let endpoint = Endpoint::new(region.clone()).with_scheme(scheme);
        let transport: Arc<dyn DynTransport> = Arc::new(
            pinned_transport(pin)
                .map_err(|e| SuiteError::setup(format!("building the transport: {e}")))?,
        );
        let client = Client::builder(endpoint.clone())
            .bucket(bucket.clone())
            .transport_arc(Arc::clone(&transport))
            .credentials(StaticCredentials::new(credentials.clone()))
            .build()
            .map_err(|e| SuiteError::setup(format!("building the client: {e}")))?;
        tracing::info!(case, target = target.name(), %prefix, "case starts");
        Ok(Self {
            case: case.to_owned(),
            target,
            emulator,
            pin,
            endpoint,
            bucket,
            region,
            credentials,
            prefix,
            transport,
            client,
            plain: PlainHttp::new(pin)?,
        })
    }

    /// The case's name.
    pub fn case(&self) -> &str {
        &self.case
    }

    /// What the case runs against.
    pub fn target(&self) -> &TargetKind {
        &self.target
    }

    /// Whether the target is the emulator.
    pub fn is_emulator(&self) -> bool {
        self.emulator.is_some()
    }

    /// The running emulator, or [`SuiteError::CannotRun`] on real COS saying why `need` it.
    pub fn emulator(&self, need: &str) -> Result<&RunningEmulator, SuiteError> {
        self.emulator.as_ref().ok_or_else(|| SuiteError::CannotRun {
            target: self.target.name().to_owned(),
            reason: need.to_owned(),
        })
    }

    /// The Client under test: the permanent key pair, the default retry policy.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A Client builder already set to the endpoint, the bucket and the transport (add
    /// credentials, a retry policy, a clock).
    pub fn client_builder(&self) -> ClientBuilder {
        self.client_builder_over(Arc::clone(&self.transport))
    }

    /// As [`Context::client_builder`] over another transport (e.g. a decorator of
    /// [`Context::transport`]).
    pub fn client_builder_over(&self, transport: Arc<dyn DynTransport>) -> ClientBuilder {
        Client::builder(self.endpoint.clone())
            .bucket(self.bucket.clone())
            .transport_arc(transport)
    }

    /// The transport every client of this case uses (pinned to the emulator's address).
    pub fn transport(&self) -> Arc<dyn DynTransport> {
        Arc::clone(&self.transport)
    }

    /// The endpoint (virtual-host addressing; `http` for the emulator).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The bucket.
    pub fn bucket(&self) -> &BucketName {
        &self.bucket
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The permanent key pair.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The plain HTTP client (pinned to the emulator like the Client).
    pub fn plain(&self) -> &PlainHttp {
        &self.plain
    }

    /// The socket address requests are pinned to (the emulator's), if any.
    pub fn pinned_addr(&self) -> Option<SocketAddr> {
        self.pin
    }

    /// This case's key prefix (`cos-rs-conformance/<run>/<case>/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `prefix + name` as text (may be an invalid key on purpose).
    pub fn raw_key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// `prefix + name` as a key.
    pub fn key(&self, name: &str) -> Result<ObjectKey, SuiteError> {
        let raw = self.raw_key(name);
        ObjectKey::new(raw.clone()).map_err(|e| SuiteError::setup(format!("key {raw:?}: {e}")))
    }

    /// A bucket name in the same APPID that does not exist.
    pub fn missing_bucket(&self) -> Result<BucketName, SuiteError> {
        let name = format!(
            "cosrs-missing-{:08x}-{}",
            rand::rng().random::<u32>(),
            self.bucket.app_id()
        );
        BucketName::new(name).map_err(|e| SuiteError::setup(format!("missing bucket name: {e}")))
    }

    /// The server's clock as Unix seconds (the emulator's, skew included; this machine's
    /// for real COS).
    pub fn server_now(&self) -> u64 {
        match &self.emulator {
            Some(emulator) => u64::try_from(emulator.server_time()).unwrap_or(0),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    /// The URL of `key` (or of the bucket root) with this endpoint's addressing.
    pub fn url(&self, key: Option<&str>) -> Result<String, SuiteError> {
        let target = self
            .endpoint
            .target(Some(&self.bucket), None)
            .map_err(|e| SuiteError::setup(format!("target: {e}")))?;
        let path = cos_model::encode::uri_encode_path(key.unwrap_or_default());
        Ok(format!(
            "{}://{}{}{}",
            target.scheme(),
            target.host(),
            target.path(),
            path
        ))
    }

    /// The `Host` of the bucket.
    pub fn bucket_host(&self) -> Result<String, SuiteError> {
        self.endpoint
            .target(Some(&self.bucket), None)
            .map(|t| t.host().to_owned())
            .map_err(|e| SuiteError::setup(format!("target: {e}")))
    }

    /// Cleans up (real COS: deletes the case's objects and aborts its uploads; the emulator
    /// is shut down) and turns the outcome into a report: `Err` holds the whole message.
    pub async fn finish(self, outcome: Outcome) -> Result<(), String> {
        let cleanup = match &self.target {
            TargetKind::RealCos(_) => cleanup::under_prefix(&self.client, &self.prefix).await,
            TargetKind::Emulator => Ok(()),
        };
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
        let target = self.target.name();
        match (outcome, cleanup) {
            (Err(error), cleanup) => {
                let mut message = format!("{} against {target}: {}", self.case, render(&error));
                if let Err(c) = cleanup {
                    message.push_str(&format!("\n(also, cleaning up failed: {})", render(&c)));
                }
                Err(message)
            }
            (Ok(()), Err(c)) => Err(format!(
                "{} against {target}: cleaning up failed: {}",
                self.case,
                render(&c)
            )),
            (Ok(()), Ok(())) => Ok(()),
        }
    }
}

/// A stable per-case seed for the emulator's fault draws.
fn seed_of(case: &str) -> u64 {
    case.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// An error and its chain of sources, one per line.
pub fn render(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let line = s.to_string();
        if !text.contains(&line) {
            text.push_str(&format!("\n  caused by: {line}"));
        }
        source = s.source();
    }
    text
}
