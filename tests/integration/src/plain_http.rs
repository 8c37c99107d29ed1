//! A plain HTTP client — hyper-util's, not the Client under test — for what browsers and
//! `curl` send: pre-signed URLs, POST Object forms, and requests signed by hand.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use cos_model::CosError;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::SuiteError;
use crate::loopback::pin_request;

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

/// A plain hyper-util client (HTTP and HTTPS), optionally pinned to one socket address.
#[derive(Clone)]
pub struct PlainHttp {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
    /// A client; with `pin`, every request goes to that address with its `Host` kept.
    pub fn new(pin: Option<SocketAddr>) -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Self { client, pin }
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
        let mut request = http::Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        for (name, value) in headers {
            request.headers_mut().append(name, value.clone());
        }
        if let Some(addr) = self.pin {
            pin_request(&mut request, addr).map_err(fail)?;
        }
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| fail(format!("{e:?}")))?;
            let (parts, incoming) = response.into_parts();
            let body = incoming
                .collect()
                .await
                .map_err(|e| fail(format!("reading the body: {e}")))?
                .to_bytes();
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
