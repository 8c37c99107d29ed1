//! What browsers see of the signing server over HTTP: the page and its configuration, the SDK
//! file when one is given, and cross-origin calls answered for `--allow-origin` origins only
//! (preflight and actual answer), never for others.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use cos_sign::Credentials;
use cos_sign_server::{
    Addressing, BrowserAccess, CredentialSource, ExtensionAllowList, JS_SDK_PATH,
    RunningSignServer, SignServerConfig,
};
use cos_transport::{Body, HyperTransport, Transport as _};
use http::{HeaderMap, Method, StatusCode};

const PAGE: &str = "http://127.0.0.1:8080";
const TOKEN: &str = "app-login-token";

async fn server(access: BrowserAccess) -> RunningSignServer {
    let config = SignServerConfig {
        bucket: "photos-1250000000".into(),
        addressing: Addressing::from_endpoint("http://127.0.0.1:9000", "photos-1250000000")
            .unwrap(),
        prefix: "uploads".into(),
        max_bytes: 1024,
        allowed_extensions: ExtensionAllowList::new(["jpg"]),
        bearer_token: TOKEN.into(),
        credential_ttl: Duration::from_secs(600),
        sts: None,
    };
    let keys = CredentialSource::Static(Credentials::new("AKIDbrowser", "browser-secret"));
    cos_sign_server::start_with(config, keys, "127.0.0.1:0".parse().unwrap(), access)
        .await
        .unwrap()
}

async fn send(
    server: &RunningSignServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Bytes) {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.url()));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let transport = HyperTransport::builder().build().unwrap();
    let resp = transport
        .send(b.body(Body::from(Bytes::new())).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect_limited(u64::MAX).await.unwrap(),
    )
}

fn allow_origin(h: &HeaderMap) -> Option<&str> {
    h.get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn cross_origin_calls_only_from_allowed_origins() {
    let s = server(BrowserAccess::new().allow_origin(PAGE)).await;
    let preflight = |origin: &'static str| {
        [
            ("origin", origin),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ]
    };
    let (status, h, _) = send(&s, Method::OPTIONS, "/put-auth", &preflight(PAGE)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(allow_origin(&h), Some(PAGE));
    assert_eq!(h["access-control-allow-headers"], "authorization");
    let other = "http://localhost:8080";
    let (status, h, _) = send(&s, Method::OPTIONS, "/put-auth", &preflight(other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(allow_origin(&h), None);
    let bearer = format!("Bearer {TOKEN}");
    for (origin, want) in [(PAGE, Some(PAGE)), (other, None)] {
        let (status, h, body) = send(
            &s,
            Method::GET,
            "/put-auth?ext=jpg",
            &[("origin", origin), ("authorization", &bearer)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body:?}");
        assert_eq!(allow_origin(&h), want, "from {origin}");
        assert!(h["vary"].to_str().unwrap().contains("Origin"));
    }
    // A refusal is readable by the allowed page too (it can tell the user why).
    let (status, h, _) = send(&s, Method::GET, "/put-auth?ext=jpg", &[("origin", PAGE)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(allow_origin(&h), Some(PAGE));
    s.shutdown().await;
}

#[tokio::test]
async fn serves_the_page_its_configuration_and_the_sdk_file() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = dir.path().join("cos-js-sdk-v5.min.js");
    std::fs::write(&sdk, "window.COS = function () {};").unwrap();
    let s = server(BrowserAccess::new().region("ap-guangzhou").js_sdk(&sdk)).await;
    let (status, h, body) = send(&s, Method::GET, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&body).contains(JS_SDK_PATH));
    let (_, _, body) = send(&s, Method::GET, "/config.json", &[]).await;
    let config: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(config["bucket"], "photos-1250000000");
    assert_eq!(config["region"], "ap-guangzhou");
    // the browser SDK has no path style: the loopback emulator is reached as <bucket>.localhost
    assert_eq!(config["domain"], "{Bucket}.localhost:9000");
    assert_eq!(config["forcePathStyle"], false);
    let (status, _, body) = send(&s, Method::GET, JS_SDK_PATH, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"window.COS = function () {};");
    s.shutdown().await;
    let s = server(BrowserAccess::new()).await;
    let (status, _, _) = send(&s, Method::GET, JS_SDK_PATH, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.shutdown().await;
}
