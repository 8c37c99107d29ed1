//! The request builder every operation uses: method, key, query, headers, body → `http::Request`.

use crate::{BucketName, Endpoint, ModelError, ObjectKey, Payload, SigningInput};
use http::header::{CONTENT_LENGTH, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// A request being built.
pub(crate) struct RequestSpec<'a> {
    op: &'static str,
    method: Method,
    needs_bucket: bool,
    key: Option<&'a ObjectKey>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Payload,
}

impl<'a> RequestSpec<'a> {
    /// A request on a bucket (path `/`).
    pub(crate) fn bucket(op: &'static str, method: Method) -> Self {
        Self {
            op,
            method,
            needs_bucket: true,
            key: None,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Payload::empty(),
        }
    }

    /// A request on an object.
    pub(crate) fn object(op: &'static str, method: Method, key: &'a ObjectKey) -> Self {
        let mut s = Self::bucket(op, method);
        s.key = Some(key);
        s
    }

    /// A request on the service (no bucket).
    pub(crate) fn service(op: &'static str, method: Method) -> Self {
        let mut s = Self::bucket(op, method);
        s.needs_bucket = false;
        s
    }

    /// Adds a query parameter (decoded; `""` for a bare name).
    pub(crate) fn query(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    pub(crate) fn query_opt<T: ToString>(&mut self, name: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.query(name, v.to_string());
        }
        self
    }

    /// Sets a header, checking that it can be sent.
    pub(crate) fn header(&mut self, name: &str, value: &str) -> Result<&mut Self, ModelError> {
        let n = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).map_err(|_| {
            ModelError::InvalidHeader {
                name: name.to_owned(),
                reason: "not a valid header name".to_owned(),
            }
        })?;
        let v =
            HeaderValue::from_bytes(value.as_bytes()).map_err(|_| ModelError::InvalidHeader {
                name: name.to_owned(),
                reason: "the value contains a control character (CR, LF, NUL, …)".to_owned(),
            })?;
        self.headers.insert(n, v);
        Ok(self)
    }

    /// Sets a header when `value` is `Some`.
    pub(crate) fn header_opt(
        &mut self,
        name: &str,
        value: Option<&str>,
    ) -> Result<&mut Self, ModelError> {
        if let Some(v) = value {
            self.header(name, v)?;
        }
        Ok(self)
    }

    /// Sets the body.
    pub(crate) fn body(&mut self, body: Payload) -> &mut Self {
        self.body = body;
        self
    }

    /// Sets an XML body with `Content-Type: application/xml` and its `Content-MD5`.
    pub(crate) fn xml_body(&mut self, xml: String) -> Result<&mut Self, ModelError> {
        use base64::Engine;
        use md5::Digest;
        let md5 = md5::Md5::digest(xml.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(md5);
        self.header("content-type", "application/xml")?;
        self.header("content-md5", &b64)?;
        self.body = Payload::from(xml);
        Ok(self)
    }

    /// The finished request.
    pub(crate) fn build(
        self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let bucket = if self.needs_bucket {
            Some(bucket.ok_or(ModelError::MissingBucket { operation: self.op })?)
        } else {
            None
        };
        let target = endpoint.target(bucket, self.key)?;
        let uri = target.uri(&self.query)?;
        let mut headers = self.headers;
        let host =
            HeaderValue::from_str(target.host()).map_err(|_| ModelError::InvalidEndpoint {
                reason: format!("{:?} cannot be a Host header", target.host()),
            })?;
        headers.insert(HOST, host);
        if self.method == Method::PUT || self.method == Method::POST || !self.body.is_empty() {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        }
        let mut req = http::Request::new(self.body);
        *req.method_mut() = self.method;
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
        req.extensions_mut().insert(SigningInput {
            path: target.signed_path().to_owned(),
            query: self.query,
        });
        tracing::trace!(operation = self.op, uri = %req.uri(), "built request");
        Ok(req)
    }
}
