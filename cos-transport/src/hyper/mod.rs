//! [`HyperTransport`]: hyper-util's pooled client over hyper-rustls.
//!
//! HTTP/1.1 by default (HTTP/2 opt-in), rustls with the `ring` provider and the bundled webpki
//! roots (the OS roots with the `native-roots` feature), TCP_NODELAY, TCP keep-alive, idle pooled
//! connections reaped by a pool timer. Timeouts are per phase — connect, request-body idle,
//! response headers (counted from the last body byte), response-body idle — never one total
//! deadline, so a long upload or download on a slow link keeps going as long as it moves.
//! Connections can be pinned to a fixed address, per host or for every host
//! ([`HyperTransportBuilder::resolve`], [`HyperTransportBuilder::connect_to`]).

mod errors;
mod idle;
mod resolve;
mod watch;

use std::fmt;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::Instant;

use crate::body::Body;
use crate::response_body::ResponseBody;
use crate::transport::{Transport, TransportResult};
use idle::IdleTimeoutBody;
use resolve::{ConnectOverrides, OverrideConnector};
use watch::{Activity, WatchTimeouts, WatchedBody, watchdog};

/// Which HTTP versions the transport speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/1.1 only (the default; what COS serves best for large bodies).
    #[default]
    Http1,
    /// Offer HTTP/2 and HTTP/1.1 by ALPN on `https`; plain `http` stays HTTP/1.1.
    PreferHttp2,
    /// HTTP/2 only, also on plain `http` (prior knowledge).
    Http2Only,
}

/// Which root certificates are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsRoots {
    /// Mozilla's roots bundled by `webpki-roots` (the default without `native-roots`).
    #[cfg_attr(not(feature = "native-roots"), default)]
    WebPki,
    /// The operating system's roots (feature `native-roots`; then the default).
    #[cfg(feature = "native-roots")]
    #[cfg_attr(feature = "native-roots", default)]
    Native,
}

/// Why a [`HyperTransport`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HyperBuildError {
    /// The TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// The operating system's root certificates could not be loaded.
    #[error("loading native root certificates: {0}")]
    NativeRoots(#[source] std::io::Error),
    /// A custom TLS configuration had ALPN protocols set (the transport sets them itself).
    #[error("a custom TLS config must leave alpn_protocols empty")]
    AlpnPreset,
    /// A [`resolve`](HyperTransportBuilder::resolve) host is not a bare host name or IP
    /// literal (it has a port, user info, a path or invalid characters, or is empty).
    #[error("not a host name to resolve: {0:?}")]
    InvalidResolveHost(String),
    /// A pinned address could not be turned into a connector URI. A valid `SocketAddr` always
    /// can; the variant exists so that building never panics.
    #[error("cannot connect to {0}")]
    InvalidConnectAddress(SocketAddr),
}

/// The timeouts of a [`HyperTransport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP connection (the TLS handshake is covered by the request-body idle timer).
    pub connect: Duration,
    /// Longest pause in writing the request body.
    pub request_body_idle: Duration,
    /// From the last request-body byte to the response headers.
    pub response_headers: Duration,
    /// Longest pause between two response-body frames.
    pub response_body_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request_body_idle: Duration::from_secs(30),
            response_headers: Duration::from_secs(30),
            response_body_idle: Duration::from_secs(30),
        }
    }
}

/// Builder of a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    timeouts: Timeouts,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    tcp_keepalive: Option<Duration>,
    http_version: HttpVersion,
    roots: TlsRoots,
    tls_config: Option<rustls::ClientConfig>,
    https_only: bool,
    resolve: Vec<(String, SocketAddr)>,
    connect_to: Option<SocketAddr>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::default(),
            pool_idle_timeout: Duration::from_secs(50),
            pool_max_idle_per_host: 32,
            tcp_keepalive: Some(Duration::from_secs(60)),
            http_version: HttpVersion::default(),
            roots: TlsRoots::default(),
            tls_config: None,
            https_only: false,
            resolve: Vec::new(),
            connect_to: None,
        }
    }
}

