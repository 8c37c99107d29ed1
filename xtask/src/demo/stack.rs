//! What the demo runs against: the emulator plus the signing server on loopback (default), or
//! real COS with keys from the environment; and the cos-transport `Client` for that target.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cos_emulator::{DEMO_SECRET_ID, DEMO_SECRET_KEY, Emulator, RunningEmulator};
use cos_model::{BucketName, Endpoint, Region};
use cos_sign_server::{
    Addressing, BrowserAccess, CredentialSource, ExtensionAllowList, GuideClient,
    RunningSignServer, SignServerConfig, StsSource,
};
use cos_transport::{Client, StaticCredentials};

/// The bucket the demo creates in the emulator.
const DEMO_BUCKET: &str = "cosrs-demo-1250000000";
/// The emulator accepts any region; this one goes into Hosts and grants.
const DEMO_REGION: &str = "ap-guangzhou";
/// The login token the demo's mini program shows the signing server.
const LOGIN_TOKEN: &str = "demo-app-login-token";
/// The largest file the signing server's grants allow.
pub const MAX_UPLOAD_BYTES: u64 = 1024 * 1024;

/// Where the uploads go.
pub enum Target {
    /// A fresh emulator on a free loopback port.
    Emulator,
    /// Real COS.
    Real {
        /// `name-appid`.
        bucket: String,
        /// e.g. `ap-guangzhou`.
        region: String,
        /// The account's keys.
        credentials: cos_sign::Credentials,
    },
}

impl Target {
    /// Real COS from COS_BUCKET and COS_REGION, with COS_SECRET_ID/COS_SECRET_KEY or the
    /// default credential chain's keys.
    pub async fn real_from_env() -> Result<Self, String> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("--real needs {name} in the environment"))
        };
        let credentials = crate::account_keys::account_keys().await?;
        Ok(Self::Real {
            bucket: var("COS_BUCKET")?,
            region: var("COS_REGION")?,
            credentials,
        })
    }
}

/// Everything the demo started, and how to reach it.
pub struct Stack {
    emulator: Option<RunningEmulator>,
    signer: RunningSignServer,
    /// The mini program's client of the signing server.
    pub app: GuideClient,
    /// A client with full keys, for the big upload and for verification.
    pub client: Client,
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// `http://127.0.0.1:PORT` for the emulator; none for real COS.
    pub endpoint_url: Option<String>,
    /// Keys for the upload list's files.
    pub list_keys: cos_vod::TemporaryKey,
    workdir: tempfile::TempDir,
}

