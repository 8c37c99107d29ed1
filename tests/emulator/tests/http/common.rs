//! A small test client: builds requests the way COS clients do (virtual-host or path style,
//! UrlEncoded key, decoded signed path), signs them with cos-sign, and sends each over a fresh
//! HTTP/1.1 connection to the emulator through cos-transport's `HyperTransport` (raw requests:
//! no signing or retrying by the transport; the `Host` header is the one built here).

#![allow(dead_code)]

use bytes::Bytes;
use cos_emulator::{Emulator, RunningEmulator};
use cos_sign::encode::{uri_encode, uri_encode_path};
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};
use cos_transport::{Body, HyperTransport, Transport as _};
use http::{HeaderMap, Method, StatusCode};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

pub const ID: &str = "AKIDtestEMULATOR000000000000000000000";
pub const KEY: &str = "test-emulator-secret-key";
pub const BUCKET: &str = "examplebucket-1250000000";

pub async fn start() -> RunningEmulator {
    Emulator::builder()
        .credential(ID, KEY)
        .bucket(BUCKET)
        .start()
        .await
        .unwrap()
}

pub fn creds() -> Credentials {
    Credentials::new(ID, KEY)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// How a request carries its signature.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No signature at all.
    None,
    /// An Authorization header with these credentials and window.
    Header(Credentials, KeyTime),
    /// Pre-signed query parameters.
    Query(Credentials, KeyTime),
}

/// A request to build, sign and send.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub auth: Auth,
    pub virtual_host: bool,
    pub region: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The text of the first `<tag>` in the body.
    pub fn xml(&self, tag: &str) -> Option<String> {
        xml_values(&self.text(), tag).into_iter().next()
    }
    pub fn code(&self) -> Option<String> {
        self.xml("Code")
    }
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(self.code().as_deref(), Some(code), "body: {}", self.text());
        assert!(self.header("x-cos-request-id").is_some());
        for tag in ["Message", "Resource", "RequestId", "TraceId"] {
            assert!(
                self.xml(tag).is_some(),
                "{tag} missing from {}",
                self.text()
            );
        }
    }
}

/// Every `<tag>…</tag>` text (unescaped) in document order.
pub fn xml_values(doc: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(
            after[..j]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[j + close.len()..];
    }
    out
}

impl Req {
    pub fn new(method: Method, bucket: Option<&str>, key: Option<&str>) -> Self {
        let t = now();
        Req {
            method,
            bucket: bucket.map(str::to_string),
            key: key.map(str::to_string),
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
            auth: Auth::Header(creds(), KeyTime::new(t - 60, t + 900)),
            virtual_host: true,
            region: "ap-guangzhou".into(),
        }
    }
    pub fn object(method: Method, key: &str) -> Self {
        Req::new(method, Some(BUCKET), Some(key))
    }
    pub fn bucket(method: Method) -> Self {
        Req::new(method, Some(BUCKET), None)
    }
    pub fn q(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
    pub fn h(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
    pub fn path_style(mut self) -> Self {
        self.virtual_host = false;
        self
    }

    fn host(&self, addr: SocketAddr) -> String {
        match (&self.bucket, self.virtual_host) {
            (Some(b), true) => format!("{b}.cos.{}.myqcloud.com", self.region),
            _ => addr.to_string(),
        }
    }

    /// (wire path, signed path)
    fn paths(&self) -> (String, String) {
        let key = self.key.as_deref().unwrap_or("");
        match (&self.bucket, self.virtual_host) {
            (Some(_), true) => (format!("/{}", uri_encode_path(key)), format!("/{key}")),
            (Some(b), false) => (
                format!("/{b}/{}", uri_encode_path(key)),
                format!("/{b}/{key}"),
            ),
            (None, _) => ("/".into(), "/".into()),
        }
    }

    /// The request as (method, path-and-query, headers) ready for the wire.
    pub fn prepare(&self, addr: SocketAddr) -> (Method, String, Vec<(String, String)>) {
        let host = self.host(addr);
        let (wire_path, signed_path) = self.paths();
        let mut headers = vec![("Host".to_string(), host)];
        let needs_length =
            !self.body.is_empty() || matches!(self.method, Method::PUT | Method::POST);
        let framed = self.headers.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding")
        });
        if needs_length && !framed {
            headers.push(("Content-Length".into(), self.body.len().to_string()));
        }
        headers.extend(self.headers.iter().cloned());
        let mut query = self.query.clone();
        let hrefs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        match &self.auth {
            Auth::None => {}
            Auth::Header(c, kt) => {
                let qrefs: Vec<(&str, &str)> = query
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let req = SignableRequest {
                    method: self.method.as_str(),
                    path: &signed_path,
                    query: &qrefs,
                    headers: &hrefs,
                };
                let sig = sign(&req, c, *kt, &HeaderPolicy::Default).unwrap();
                headers.push(("Authorization".into(), sig.authorization().to_string()));
                if let Some(t) = c.security_token() {
                    headers.push(("x-cos-security-token".into(), t.to_string()));
                }
            }
            Auth::Query(c, kt) => {
                let qrefs: Vec<(&str, &str)> = query
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let req = SignableRequest {
                    method: self.method.as_str(),
                    path: &signed_path,
                    query: &qrefs,
                    headers: &hrefs,
                };
                let sig = sign(&req, c, *kt, &HeaderPolicy::Only(vec!["host".into()])).unwrap();
                query.extend(sig.presigned_query());
            }
        }
        let qs: Vec<String> = query
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    uri_encode(n)
                } else {
                    format!("{}={}", uri_encode(n), uri_encode(v))
                }
            })
            .collect();
        let pq = if qs.is_empty() {
            wire_path
        } else {
            format!("{wire_path}?{}", qs.join("&"))
        };
        (self.method.clone(), pq, headers)
    }

    pub async fn send(&self, emu: &RunningEmulator) -> Resp {
        let (method, pq, headers) = self.prepare(emu.addr());
        raw_send(emu.addr(), method, &pq, &headers, self.body.clone()).await
    }
}

