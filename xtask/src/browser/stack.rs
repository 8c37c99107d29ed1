//! What the browser run starts on 127.0.0.1: the emulator (COS and STS, its bucket given CORS
//! rules for the page's origin through cos-rs) and the signing server with its page.

use std::path::Path;
use std::time::Duration;

use cos_emulator::{DEMO_SECRET_ID, DEMO_SECRET_KEY, Emulator, RunningEmulator};
use cos_model::ops::{CorsConfiguration, CorsRule, PutBucketCors};
use cos_model::options::CorsMethod;
use cos_model::{BucketName, Endpoint};
use cos_sign_server::{
    Addressing, BrowserAccess, CredentialSource, ExtensionAllowList, RunningSignServer,
    SignServerConfig, StsGrant,
};
use cos_transport::{Client, StaticCredentials};

const BUCKET: &str = "cosrs-browser-1250000000";
const REGION: &str = "ap-guangzhou";
/// The bearer token the page shows the signing server (a test value).
const TOKEN: &str = "cos-rs-browser-test-token";
/// The largest upload the grants allow.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The CORS rules a bucket needs for the page on `origin`: its uploads (PUT, POST and the
/// SDK's multipart calls) with any request header, and the response headers the page and
/// cos-js-sdk-v5 read (ETag for every part, the CRC64 the page shows).
fn bucket_cors(origin: &str) -> CorsConfiguration {
    let mut rule = CorsRule::new(origin, CorsMethod::Put);
    for method in [
        CorsMethod::Post,
        CorsMethod::Get,
        CorsMethod::Head,
        CorsMethod::Delete,
    ] {
        rule = rule.method(method);
    }
    rule = rule.allowed_header("*").max_age_seconds(600);
    for header in [
        "ETag",
        "Content-Length",
        "Date",
        "x-cos-request-id",
        "x-cos-hash-crc64ecma",
        "x-cos-version-id",
    ] {
        rule = rule.expose_header(header);
    }
    CorsConfiguration::new([rule.id("direct-upload-page")])
}

/// Puts [`bucket_cors`] for `origin` on the client's bucket.
pub async fn put_bucket_cors(client: &Client, origin: &str) -> Result<(), String> {
    client
        .execute(&PutBucketCors::new(bucket_cors(origin)))
        .await
        .map(|_| ())
        .map_err(|e| format!("PutBucketCors: {e}"))
}

/// The running emulator and signing server.
pub struct BrowserStack {
    emulator: RunningEmulator,
    signer: RunningSignServer,
    /// A client with the account's keys, for the checks.
    pub client: Client,
    /// `http://127.0.0.1:PORT` of the emulator.
    pub endpoint_url: String,
    /// `http://127.0.0.1:PORT/`: the page, on the origin the bucket's rules allow.
    pub page_url: String,
}

impl BrowserStack {
    /// Starts both servers and puts the bucket's CORS rules.
    pub async fn start(js_sdk: &Path) -> Result<Self, String> {
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let emulator = Emulator::builder()
            .bucket(BUCKET)
            .sts_listen(loopback)
            .start()
            .await
            .map_err(|e| format!("starting the emulator: {e}"))?;
        let endpoint_url = emulator.endpoint_url();
        let credentials = cos_sign::Credentials::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
        let sts_url = emulator
            .sts_url()
            .ok_or("the emulator has no STS listener")?;
        let sts = StsGrant {
            client: cos_transport::StsClient::builder(credentials.clone())
                .region(REGION)
                .endpoint(sts_url)
                .build()
                .map_err(|e| format!("STS client: {e}"))?,
            region: REGION.into(),
            allow_prefix: None,
            duration_seconds: 900,
        };
        let config = SignServerConfig {
            bucket: BUCKET.into(),
            addressing: Addressing::from_endpoint(&endpoint_url, BUCKET)
                .map_err(|e| e.to_string())?,
            prefix: "browser".into(),
            max_bytes: MAX_BYTES,
            allowed_extensions: ExtensionAllowList::new(["jpg", "png", "mp4"]),
            bearer_token: TOKEN.into(),
            credential_ttl: Duration::from_secs(600),
            sts: Some(sts),
        };
        let access = BrowserAccess::new().region(REGION).js_sdk(js_sdk);
        let signer = cos_sign_server::start_with(
            config,
            CredentialSource::Static(credentials.clone()),
            loopback,
            access,
        )
        .await
        .map_err(|e| format!("starting the signing server: {e}"))?;
        let client = Client::builder(
            Endpoint::path_style(&endpoint_url).map_err(|e| format!("endpoint: {e}"))?,
        )
        .bucket(BucketName::new(BUCKET).map_err(|e| format!("bucket: {e}"))?)
        .credentials(StaticCredentials::new(credentials))
        .build()
        .map_err(|e| format!("client: {e}"))?;
        let page_url = format!("{}/", signer.url());
        put_bucket_cors(&client, &signer.url()).await?;
        Ok(BrowserStack {
            emulator,
            signer,
            client,
            endpoint_url,
            page_url,
        })
    }

    /// The page with the bearer token in its fragment.
    pub fn page_url_with_token(&self) -> String {
        format!("{}#token={TOKEN}", self.page_url)
    }

    /// The same page from `localhost` instead of `127.0.0.1`: another origin, one the bucket's
    /// rules do not name.
    pub fn blocked_url_with_token(&self) -> String {
        format!(
            "http://localhost:{}/#token={TOKEN}",
            self.signer.addr().port()
        )
    }

    /// Stops both servers.
    pub async fn stop(self) {
        self.signer.shutdown().await;
        self.emulator.shutdown().await;
    }
}
