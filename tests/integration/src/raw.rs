//! [`RawRequest`]: an [`Operation`] for what the typed model refuses to build — a key longer
//! than 850 bytes, parts completed in descending order, a part number outside 1..=10000, a
//! malformed XML body. The Client signs and sends it like any operation, so the server's
//! answer to exactly that request is what the case sees.

use bytes::Bytes;
use cos_model::encode::{uri_encode, uri_encode_path};
use cos_model::{
    BucketName, CosError, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead,
    SigningInput,
};
use http::header::{CONTENT_LENGTH, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// A request described piece by piece; its key is any string, unchecked.
#[derive(Debug, Clone)]
pub struct RawRequest {
    name: &'static str,
    method: Method,
    key: Option<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
}

/// A successful raw response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status (2xx).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawRequest {
    /// `method` on the bucket (`key = None`) or on `key`, reported as operation `name`.
    pub fn new(name: &'static str, method: Method, key: Option<&str>) -> Self {
        Self {
            name,
            method,
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a decoded query pair (`""` for a bare name such as `uploads`).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a header (names and values must be valid; this is test code).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

impl Operation for RawRequest {
    type Output = RawResponse;

    fn name(&self) -> &'static str {
        self.name
    }

    fn idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        )
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let bucket = bucket.ok_or(ModelError::MissingBucket {
            operation: self.name,
        })?;
        let target = endpoint.target(Some(bucket), None)?;
        let key = self.key.as_deref().unwrap_or_default();
        let path = format!("{}{}", target.path(), uri_encode_path(key));
        let signed_path = format!("{}{}", target.signed_path(), key);
        let mut uri = format!("{}://{}{}", target.scheme(), target.host(), path);
        for (i, (name, value)) in self.query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(&uri_encode(name));
            if !value.is_empty() {
                uri.push('=');
                uri.push_str(&uri_encode(value));
            }
        }
        let uri: http::Uri =
            uri.parse()
                .map_err(|e: http::uri::InvalidUri| ModelError::InvalidUri {
                    reason: e.to_string(),
                    uri: uri.clone(),
                })?;
        let mut headers = self.headers.clone();
        let host =
            HeaderValue::from_str(target.host()).map_err(|_| ModelError::InvalidEndpoint {
                reason: format!("{:?} cannot be a Host header", target.host()),
            })?;
        headers.insert(HOST, host);
        if self.method == Method::PUT || self.method == Method::POST || !self.body.is_empty() {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        }
        let mut request = http::Request::new(Payload::from(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        request.extensions_mut().insert(SigningInput {
            path: signed_path,
            query: self.query.clone(),
        });
        Ok(request)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        if !head.status.is_success() {
            return Err(ParseError::Cos(CosError::from_response(
                head.status,
                &head.headers,
                &body,
            )));
        }
        if let Some(error) = CosError::from_error_body(head.status, &head.headers, &body) {
            return Err(ParseError::Cos(error));
        }
        Ok(RawResponse {
            status: head.status,
            headers: head.headers.clone(),
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_model::Region;

    #[test]
    fn builds_an_unchecked_key() {
        let endpoint = Endpoint::new(Region::new("ap-guangzhou").unwrap());
        let bucket = BucketName::new("b-1250000000").unwrap();
        let key = format!("{}+ é", "k".repeat(900));
        let request = RawRequest::new("PutObject", Method::PUT, Some(&key))
            .query("partNumber", "0")
            .body("x")
            .build(&endpoint, Some(&bucket))
            .unwrap();
        let uri = request.uri().to_string();
        assert!(
            uri.starts_with("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/kkk"),
            "{uri}"
        );
        assert!(uri.ends_with("%2B%20%C3%A9?partNumber=0"), "{uri}");
        let signing = SigningInput::of(&request).unwrap();
        assert_eq!(signing.path, format!("/{key}"));
        assert_eq!(request.headers()[CONTENT_LENGTH], "1");
    }
}
