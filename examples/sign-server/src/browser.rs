//! What browsers get besides the signing endpoints: CORS for pages on the origins given with
//! `--allow-origin` (their preflights are answered and the answers carry
//! `Access-Control-Allow-Origin`; every other origin's preflight is refused and its answers
//! carry no CORS header, so the browser keeps them from the page), and the direct-upload page
//! (`page/`, built into the binary) with Tencent's browser SDK served from a file given at
//! start (`--js-sdk`; it is not part of this crate).

use std::path::PathBuf;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use http_body_util::Full;

use crate::addressing::Addressing;
use crate::error::SignServerError;

/// The page's files: path, content type, bytes.
const PAGE: [(&str, &str, &str); 3] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../page/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../page/app.js"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../page/style.css"),
    ),
];
/// Where the page loads the SDK from.
pub const JS_SDK_PATH: &str = "/vendor/cos-js-sdk-v5.min.js";

/// Which origins may call the server from script, and where the browser SDK file is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowserAccess {
    allowed_origins: Vec<String>,
    js_sdk: Option<PathBuf>,
    region: Option<String>,
}

impl BrowserAccess {
    /// No cross-origin access, no SDK file (the page is served all the same).
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets pages on `origin` (scheme, host and port exactly: `http://127.0.0.1:8080`) call
    /// the server (repeatable).
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Serves this file (`cos-js-sdk-v5.min.js`) at [`JS_SDK_PATH`] for the page.
    pub fn js_sdk(mut self, file: impl Into<PathBuf>) -> Self {
        self.js_sdk = Some(file.into());
        self
    }

    /// The bucket's region, which the page hands the SDK (default: `/sts`'s region).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The origins allowed.
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }
}

/// [`BrowserAccess`] ready to serve: the SDK read once at start.
pub(crate) struct Browser {
    allowed_origins: Vec<String>,
    js_sdk: Option<Bytes>,
    config_json: Bytes,
}

impl Browser {
    /// Reads the SDK file; the page's `/config.json` tells it the bucket and how to reach it.
    pub(crate) async fn load(
        access: BrowserAccess,
        bucket: &str,
        sts_region: Option<&str>,
        addressing: &Addressing,
    ) -> Result<Self, SignServerError> {
        let js_sdk = match &access.js_sdk {
            None => None,
            Some(path) => Some(Bytes::from(tokio::fs::read(path).await.map_err(|e| {
                SignServerError::Config(format!("reading the JS SDK {}: {e}", path.display()))
            })?)),
        };
        // cos-js-sdk-v5's browser build refuses path style: a loopback endpoint (the emulator)
        // is reached as `<bucket>.localhost:PORT` instead, which browsers resolve to loopback.
        let mut path_style = !addressing.signed_prefix.is_empty();
        let domain = match addressing.host_header.split_once(':') {
            Some(("127.0.0.1" | "localhost", port)) if path_style => {
                path_style = false;
                format!("{{Bucket}}.localhost:{port}")
            }
            _ if path_style => addressing.host_header.clone(),
            _ => addressing.cos_host.clone(),
        };
        let config = serde_json::json!({
            "bucket": bucket,
            "region": access.region.as_deref().or(sts_region).unwrap_or_default(),
            "protocol": format!("{}:", addressing.scheme),
            "domain": domain,
            "forcePathStyle": path_style,
            "jsSdk": js_sdk.is_some(),
        });
        Ok(Browser {
            allowed_origins: access.allowed_origins,
            js_sdk,
            config_json: Bytes::from(config.to_string()),
        })
    }

    fn allowed<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
        self.allowed_origins
            .iter()
            .any(|o| o == origin)
            .then_some(origin)
    }

    /// The answer to a CORS preflight, if this is one: allowed origins may `GET` and `POST`
    /// with the headers they ask for (the bearer token's `Authorization`); others get 403.
    pub(crate) fn preflight(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Option<Response<Full<Bytes>>> {
        if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return None;
        }
        let Some(origin) = self.allowed(headers) else {
            return Some(plain(StatusCode::FORBIDDEN, "text/plain", Bytes::new()));
        };
        let mut r = plain(StatusCode::NO_CONTENT, "text/plain", Bytes::new());
        let h = r.headers_mut();
        insert(h, header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        insert(h, header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST");
        if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        insert(h, header::ACCESS_CONTROL_MAX_AGE, "600");
        insert(h, header::VARY, "Origin");
        Some(r)
    }

    /// Adds `Access-Control-Allow-Origin` to an answer for an allowed origin.
    pub(crate) fn decorate(&self, request: &HeaderMap, response: &mut Response<Full<Bytes>>) {
        let h = response.headers_mut();
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = self.allowed(request) {
            insert(h, header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
    }

    /// The page's files, its configuration and the SDK, for `GET`.
    pub(crate) fn page(&self, method: &Method, path: &str) -> Option<Response<Full<Bytes>>> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        if let Some((_, kind, text)) = PAGE.iter().find(|(p, _, _)| *p == path) {
            return Some(plain(
                StatusCode::OK,
                kind,
                Bytes::from_static(text.as_bytes()),
            ));
        }
        match path {
            "/config.json" => Some(plain(
                StatusCode::OK,
                "application/json",
                self.config_json.clone(),
            )),
            JS_SDK_PATH => self.js_sdk.as_ref().map(|sdk| {
                plain(
                    StatusCode::OK,
                    "text/javascript; charset=utf-8",
                    sdk.clone(),
                )
            }),
            _ => None,
        }
    }
}

fn insert(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn plain(status: StatusCode, kind: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    insert(r.headers_mut(), header::CONTENT_TYPE, kind);
    insert(r.headers_mut(), header::CACHE_CONTROL, "no-store");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser() -> Browser {
        Browser {
            allowed_origins: vec!["http://127.0.0.1:8080".into()],
            js_sdk: None,
            config_json: Bytes::new(),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_allowed_origins_pass_the_preflight() {
        let b = browser();
        let ok = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ]);
        let r = b.preflight(&Method::OPTIONS, &ok).unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "http://127.0.0.1:8080"
        );
        assert_eq!(r.headers()["access-control-allow-headers"], "authorization");
        let other = headers(&[
            ("origin", "http://localhost:8080"),
            ("access-control-request-method", "GET"),
        ]);
        let r = b.preflight(&Method::OPTIONS, &other).unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.headers().get("access-control-allow-origin").is_none());
        assert!(b.preflight(&Method::GET, &ok).is_none());
        let mut answer = plain(StatusCode::OK, "application/json", Bytes::new());
        b.decorate(&other, &mut answer);
        assert!(
            answer
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        b.decorate(&ok, &mut answer);
        assert_eq!(
            answer.headers()["access-control-allow-origin"],
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn serves_the_page_but_no_sdk_unless_given() {
        let b = browser();
        assert!(b.page(&Method::GET, "/").is_some());
        assert!(b.page(&Method::GET, "/app.js").is_some());
        assert!(b.page(&Method::GET, JS_SDK_PATH).is_none());
        assert!(b.page(&Method::POST, "/").is_none());
    }
}
