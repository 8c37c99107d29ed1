//! The [`Client`]: an endpoint, a credential provider and a transport. `execute(op)` builds the
//! request, gets credentials, signs with `now + clock offset`, sends, retries and parses.

// `ErrorKind` carries a `CosError` by value (the public shape); internal results pass it along.
#![allow(clippy::result_large_err)]

mod download;
mod error;
mod execute;
mod presign;
mod sign;
mod trace;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use cos_model::{BucketName, Endpoint};

use crate::body::BodyObserver;
use crate::clock::{Clock, ClockOffset, SystemClock};
use crate::credentials::CredentialProvider;
use crate::hyper::{HyperBuildError, HyperTransport};
use crate::retry::RetryPolicy;
use crate::transport::{DynTransport, Transport};

pub use download::ObjectStream;
#[cfg(feature = "test-util")]
pub(crate) use error::display_url;
pub use error::{Error, ErrorKind};
pub use execute::StreamingResponse;
pub use presign::PresignedRequest;

/// Per-call options of [`Client::execute_with`].
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) observer: Option<Arc<dyn BodyObserver>>,
    pub(crate) target_in_parent_span: bool,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("observer", &self.observer.is_some())
            .field("target_in_parent_span", &self.target_in_parent_span)
            .finish()
    }
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports request-body bytes as the transport takes them; after a failed attempt its bytes
    /// are handed back through [`BodyObserver::on_rewind`], so the running total only counts
    /// the attempt in flight or the one that succeeded.
    pub fn body_observer(mut self, observer: Arc<dyn BodyObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Says that the caller's current `tracing` span already names the bucket, the key and the
    /// upload id (cos-upload's `upload` span does), so the client's `request` span records only
    /// the operation and the part number instead of repeating them on every line.
    pub fn target_in_parent_span(mut self) -> Self {
        self.target_in_parent_span = true;
        self
    }
}

pub(crate) struct Shared {
    pub(crate) endpoint: Endpoint,
    pub(crate) credentials: Arc<dyn CredentialProvider>,
    /// The provider's type name, for logs ("credentials refreshed", source = …).
    pub(crate) credential_source: &'static str,
    /// The last key generation signed with (0: none yet), to log each new one once.
    pub(crate) seen_generation: AtomicU64,
    pub(crate) transport: Arc<dyn DynTransport>,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) offset: ClockOffset,
    pub(crate) skew_threshold: Duration,
    pub(crate) key_validity: Duration,
    pub(crate) key_backdate: Duration,
    pub(crate) error_body_limit: u64,
    pub(crate) user_agent: http::HeaderValue,
    /// The credential generation whose clock anchor was applied last.
    pub(crate) anchored_generation: AtomicU64,
}

/// Signs, sends, retries and parses COS operations. Cheap to clone; clones share the
/// connection pool, the credential cache, the clock offset and the retry budget.
///
/// `Client` is `Send + Sync`; its futures are `Send`.
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    pub(crate) bucket: Option<BucketName>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.shared.endpoint)
            .field("bucket", &self.bucket)
            .field("retry", &self.shared.retry)
            .field("clock_offset_ms", &self.shared.offset.millis())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for requests to `endpoint`.
    pub fn builder(endpoint: Endpoint) -> ClientBuilder {
        ClientBuilder {
            endpoint,
            bucket: None,
            credentials: None,
            credential_source: "custom",
            transport: None,
            retry: None,
            clock: None,
            skew_threshold: ClockOffset::DEFAULT_THRESHOLD,
            key_validity: Duration::from_secs(900),
            key_backdate: Duration::from_secs(60),
            error_body_limit: 64 * 1024,
            user_agent: None,
        }
    }

    /// The same client addressing `bucket` (sharing everything else).
    pub fn with_bucket(&self, bucket: BucketName) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            bucket: Some(bucket),
        }
    }

    /// The bucket operations address.
    pub fn bucket(&self) -> Option<&BucketName> {
        self.bucket.as_ref()
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.shared.endpoint
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn DynTransport> {
        &self.shared.transport
    }

    /// The retry policy (and through it the shared budget).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }

    /// The learnt difference between the server's clock and ours, in milliseconds.
    pub fn clock_offset_millis(&self) -> i64 {
        self.shared.offset.millis()
    }

    /// Sets the clock offset (e.g. restored from a previous run).
    pub fn set_clock_offset_millis(&self, millis: i64) {
        self.shared.offset.set_millis(millis);
    }
}

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// No credential provider was given.
    #[error("a credential provider is required")]
    MissingCredentials,
    /// The default transport could not be built.
    #[error(transparent)]
    Transport(#[from] HyperBuildError),
    /// The user agent is not a valid header value.
    #[error("invalid user agent")]
    InvalidUserAgent,
    /// An endpoint URL that cannot be used (the STS client's).
    #[error("{0}")]
    InvalidEndpoint(String),
}

