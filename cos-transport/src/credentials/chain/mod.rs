//! [`DefaultCredentials`]: the credential chain a Tencent Cloud user expects (its doc lists
//! the order and the rules, each source's module says where its rules come from), its
//! sources, and what they say when they fail.

mod env_keys;
mod environment;
mod error;
mod instance_role;
mod profile;
mod web_identity;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use cos_model::sts::AssumeRole;

use super::{
    CredentialError, CredentialProvider, ProvidedKeys, SigningContext, SigningMaterial, keys_at,
};
use crate::sts::{ASSUMED_ROLE, MintedCredentials, StsClient};
use crate::transport::{BoxFuture, DynTransport, Transport};

pub use environment::{Environment, MapEnvironment, ProcessEnvironment};
pub use error::{ChainError, SourceError, Tried};
pub use instance_role::DEFAULT_METADATA_ENDPOINT;
pub use profile::CREDENTIALS_FILE_VAR;

/// One source of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// Key pairs in environment variables.
    Environment,
    /// The INI profile file.
    ProfileFile,
    /// TKE's OIDC token exchanged with STS `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// The CVM instance role from the metadata service.
    InstanceRole,
}

impl SourceKind {
    /// The default order.
    pub const DEFAULT_ORDER: [SourceKind; 4] = [
        SourceKind::Environment,
        SourceKind::ProfileFile,
        SourceKind::WebIdentity,
        SourceKind::InstanceRole,
    ];

    /// The name errors and logs use (`environment`, `profile file`, `TKE web identity`,
    /// `CVM instance role`).
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Environment => env_keys::NAME,
            SourceKind::ProfileFile => profile::NAME,
            SourceKind::WebIdentity => web_identity::NAME,
            SourceKind::InstanceRole => instance_role::NAME,
        }
    }
}

/// What a source found.
pub(crate) enum Loaded {
    /// Nothing, and why (for the chain's error).
    Nothing(String),
    /// Keys (or a provider of temporary keys), and where from (no secret in it).
    Found {
        provider: Arc<dyn CredentialProvider>,
        detail: String,
    },
}

/// What the sources need.
#[derive(Clone)]
pub(crate) struct Config {
    env: Arc<dyn Environment>,
    profile: String,
    metadata_endpoint: String,
    sts_endpoint: Option<String>,
    transport: Option<Arc<dyn DynTransport>>,
    refresh_before: Duration,
}

/// Builds a [`DefaultCredentials`].
pub struct DefaultCredentialsBuilder {
    config: Config,
    sources: Vec<SourceKind>,
    assume: Option<AssumeRole>,
}

impl fmt::Debug for DefaultCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialsBuilder")
            .field("sources", &self.sources)
            .field("profile", &self.config.profile)
            .field("metadata_endpoint", &self.config.metadata_endpoint)
            .field("sts_endpoint", &self.config.sts_endpoint)
            .field("assume_role", &self.assume)
            .finish_non_exhaustive()
    }
}

impl DefaultCredentialsBuilder {
    /// Where variables (and the home directory) are read from (default: the process's).
    pub fn environment(mut self, env: impl Environment) -> Self {
        self.config.env = Arc::new(env);
        self
    }

    /// The profile of the profile file to use (default `default`).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.config.profile = name.into();
        self
    }

    /// The metadata service's base URL (default [`DEFAULT_METADATA_ENDPOINT`]).
    pub fn metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.config.metadata_endpoint = url.into();
        self
    }

    /// STS's base URL for web identity and an assumed role (default
    /// `https://sts.tencentcloudapi.com`).
    pub fn sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.config.sts_endpoint = Some(url.into());
        self
    }

    /// The transport for the metadata service and STS (default: a new
    /// [`HyperTransport`](crate::HyperTransport) each, the metadata one with a 1 s connect
    /// timeout).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.config.transport = Some(Arc::new(transport));
        self
    }

    /// Refresh temporary keys when less than this is left (default 5 min, as the SDKs; never
    /// more than half the keys' lifetime).
    pub fn refresh_before(mut self, before: Duration) -> Self {
        self.config.refresh_before = before;
        self
    }

    /// The sources to try and their order (default [`SourceKind::DEFAULT_ORDER`]).
    pub fn sources(mut self, sources: impl IntoIterator<Item = SourceKind>) -> Self {
        self.sources = sources.into_iter().collect();
        self
    }

    /// Assume this role with the keys found, and sign with the role's keys (STS `AssumeRole`
    /// with the action's session name and duration).
    pub fn assume_role(mut self, action: AssumeRole) -> Self {
        self.assume = Some(action);
        self
    }

    /// Builds the chain. Nothing is read or contacted until keys are first needed (or
    /// [`DefaultCredentials::resolve`] is called).
    pub fn build(self) -> DefaultCredentials {
        DefaultCredentials {
            inner: Arc::new(Inner {
                config: self.config,
                sources: self.sources,
                assume: self.assume,
                resolved: OnceLock::new(),
                resolving: tokio::sync::Mutex::new(()),
            }),
        }
    }
}

