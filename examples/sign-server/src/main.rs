//! `cos-sign-server`: the direct-upload signing server as a command.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cos_sign_server::{
    Addressing, BrowserAccess, CredentialSource, ExtensionAllowList, SignServerConfig,
    SignServerError, StsGrant, StsSource,
};
use cos_transport::DefaultCredentials;

/// Hands out credentials that can upload exactly one server-chosen key.
///
/// Credentials: --sts-url to fetch temporary keys (e.g. the emulator's
/// http://127.0.0.1:PORT/-/sts); else COS_SECRET_ID and COS_SECRET_KEY when both are set; else
/// the default chain (TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials,
/// TKE web identity, the CVM instance role).
///
/// It also serves a direct-upload page at / (PUT, form POST and cos-js-sdk-v5 with --js-sdk);
/// the bucket's CORS rules must allow this server's origin for the page's uploads.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The bucket, NAME-APPID.
    #[arg(long)]
    bucket: String,
    /// The bucket's region, e.g. ap-guangzhou.
    #[arg(long)]
    region: String,
    /// COS endpoint (e.g. the emulator's http://127.0.0.1:PORT); default: the bucket's COS domain.
    #[arg(long)]
    endpoint: Option<String>,
    /// Keys are created as PREFIX/yyyymmdd/RANDOM.EXT.
    #[arg(long, default_value = "uploads")]
    prefix: String,
    /// Largest upload allowed by a POST policy or a declared PUT size.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_bytes: u64,
    /// Allowed extensions, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "jpg,jpeg,png,gif,webp,mp4,mov"
    )]
    allow_ext: Vec<String>,
    /// Bearer token clients must present (Authorization: Bearer TOKEN).
    #[arg(long, env = "COS_SIGN_SERVER_TOKEN", hide_env_values = true)]
    token: String,
    /// Validity of each handed-out credential, in seconds.
    #[arg(long, default_value_t = 600)]
    ttl: u64,
    /// Fetch temporary keys from this STS URL instead of using COS_SECRET_ID/COS_SECRET_KEY or
    /// the default credential chain.
    #[arg(long)]
    sts_url: Option<String>,
    /// Serve /sts: temporary keys from Tencent Cloud STS (GetFederationToken, signed with
    /// COS_SECRET_ID/COS_SECRET_KEY or the default chain's permanent keys) scoped to one fresh
    /// key, or to --sts-allow-prefix.
    #[arg(long)]
    sts: bool,
    /// Where STS is (default https://sts.tencentcloudapi.com; the emulator's --sts-listen URL).
    #[arg(long, value_name = "URL")]
    sts_endpoint: Option<String>,
    /// Let /sts keys upload anything under PREFIX instead of one fresh key.
    #[arg(long, value_name = "PREFIX")]
    sts_allow_prefix: Option<String>,
    /// Lifetime of /sts keys, in seconds.
    #[arg(long, default_value_t = 1800)]
    sts_duration: u32,
    /// A page origin (e.g. http://127.0.0.1:8080) allowed to call this server from a browser
    /// (repeatable); no other origin is.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// cos-js-sdk-v5's dist/cos-js-sdk-v5.min.js, served to the page at
    /// /vendor/cos-js-sdk-v5.min.js (its SDK upload needs it).
    #[arg(long, value_name = "FILE")]
    js_sdk: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cos-sign-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `COS_SECRET_ID` and `COS_SECRET_KEY` (with `COS_SECURITY_TOKEN`), when both are set: the
/// keys given explicitly, which win over the default chain.
fn explicit_keys() -> Option<cos_sign::Credentials> {
    let id = std::env::var("COS_SECRET_ID")
        .ok()
        .filter(|v| !v.is_empty())?;
    let key = std::env::var("COS_SECRET_KEY")
        .ok()
        .filter(|v| !v.is_empty())?;
    let mut credentials = cos_sign::Credentials::new(id, key);
    if let Ok(token) = std::env::var("COS_SECURITY_TOKEN") {
        credentials = credentials.with_security_token(token);
    }
    Some(credentials)
}

async fn run(args: Args) -> Result<(), SignServerError> {
    let addressing = match &args.endpoint {
        Some(endpoint) => Addressing::from_endpoint(endpoint, &args.bucket)?,
        None => Addressing::cos_default(&args.bucket, &args.region),
    };
    let explicit = explicit_keys();
    let chain = DefaultCredentials::new();
    let keys = match (args.sts_url, &explicit) {
        (Some(url), _) => CredentialSource::Sts(Box::new(StsSource::new(url, 1800)?)),
        (None, Some(credentials)) => CredentialSource::Static(credentials.clone()),
        (None, None) => {
            let source = chain.resolve().await.map_err(|e| {
                SignServerError::Config(format!("the default credential chain: {e}"))
            })?;
            tracing::info!(
                source = source.name(),
                "signing with keys from the default chain"
            );
            CredentialSource::Chain(chain.clone())
        }
    };
    let sts = if args.sts || args.sts_endpoint.is_some() || args.sts_allow_prefix.is_some() {
        // GetFederationToken takes permanent keys: the explicit pair, else the chain's when
        // they are permanent (environment or profile file)
        let credentials = match explicit {
            Some(credentials) => credentials,
            None => {
                let keys = chain
                    .keys(std::time::SystemTime::now())
                    .await
                    .map_err(|e| {
                        SignServerError::Config(format!("the default credential chain: {e}"))
                    })?;
                if keys.credentials.security_token().is_some() {
                    return Err(SignServerError::Config(
                        "/sts calls GetFederationToken, which takes permanent keys; the \
                         default credential chain found temporary ones: set COS_SECRET_ID and \
                         COS_SECRET_KEY"
                            .into(),
                    ));
                }
                keys.credentials
            }
        };
        let mut client = cos_transport::StsClient::builder(credentials).region(args.region.clone());
        if let Some(url) = &args.sts_endpoint {
            client = client.endpoint(url.clone());
        }
        let client = client
            .build()
            .map_err(|e| SignServerError::Config(e.to_string()))?;
        Some(StsGrant {
            client,
            region: args.region.clone(),
            allow_prefix: args.sts_allow_prefix.clone(),
            duration_seconds: args.sts_duration,
        })
    } else {
        None
    };
    let config = SignServerConfig {
        bucket: args.bucket,
        addressing,
        prefix: args.prefix,
        max_bytes: args.max_bytes,
        allowed_extensions: ExtensionAllowList::new(&args.allow_ext),
        bearer_token: args.token,
        credential_ttl: Duration::from_secs(args.ttl),
        sts,
    };
    let mut browser = BrowserAccess::new().region(args.region.clone());
    for origin in &args.allow_origin {
        browser = browser.allow_origin(origin.clone());
    }
    if let Some(sdk) = &args.js_sdk {
        browser = browser.js_sdk(sdk.clone());
    }
    let server = cos_sign_server::start_with(config, keys, args.listen, browser).await?;
    println!("listening on {}", server.url());
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(())
}