/// Builder of a [`Client`].
pub struct ClientBuilder {
    endpoint: Endpoint,
    bucket: Option<BucketName>,
    credentials: Option<Arc<dyn CredentialProvider>>,
    credential_source: &'static str,
    transport: Option<Arc<dyn DynTransport>>,
    retry: Option<RetryPolicy>,
    clock: Option<Arc<dyn Clock>>,
    skew_threshold: Duration,
    key_validity: Duration,
    key_backdate: Duration,
    error_body_limit: u64,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("credentials", &self.credentials.is_some())
            .field("transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The bucket operations address (GetService needs none).
    pub fn bucket(mut self, bucket: BucketName) -> Self {
        self.bucket = Some(bucket);
        self
    }

    /// The credential provider (required).
    pub fn credentials<P: CredentialProvider>(mut self, provider: P) -> Self {
        self.credentials = Some(Arc::new(provider));
        self.credential_source = trace::provider_name::<P>();
        self
    }

    /// A shared credential provider.
    pub fn credentials_arc(mut self, provider: Arc<dyn CredentialProvider>) -> Self {
        self.credentials = Some(provider);
        self.credential_source = "custom";
        self
    }

    /// The transport (default: [`HyperTransport`] with its defaults, which needs a Tokio
    /// runtime with IO and time enabled).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A shared transport.
    pub fn transport_arc(mut self, transport: Arc<dyn DynTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The clock (default the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The smallest disagreement with the server's clock that moves the offset (default 30 s).
    pub fn clock_skew_threshold(mut self, threshold: Duration) -> Self {
        self.skew_threshold = threshold;
        self
    }

    /// How long a request signature is valid (default 15 min; each attempt is signed anew).
    pub fn signature_validity(mut self, validity: Duration) -> Self {
        self.key_validity = validity;
        self
    }

    /// How far before "now" a signature's window starts, absorbing small clock differences
    /// (default 60 s).
    pub fn signature_backdate(mut self, backdate: Duration) -> Self {
        self.key_backdate = backdate;
        self
    }

    /// The most bytes of an error response read into memory (default 64 KiB).
    pub fn error_body_limit(mut self, limit: u64) -> Self {
        self.error_body_limit = limit;
        self
    }

    /// The `User-Agent` sent when a request has none (default `cos-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ClientBuildError> {
        let credentials = self
            .credentials
            .ok_or(ClientBuildError::MissingCredentials)?;
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(HyperTransport::builder().build()?),
        };
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("cos-rs/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = http::HeaderValue::from_str(&user_agent)
            .map_err(|_| ClientBuildError::InvalidUserAgent)?;
        Ok(Client {
            shared: Arc::new(Shared {
                endpoint: self.endpoint,
                credentials,
                credential_source: self.credential_source,
                seen_generation: AtomicU64::new(0),
                transport,
                retry: self.retry.unwrap_or_default(),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                offset: ClockOffset::new(),
                skew_threshold: self.skew_threshold,
                key_validity: self.key_validity,
                key_backdate: self.key_backdate,
                error_body_limit: self.error_body_limit,
                user_agent,
                anchored_generation: AtomicU64::new(0),
            }),
            bucket: self.bucket,
        })
    }
}