struct Resolved {
    provider: Arc<dyn CredentialProvider>,
    source: SourceKind,
}

struct Inner {
    config: Config,
    sources: Vec<SourceKind>,
    assume: Option<AssumeRole>,
    resolved: OnceLock<Resolved>,
    resolving: tokio::sync::Mutex<()>,
}

/// The default credential chain: keys found by the program itself, where Tencent's SDKs and
/// tools look for them, tried in this order.
///
/// 1. **environment**: `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` (the names of
///    tencentcloud-sdk-go `env_provider.go`, tencentcloud-sdk-python
///    `EnvironmentVariableCredential` and reqsign's tencent-cos), with a token in
///    `TENCENTCLOUD_SESSION_TOKEN` (this project's name, no SDK's),
///    `TENCENTCLOUD_TOKEN` or `TENCENTCLOUD_SECURITY_TOKEN` (reqsign's two; the Go and Python
///    SDKs read no token from the environment); then this project's `COS_SECRET_ID` / `COS_SECRET_KEY` /
///    `COS_SECURITY_TOKEN`. An empty variable counts as unset.
/// 2. **profile file**: the file `TENCENTCLOUD_CREDENTIALS_FILE` names (Go SDK), else
///    `~/.tencentcloud/credentials` (Go and Python SDKs), else `/etc/tencentcloud/credentials`
///    (Python SDK, Unix): INI, `secret_id` and `secret_key` under `[default]` or the profile
///    named with [`profile`](DefaultCredentialsBuilder::profile). coscli's `~/.cos.yaml`
///    (YAML, keys encrypted with coscli's own key) and tccli's `~/.tccli/*.credential` are
///    the tools' private formats and are not read.
/// 3. **TKE web identity**: `TKE_ROLE_ARN`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE`
///    and `TKE_REGION` (Go `DefaultTkeOIDCRoleArnProvider`, Python
///    `DefaultTkeOIDCRoleArnProvider`; reqsign's `TENCENTCLOUD_*` and `TKE_IDENTITY_TOKEN_FILE`
///    spellings too): the token file's content goes to STS `AssumeRoleWithWebIdentity`, sent
///    unsigned (`Authorization: SKIP`) as the SDKs do, for 7200 s; the file is read again at
///    every refresh (the kubelet rotates it).
/// 4. **CVM instance role**: `GET /latest/meta-data/cam/security-credentials/` on
///    `http://metadata.tencentyun.com` for the role's name, then `…/<role>` for its keys and
///    `ExpiredTime` (Go `cvm_role_provider.go`, Python `CVMRoleCredential`). No answer (1 s to
///    connect) or a 404 means "not here".
///
/// Environment and profile come first as in the Go and Python SDKs' default chains. Web
/// identity comes before the instance role (Python tries it after): a TKE pod can reach its
/// node's metadata service, and the node's role is not the pod's — the pod's own variables
/// are the more specific statement (aws-config and reqsign order them so too). Nothing is
/// contacted unless every source before had nothing: the first two read variables and a
/// file, web identity calls STS only when its variables are set, the metadata service is
/// asked last. [`sources`](DefaultCredentialsBuilder::sources) changes the order.
///
/// The first source with keys is kept for the provider's life (when none had any, the next
/// request searches again). A source that is configured but fails — half a key pair, a
/// profile without `secret_key`, STS refusing the token — stops the chain with
/// [`CredentialError::Source`] naming it and why ("environment: TENCENTCLOUD_SECRET_KEY is set
/// but TENCENTCLOUD_SECRET_ID is not") rather than fall through to another identity; when no
/// source has anything, [`CredentialError::NotFound`] lists each and why. Temporary keys are
/// refreshed 5 minutes ahead of expiry (as the SDKs do; at most half their lifetime) with
/// one refresh in flight, and a failed refresh keeps using keys that are still valid. With
/// [`assume_role`](DefaultCredentialsBuilder::assume_role), the keys found sign an STS
/// `AssumeRole` and the role's keys are used
/// ([`MintedCredentials::assume_role_with`](crate::MintedCredentials::assume_role_with)). The metadata address and
/// the STS endpoint can be overridden (tests, private clouds). No secret is ever in a
/// `Debug`, a log line or an error.
///
/// Cheap to clone; clones share what was found.
///
/// ```no_run
/// use cos_model::{BucketName, Endpoint, Region};
/// use cos_transport::Client;
/// use cos_transport::credentials::DefaultCredentials;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = DefaultCredentials::new();
/// // optional: fail at start-up, naming what was tried, rather than at the first request
/// let source = credentials.resolve().await?;
/// println!("credentials from the {}", source.name());
/// let client = Client::builder(Endpoint::new(Region::new("ap-guangzhou")?))
///     .bucket(BucketName::new("examplebucket-1250000000")?)
///     .credentials(credentials)
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct DefaultCredentials {
    inner: Arc<Inner>,
}

