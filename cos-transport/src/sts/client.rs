//! [`StsClient`]: one STS action per call — the JSON body from cos-model, the TC3 signature
//! from cos-sign, the headers Tencent's SDKs send, retries of what STS or the network says may
//! pass, and the `{"Response": …}` answer read back by cos-model.

use std::sync::Arc;

use bytes::Bytes;
use cos_model::sts::{DEFAULT_HOST, StsAction, VERSION};
use cos_sign::Credentials;
use cos_sign::tc3::{Tc3Request, sign};
use http::{HeaderValue, Method, Request, Uri, header};

use super::error::{StsCallError, StsCallErrorKind};
use crate::HyperTransport;
use crate::body::Body;
use crate::clock::{Clock, SystemClock, unix_millis};
use crate::retry::{Failure, RetryPolicy};
use crate::transport::{DynTransport, Transport};

/// What a client needs for every call.
struct Inner {
    transport: Arc<dyn DynTransport>,
    scheme: &'static str,
    host: String,
    region: Option<String>,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

/// A client of Tencent Cloud STS. Cheap to clone.
#[derive(Clone)]
pub struct StsClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.url())
            .field("region", &self.inner.region)
            .field(
                "secret_id",
                &self.inner.credentials.as_ref().map(Credentials::secret_id),
            )
            .finish_non_exhaustive()
    }
}

/// Builds an [`StsClient`].
pub struct StsClientBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<Credentials>,
    transport: Option<Arc<dyn DynTransport>>,
    retry: Option<RetryPolicy>,
    clock: Arc<dyn Clock>,
}

impl StsClientBuilder {
    /// Where STS is (default `https://sts.tencentcloudapi.com`): a base URL with scheme,
    /// host and port, e.g. the emulator's `http://127.0.0.1:PORT`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// `X-TC-Region` (STS takes any region; the COS STS SDKs default to `ap-beijing`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The transport (default: a new [`HyperTransport`]).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A shared transport.
    pub fn transport_arc(mut self, transport: Arc<dyn DynTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// How calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The clock that stamps `X-TC-Timestamp` (default: the system's).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<StsClient, crate::ClientBuildError> {
        let endpoint = self
            .endpoint
            .unwrap_or_else(|| format!("https://{DEFAULT_HOST}"));
        let uri: Uri = endpoint.parse().map_err(|e| {
            crate::ClientBuildError::InvalidEndpoint(format!("STS endpoint `{endpoint}`: {e}"))
        })?;
        let scheme = match uri.scheme_str() {
            Some("http") => "http",
            Some("https") => "https",
            _ => {
                return Err(crate::ClientBuildError::InvalidEndpoint(format!(
                    "STS endpoint `{endpoint}` is not an http(s) URL"
                )));
            }
        };
        let host = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| {
                crate::ClientBuildError::InvalidEndpoint(format!(
                    "STS endpoint `{endpoint}` has no host"
                ))
            })?;
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(
                HyperTransport::builder()
                    .build()
                    .map_err(crate::ClientBuildError::Transport)?,
            ),
        };
        Ok(StsClient {
            inner: Arc::new(Inner {
                transport,
                scheme,
                host,
                region: self.region,
                credentials: self.credentials,
                retry: self.retry.unwrap_or_default(),
                clock: self.clock,
            }),
        })
    }
}

/// What one attempt ended with.
enum Attempt<T> {
    Done(T),
    Failed(StsCallErrorKind),
}

impl StsClient {
    /// A builder calling STS with `credentials` — the account's own keys (GetFederationToken
    /// takes permanent keys only), with a token when they are temporary (AssumeRole).
    pub fn builder(credentials: Credentials) -> StsClientBuilder {
        Self::builder_inner(Some(credentials))
    }

    /// A builder of a client without keys of its own: for unsigned actions
    /// (`AssumeRoleWithWebIdentity`) and for [`call_with`](Self::call_with), which is given
    /// the keys per call.
    pub fn keyless_builder() -> StsClientBuilder {
        Self::builder_inner(None)
    }