impl Stack {
    /// Starts the emulator (unless real) and the signing server.
    /// `browser` says what the signing server lets browsers do (its page, the SDK file).
    pub async fn start(target: Target, browser: BrowserAccess) -> Result<Self, String> {
        let workdir = tempfile::Builder::new()
            .prefix("cos-rs-demo-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let (emulator, bucket, region, credentials, endpoint_url) = match target {
            Target::Emulator => {
                let data_dir = workdir.path().join("emulator-data");
                std::fs::create_dir_all(&data_dir).map_err(|e| format!("{e}"))?;
                let emulator = Emulator::builder()
                    .bucket(DEMO_BUCKET)
                    .data_dir(&data_dir)
                    .sts_listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                    .start()
                    .await
                    .map_err(|e| format!("starting the emulator: {e}"))?;
                let url = emulator.endpoint_url();
                (
                    Some(emulator),
                    DEMO_BUCKET.to_owned(),
                    DEMO_REGION.to_owned(),
                    cos_sign::Credentials::new(DEMO_SECRET_ID, DEMO_SECRET_KEY),
                    Some(url),
                )
            }
            Target::Real {
                bucket,
                region,
                credentials,
            } => (None, bucket, region, credentials, None),
        };

        let (addressing, keys, list_keys) = match (&emulator, &endpoint_url) {
            (Some(emulator), Some(url)) => {
                let sts =
                    StsSource::new(format!("{url}/-/sts"), 3600).map_err(|e| e.to_string())?;
                let temporary = emulator
                    .issue_temporary_key(Duration::from_secs(3600))
                    .map_err(|e| format!("temporary keys: {e}"))?;
                let key =
                    cos_vod::TemporaryKey::new(temporary.tmp_secret_id, temporary.tmp_secret_key)
                        .with_security_token(temporary.session_token)
                        .with_start_time(u64::try_from(temporary.start_time).unwrap_or(0))
                        .with_expired_time(u64::try_from(temporary.expired_time).unwrap_or(0));
                (
                    Addressing::from_endpoint(url, &bucket).map_err(|e| e.to_string())?,
                    CredentialSource::Sts(Box::new(sts)),
                    key,
                )
            }
            _ => {
                let mut key =
                    cos_vod::TemporaryKey::new(credentials.secret_id(), credentials.secret_key());
                if let Some(token) = credentials.security_token() {
                    key = key.with_security_token(token);
                }
                (
                    Addressing::cos_default(&bucket, &region),
                    CredentialSource::Static(credentials.clone()),
                    key,
                )
            }
        };

        // /sts: the recommended path, keys minted by STS (the emulator's, or Tencent's with the
        // account's permanent keys) for one server-chosen key
        let mut sts_client = cos_transport::StsClient::builder(credentials.clone()).region(&region);
        if let Some(url) = emulator.as_ref().and_then(RunningEmulator::sts_url) {
            sts_client = sts_client.endpoint(url);
        }
        let sts = cos_sign_server::StsGrant {
            client: sts_client.build().map_err(|e| format!("STS client: {e}"))?,
            region: region.clone(),
            allow_prefix: None,
            duration_seconds: 900,
        };
        let config = SignServerConfig {
            bucket: bucket.clone(),
            addressing,
            prefix: "demo/mini-program".into(),
            max_bytes: MAX_UPLOAD_BYTES,
            allowed_extensions: ExtensionAllowList::new(["jpg", "png"]),
            bearer_token: LOGIN_TOKEN.into(),
            credential_ttl: Duration::from_secs(600),
            sts: Some(sts),
        };
        let listen = "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?;
        let signer = cos_sign_server::start_with(config, keys, listen, browser.region(&region))
            .await
            .map_err(|e| format!("starting the signing server: {e}"))?;
        let app = GuideClient::new(signer.url(), LOGIN_TOKEN).map_err(|e| e.to_string())?;

        let endpoint = match &endpoint_url {
            Some(url) => Endpoint::path_style(url).map_err(|e| format!("endpoint: {e}"))?,
            None => Endpoint::new(Region::new(&region).map_err(|e| format!("COS_REGION: {e}"))?),
        };
        let client = Client::builder(endpoint)
            .bucket(BucketName::new(&bucket).map_err(|e| format!("bucket: {e}"))?)
            .credentials(StaticCredentials::new(credentials))
            .build()
            .map_err(|e| format!("client: {e}"))?;

        Ok(Self {
            emulator,
            signer,
            app,
            client,
            bucket,
            region,
            endpoint_url,
            list_keys,
            workdir,
        })
    }

    /// One paragraph saying what runs where.
    pub fn describe(&self) -> String {
        match &self.endpoint_url {
            Some(url) => format!(
                "cos-rs demo\n  emulator        {url}  (bucket {}, data in {})\n  signing server  {}  (bearer token required)\n",
                self.bucket,
                self.workdir.path().join("emulator-data").display(),
                self.signer.url()
            ),
            None => format!(
                "cos-rs demo against REAL COS\n  bucket          {} in {}\n  signing server  {}\n",
                self.bucket,
                self.region,
                self.signer.url()
            ),
        }
    }

    /// The signing server's direct-upload page, with the demo's bearer token in the fragment.
    pub fn page_url(&self) -> String {
        format!("{}/#token={LOGIN_TOKEN}", self.signer.url())
    }

    /// The page's origin (what the bucket's CORS rules must allow).
    pub fn page_origin(&self) -> String {
        self.signer.url()
    }

    /// A directory for generated files and checkpoints, removed at the end.
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// A subdirectory of the work directory, created.
    pub fn subdir(&self, name: &str) -> Result<PathBuf, String> {
        let dir = self.workdir.path().join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(dir)
    }

    /// Makes every UploadPart take `millis` longer on the emulator (0: back to full speed), so
    /// that a step can act on an upload while it is still running. Real COS is slow enough.
    pub fn delay_parts(&self, millis: u64) -> Result<(), String> {
        if let Some(emulator) = &self.emulator {
            let spec = if millis == 0 {
                String::new()
            } else {
                format!("delay=1.0:{millis},ops=UploadPart")
            };
            let faults = spec
                .parse::<cos_emulator::FaultSpec>()
                .map_err(|e| format!("fault spec `{spec}`: {e}"))?;
            emulator.set_faults(faults);
        }
        Ok(())
    }

    /// Stops the signing server and the emulator; the work directory goes with `self`.
    pub async fn stop(self) {
        self.signer.shutdown().await;
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}