impl fmt::Debug for DefaultCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentials")
            .field("sources", &self.inner.sources)
            .field("resolved", &self.source())
            .field("assume_role", &self.inner.assume)
            .finish_non_exhaustive()
    }
}

impl Default for DefaultCredentials {
    fn default() -> Self {
        Self::new()
    }
}

impl DefaultCredentials {
    /// The chain over the process's environment, with every default.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> DefaultCredentialsBuilder {
        DefaultCredentialsBuilder {
            config: Config {
                env: Arc::new(ProcessEnvironment),
                profile: "default".into(),
                metadata_endpoint: DEFAULT_METADATA_ENDPOINT.into(),
                sts_endpoint: None,
                transport: None,
                refresh_before: Duration::from_secs(300),
            },
            sources: SourceKind::DEFAULT_ORDER.to_vec(),
            assume: None,
        }
    }

    /// The source that was found, once one was.
    pub fn source(&self) -> Option<SourceKind> {
        self.inner.resolved.get().map(|r| r.source)
    }

    /// Finds the source now (once; later calls answer at once): which source has keys, a
    /// [`CredentialError::Source`] naming a configured source that failed, or
    /// [`CredentialError::NotFound`] listing what was tried. Keys of temporary sources are
    /// fetched when a request first needs them.
    pub async fn resolve(&self) -> Result<SourceKind, CredentialError> {
        Ok(self.resolved().await?.source)
    }

    /// The keys a request signed at `now` (this machine's clock) would use — fetched or
    /// refreshed if due — for a program that signs elsewhere or hands keys on (a signing
    /// server, an STS call of its own).
    pub async fn keys(&self, now: SystemTime) -> Result<ProvidedKeys, CredentialError> {
        keys_at(self, now).await
    }

    async fn resolved(&self) -> Result<&Resolved, CredentialError> {
        if let Some(r) = self.inner.resolved.get() {
            return Ok(r);
        }
        let _one_at_a_time = self.inner.resolving.lock().await;
        if let Some(r) = self.inner.resolved.get() {
            return Ok(r);
        }
        let resolved = self.search().await?;
        Ok(self.inner.resolved.get_or_init(|| resolved))
    }

    async fn search(&self) -> Result<Resolved, CredentialError> {
        let config = &self.inner.config;
        let mut tried = Vec::new();
        for &kind in &self.inner.sources {
            let loaded = match kind {
                SourceKind::Environment => env_keys::load(config.env.as_ref()),
                SourceKind::ProfileFile => {
                    profile::load(config.env.as_ref(), &config.profile).await
                }
                SourceKind::WebIdentity => web_identity::load(config),
                SourceKind::InstanceRole => instance_role::load(config).await,
            }
            .map_err(CredentialError::Source)?;
            match loaded {
                Loaded::Nothing(reason) => {
                    tracing::debug!(source = kind.name(), %reason, "no credentials here");
                    tried.push(Tried {
                        source_name: kind.name(),
                        reason,
                    });
                }
                Loaded::Found { provider, detail } => {
                    tracing::info!(source = kind.name(), from = %detail, "credentials found");
                    let provider = match &self.inner.assume {
                        Some(action) => self.assumed(provider, action.clone())?,
                        None => provider,
                    };
                    return Ok(Resolved {
                        provider,
                        source: kind,
                    });
                }
            }
        }
        Err(CredentialError::NotFound(ChainError { tried }))
    }

    fn assumed(
        &self,
        provider: Arc<dyn CredentialProvider>,
        action: AssumeRole,
    ) -> Result<Arc<dyn CredentialProvider>, CredentialError> {
        let config = &self.inner.config;
        // the region tencentcloud-sdk-go and -python send AssumeRole to
        let mut builder = StsClient::keyless_builder().region("ap-guangzhou");
        if let Some(url) = &config.sts_endpoint {
            builder = builder.endpoint(url.clone());
        }
        if let Some(t) = &config.transport {
            builder = builder.transport_arc(Arc::clone(t));
        }
        let sts = builder.build().map_err(|e| {
            CredentialError::Source(SourceError::caused_by(
                ASSUMED_ROLE,
                "building the STS client",
                e,
            ))
        })?;
        Ok(Arc::new(MintedCredentials::assume_role_with(
            provider, sts, action,
        )))
    }
}

impl CredentialProvider for DefaultCredentials {
    fn provide<'a>(
        &'a self,
        ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>> {
        Box::pin(async move { self.resolved().await?.provider.provide(ctx).await })
    }

    fn invalidate(&self, generation: u64) {
        if let Some(r) = self.inner.resolved.get() {
            r.provider.invalidate(generation);
        }
    }

    fn can_refresh(&self) -> bool {
        self.inner
            .resolved
            .get()
            .is_none_or(|r| r.provider.can_refresh())
    }
}