    fn builder_inner(credentials: Option<Credentials>) -> StsClientBuilder {
        StsClientBuilder {
            endpoint: None,
            region: None,
            credentials,
            transport: None,
            retry: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// `https://sts.tencentcloudapi.com/` or the endpoint given.
    pub fn url(&self) -> String {
        format!("{}://{}/", self.inner.scheme, self.inner.host)
    }

    /// Runs `action`: signs (anew each attempt), sends, retries what may pass (a connection
    /// that failed, `InternalError…`, `RequestLimitExceeded`, a 5xx), reads the answer.
    pub async fn call<A: StsAction>(&self, action: &A) -> Result<A::Output, StsCallError> {
        self.call_as(action, self.inner.credentials.as_ref()).await
    }

    /// Runs `action` signed with `credentials` instead of the client's own keys (the keys of
    /// a source that changes, e.g. an instance role's, to assume a role with).
    pub async fn call_with<A: StsAction>(
        &self,
        action: &A,
        credentials: &Credentials,
    ) -> Result<A::Output, StsCallError> {
        self.call_as(action, Some(credentials)).await
    }

    async fn call_as<A: StsAction>(
        &self,
        action: &A,
        credentials: Option<&Credentials>,
    ) -> Result<A::Output, StsCallError> {
        let name = action.action();
        let url = self.url();
        let body = Bytes::from(action.body());
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let kind = match self.attempt(action, &body, credentials).await {
                Attempt::Done(output) => return Ok(output),
                Attempt::Failed(kind) => kind,
            };
            let failure_class = match &kind {
                StsCallErrorKind::Transport(e) => {
                    self.inner.retry.classify(Failure::Transport(e), true)
                }
                StsCallErrorKind::Sts(e) if e.is_retryable() => self.inner.retry.classify(
                    Failure::Response {
                        status: 503,
                        code: Some(if e.code == "RequestLimitExceeded" {
                            "SlowDown"
                        } else {
                            "InternalError"
                        }),
                    },
                    true,
                ),
                _ => None,
            };
            let Some(class) = failure_class else {
                return Err(StsCallError::new(kind, name, &url, attempts));
            };
            if attempts >= self.inner.retry.max_attempts()
                || !self
                    .inner
                    .retry
                    .budget()
                    .try_withdraw(self.inner.retry.budget().cost(class.is_timeout()))
            {
                return Err(StsCallError::new(kind, name, &url, attempts));
            }
            let delay = self.inner.retry.delay(class, attempts);
            tracing::debug!(
                action = name,
                attempt = attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying the STS call"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt<A: StsAction>(
        &self,
        action: &A,
        body: &Bytes,
        credentials: Option<&Credentials>,
    ) -> Attempt<A::Output> {
        let inner = &self.inner;
        let now = unix_millis(inner.clock.now()).max(0) / 1000;
        let timestamp = u64::try_from(now).unwrap_or(0);
        let content_type = "application/json";
        // an unsigned action goes without keys even when the client has some (as the SDKs
        // send it: `Authorization: SKIP`, no `X-TC-Token`)
        let credentials = credentials.filter(|_| action.signed());
        let authorization = match credentials {
            Some(credentials) => sign(
                &Tc3Request {
                    method: "POST",
                    host: &inner.host,
                    path: "/",
                    query: "",
                    content_type,
                    payload: body,
                    service: "sts",
                    timestamp,
                },
                credentials,
            )
            .authorization()
            .to_owned(),
            None if !action.signed() => "SKIP".to_owned(),
            None => {
                return Attempt::Failed(StsCallErrorKind::InvalidRequest(format!(
                    "{} must be signed and the STS client has no keys",
                    action.action()
                )));
            }
        };
        let mut request = Request::new(Body::from(body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = match Uri::try_from(self.url()) {
            Ok(u) => u,
            Err(e) => return Attempt::Failed(StsCallErrorKind::InvalidRequest(e.to_string())),
        };
        let mut headers = vec![
            (header::HOST.as_str(), inner.host.clone()),
            (header::CONTENT_TYPE.as_str(), content_type.to_owned()),
            (header::AUTHORIZATION.as_str(), authorization),
            ("x-tc-action", action.action().to_owned()),
            ("x-tc-version", VERSION.to_owned()),
            ("x-tc-timestamp", timestamp.to_string()),
        ];
        if let Some(region) = &inner.region {
            headers.push(("x-tc-region", region.clone()));
        }
        if let Some(token) = credentials.and_then(Credentials::security_token) {
            headers.push(("x-tc-token", token.to_owned()));
        }
        for (name, value) in headers {
            match HeaderValue::from_str(&value) {
                Ok(v) => {
                    request.headers_mut().insert(name, v);
                }
                Err(_) => {
                    return Attempt::Failed(StsCallErrorKind::InvalidRequest(format!(
                        "the {name} header cannot be sent"
                    )));
                }
            }
        }
        let response = match inner.transport.send_dyn(request).await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(StsCallErrorKind::Transport(e)),
        };
        let (head, body) = response.into_parts();
        let bytes = match body.collect_limited(1024 * 1024).await {
            Ok(b) => b,
            Err(e) => return Attempt::Failed(StsCallErrorKind::Transport(e)),
        };
        match action.parse(head.status, &bytes) {
            Ok(output) => Attempt::Done(output),
            Err(e) => Attempt::Failed(StsCallErrorKind::Sts(e)),
        }
    }
}