/// Sends one request on a fresh connection and reads the whole answer.
pub async fn raw_send(
    addr: SocketAddr,
    method: Method,
    pq: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> Resp {
    try_send(addr, method, pq, headers, body).await.unwrap()
}

/// Like [`raw_send`] but reports transport failures instead of panicking.
pub async fn try_send(
    addr: SocketAddr,
    method: Method,
    pq: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> Result<Resp, String> {
    // The URI names the emulator's address; the `Host` header in `headers` (always set by
    // `prepare`) is sent as given, so virtual-host requests reach the emulator unchanged.
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{pq}"));
    for (n, v) in headers {
        b = b.header(n.as_str(), v.as_bytes());
    }
    let req = b.body(Body::from(body)).map_err(|e| e.to_string())?;
    let resp = fresh_connection_transport()
        .send(req)
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = resp.into_parts();
    let body = body
        .collect_limited(u64::MAX)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Resp {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// A transport that keeps no idle connection, so every request opens its own (a broken or
/// half-read connection of one request never carries over to the next).
fn fresh_connection_transport() -> HyperTransport {
    HyperTransport::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

pub fn md5_b64(data: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(data))
}

pub fn crc64(data: &[u8]) -> u64 {
    let mut d = crc64fast::Digest::new();
    d.write(data);
    d.sum64()
}

/// Uploads an object and asserts success.
pub async fn put(emu: &RunningEmulator, key: &str, data: impl Into<Bytes>) -> Resp {
    let r = Req::object(Method::PUT, key).body(data).send(emu).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r
}

/// Initiates a multipart upload and returns its id.
pub async fn initiate(emu: &RunningEmulator, key: &str) -> String {
    let r = Req::object(Method::POST, key)
        .q("uploads", "")
        .send(emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.xml("UploadId").unwrap()
}

pub async fn upload_part(
    emu: &RunningEmulator,
    key: &str,
    id: &str,
    n: u32,
    data: impl Into<Bytes>,
) -> Resp {
    Req::object(Method::PUT, key)
        .q("partNumber", &n.to_string())
        .q("uploadId", id)
        .body(data)
        .send(emu)
        .await
}

pub fn complete_body(parts: &[(u32, String)]) -> String {
    let mut s = String::from("<CompleteMultipartUpload>");
    for (n, e) in parts {
        s.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
        ));
    }
    s.push_str("</CompleteMultipartUpload>");
    s
}

pub async fn complete(emu: &RunningEmulator, key: &str, id: &str, parts: &[(u32, String)]) -> Resp {
    let body = complete_body(parts);
    Req::object(Method::POST, key)
        .q("uploadId", id)
        .h("Content-Type", "application/xml")
        .body(body)
        .send(emu)
        .await
}

pub async fn get(emu: &RunningEmulator, key: &str) -> Resp {
    Req::object(Method::GET, key).send(emu).await
}