impl HyperTransportBuilder {
    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Longest pause while writing the request body (default 30 s).
    pub fn request_body_idle_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.request_body_idle = timeout;
        self
    }

    /// Time allowed from the last request-body byte to the response headers (default 30 s).
    pub fn response_header_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.response_headers = timeout;
        self
    }

    /// Longest pause between response-body frames (default 30 s).
    pub fn response_body_idle_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.response_body_idle = timeout;
        self
    }

    /// Sets all four timeouts at once.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How long an idle pooled connection is kept (default 50 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Most idle connections kept per host (default 32).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// TCP keep-alive probe interval (default 60 s; `None` turns it off).
    pub fn tcp_keepalive(mut self, interval: Option<Duration>) -> Self {
        self.tcp_keepalive = interval;
        self
    }

    /// HTTP versions to speak (default HTTP/1.1 only).
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.http_version = version;
        self
    }

    /// Root certificates to trust (ignored when [`tls_config`](Self::tls_config) is set).
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.roots = roots;
        self
    }

    /// A complete rustls client configuration (its `alpn_protocols` must be empty).
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Refuse plain `http://` URIs (default: both are allowed; emulators speak plain HTTP).
    pub fn https_only(mut self, https_only: bool) -> Self {
        self.https_only = https_only;
        self
    }

    /// Opens connections for `host` to `addr` instead of resolving `host` — curl's
    /// `--resolve`, the Node SDK's `Ip` option.
    ///
    /// A request whose URI host equals `host` (ASCII case-insensitive; an IP literal in any
    /// spelling, with or without brackets) connects to `addr`, its IP and its port, whatever
    /// port the URI names. Nothing else changes: the URI, the `Host` header (and so the signed
    /// host) and the pool key stay the URI's, and on `https` the TLS server name (SNI) and the
    /// certificate check still use `host`. Useful for a private endpoint or a fixed COS IP
    /// while keeping virtual-host addressing, and for sending
    /// `http://<bucket>.cos.<region>.myqcloud.com/...` to an emulator on `127.0.0.1:PORT`.
    ///
    /// `host` is a bare host: no port, user info or path ([`build`](Self::build) fails with
    /// [`HyperBuildError::InvalidResolveHost`] otherwise). Calling it again for the same host
    /// replaces the address. A `resolve` rule takes precedence over
    /// [`connect_to`](Self::connect_to).
    ///
    /// ```
    /// use cos_transport::HyperTransport;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let transport = HyperTransport::builder()
    ///     .resolve(
    ///         "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    ///         "10.0.0.7:80".parse()?,
    ///     )
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok(())
    /// # }
    /// ```
    pub fn resolve(mut self, host: impl Into<String>, addr: SocketAddr) -> Self {
        self.resolve.push((host.into(), addr));
        self
    }

    /// Opens every connection to `addr`, whatever the request's host (IP literals included),
    /// except for hosts that have a [`resolve`](Self::resolve) rule. As with `resolve`, the
    /// URI, the `Host` header and the TLS server name are left as the request has them.
    pub fn connect_to(mut self, addr: SocketAddr) -> Self {
        self.connect_to = Some(addr);
        self
    }

    fn tls(&self) -> Result<rustls::ClientConfig, HyperBuildError> {
        if let Some(config) = &self.tls_config {
            if !config.alpn_protocols.is_empty() {
                return Err(HyperBuildError::AlpnPreset);
            }
            return Ok(config.clone());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?;
        let builder = match self.roots {
            TlsRoots::WebPki => builder.with_webpki_roots(),
            #[cfg(feature = "native-roots")]
            TlsRoots::Native => builder
                .with_native_roots()
                .map_err(HyperBuildError::NativeRoots)?,
        };
        Ok(builder.with_no_client_auth())
    }

    /// Builds the transport.
    pub fn build(self) -> Result<HyperTransport, HyperBuildError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.timeouts.connect));
        http.set_keepalive(self.tcp_keepalive);
        let overrides = Arc::new(ConnectOverrides::new(&self.resolve, self.connect_to)?);
        let tcp = OverrideConnector::new(http, Arc::clone(&overrides));

        let tls = self.tls()?;
        let schemes = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        let schemes = if self.https_only {
            schemes.https_only()
        } else {
            schemes.https_or_http()
        };
        let connector: Connector = match self.http_version {
            HttpVersion::Http1 => schemes.enable_http1().wrap_connector(tcp),
            HttpVersion::PreferHttp2 | HttpVersion::Http2Only => {
                schemes.enable_all_versions().wrap_connector(tcp)
            }
        };

        let mut builder = LegacyClient::builder(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host);
        if self.http_version == HttpVersion::Http2Only {
            builder.http2_only(true);
        }
        let client = builder.build(connector);
        Ok(HyperTransport {
            inner: Arc::new(Inner {
                client,
                timeouts: self.timeouts,
                http_version: self.http_version,
                overrides,
            }),
        })
    }
}

