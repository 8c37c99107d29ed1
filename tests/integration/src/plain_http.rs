//! A plain HTTP client — raw requests through cos-transport's `HyperTransport`, not the
//! Client under test (no signing, no retries) — for what browsers and `curl` send: pre-signed
//! URLs, POST Object forms, and requests signed by hand.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use cos_model::CosError;
use cos_transport::{Body, HyperTransport, Transport as _};
use http::{HeaderMap, Method, StatusCode};

use crate::SuiteError;
use crate::loopback::pinned_transport;

/// How long one plain exchange may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A response read whole.
#[derive(Debug, Clone)]
pub struct PlainResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl PlainResponse {
    /// COS's `<Error>` document in the body, if there is one.
    pub fn cos_error(&self) -> Option<CosError> {
        CosError::from_error_body(self.status, &self.headers, &self.body)
    }

    /// `x-cos-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-cos-request-id")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as (lossy) text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A plain HTTP client (HTTP and HTTPS), optionally pinned to one socket address.
#[derive(Clone)]
pub struct PlainHttp {
    transport: HyperTransport,
    pin: Option<SocketAddr>,
}

impl std::fmt::Debug for PlainHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainHttp")
            .field("pin", &self.pin)
            .finish_non_exhaustive()
    }
}

impl PlainHttp {
    /// A client; with `pin`, every request goes to that address with its URI and `Host` kept.
    pub fn new(pin: Option<SocketAddr>) -> Result<Self, SuiteError> {
        let transport = pinned_transport(pin)
            .map_err(|e| SuiteError::setup(format!("building the plain HTTP transport: {e}")))?;
        Ok(Self { transport, pin })
    }

    /// Sends `method url` with `headers` and `body`; reads the whole response.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<PlainResponse, SuiteError> {
        let context = format!("{method} {url}");
        let fail = |message: String| SuiteError::Http {
            context: context.clone(),
            message,
        };
        let uri: http::Uri = url.parse().map_err(|e| fail(format!("bad URL: {e}")))?;
        let mut request = http::Request::new(Body::from(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        for (name, value) in headers {
            request.headers_mut().append(name, value.clone());
        }
        let exchange = async {
            let response = self
                .transport
                .send(request)
                .await
                .map_err(|e| fail(format!("{e:?}")))?;
            let (parts, incoming) = response.into_parts();
            // read whole, as a browser would: no limit beyond the suite's own objects
            let body = incoming
                .collect_limited(u64::MAX)
                .await
                .map_err(|e| fail(format!("reading the body: {e}")))?;
            Ok(PlainResponse {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| fail(format!("no answer within {TIMEOUT:?}")))?
    }
}