/// TLS (or plain TCP) over TCP connections that may be pinned to a fixed address.
type Connector = HttpsConnector<OverrideConnector<HttpConnector>>;

struct Inner {
    client: LegacyClient<Connector, WatchedBody>,
    timeouts: Timeouts,
    http_version: HttpVersion,
    overrides: Arc<ConnectOverrides>,
}

/// The production [`Transport`]: hyper-util's pooled client over rustls. Cheap to clone (clones
/// share the pool). Sending needs a Tokio runtime with IO and time enabled.
#[derive(Clone)]
pub struct HyperTransport {
    inner: Arc<Inner>,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("HyperTransport");
        d.field("timeouts", &self.inner.timeouts)
            .field("http_version", &self.inner.http_version);
        if !self.inner.overrides.is_empty() {
            let (resolve, connect_to) = self.inner.overrides.describe();
            d.field("resolve", &resolve)
                .field("connect_to", &connect_to);
        }
        d.finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A builder with the defaults.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    /// The timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// The address a connection for `uri` is pinned to by
    /// [`resolve`](HyperTransportBuilder::resolve) or
    /// [`connect_to`](HyperTransportBuilder::connect_to), or `None` when it goes to the URI's
    /// own host.
    pub fn pinned_addr(&self, uri: &http::Uri) -> Option<SocketAddr> {
        self.inner.overrides.addr_for(uri)
    }

    /// Where a request to `uri` connects, for error messages: the pinned address, else the
    /// URI's host and port (the scheme's default port when it names none).
    fn peer(&self, uri: &http::Uri) -> String {
        match self.pinned_addr(uri) {
            Some(addr) => addr.to_string(),
            None => crate::error::peer_of(uri).unwrap_or_else(|| "?".into()),
        }
    }
}

impl Transport for HyperTransport {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let timeouts = self.inner.timeouts;
        let (parts, body) = request.into_parts();
        let peer = self.peer(&parts.uri);
        let activity = Activity::new(Instant::now(), body.is_empty());
        let request = http::Request::from_parts(parts, WatchedBody::new(body, activity.clone()));
        let response = self.inner.client.request(request);
        let dog = watchdog(
            activity,
            WatchTimeouts {
                connect: timeouts.connect,
                request_body_idle: timeouts.request_body_idle,
                response_headers: timeouts.response_headers,
            },
        );
        let response = match select(pin!(response), pin!(dog)).await {
            Either::Left((result, _)) => {
                result.map_err(|e| errors::from_client_error(e).with_peer(peer))?
            }
            Either::Right((timeout, _)) => {
                let timeout = timeout.with_peer(peer);
                tracing::debug!(error = %timeout, "request abandoned");
                return Err(timeout);
            }
        };
        let idle = timeouts.response_body_idle;
        Ok(response.map(|incoming| ResponseBody::new(IdleTimeoutBody::new(incoming, idle))))
    }
}
