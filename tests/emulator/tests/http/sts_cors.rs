//! The STS listener and browsers: pages on `--allow-origin` origins may call it (preflight
//! answered, answers carry Access-Control-Allow-Origin); any other origin is refused.

use crate::common::{Resp, raw_send};
use bytes::Bytes;
use cos_emulator::Emulator;
use http::Method;
use std::net::SocketAddr;

const PAGE: &str = "http://127.0.0.1:8080";

fn headers(sts: SocketAddr, origin: &str, preflight: bool) -> Vec<(String, String)> {
    let mut h = vec![
        ("host".to_string(), sts.to_string()),
        ("origin".to_string(), origin.to_string()),
    ];
    if preflight {
        h.push(("access-control-request-method".into(), "POST".into()));
        h.push((
            "access-control-request-headers".into(),
            "authorization,content-type,x-tc-action".into(),
        ));
    }
    h
}

fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn only_allowed_origins_may_call_the_sts_listener() {
    let emu = Emulator::builder()
        .sts_listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .allow_origin(PAGE)
        .start()
        .await
        .unwrap();
    let sts: SocketAddr = emu.sts_url().unwrap()["http://".len()..].parse().unwrap();
    let pre = raw_send(
        sts,
        Method::OPTIONS,
        "/",
        &headers(sts, PAGE, true),
        Bytes::new(),
    )
    .await;
    assert_eq!(pre.status.as_u16(), 204, "{}", pre.text());
    assert_eq!(header(&pre, "access-control-allow-origin"), Some(PAGE));
    assert_eq!(header(&pre, "access-control-allow-methods"), Some("POST"));
    assert_eq!(
        header(&pre, "access-control-allow-headers"),
        Some("authorization,content-type,x-tc-action")
    );
    let other = "http://localhost:8080";
    let pre = raw_send(
        sts,
        Method::OPTIONS,
        "/",
        &headers(sts, other, true),
        Bytes::new(),
    )
    .await;
    assert_eq!(pre.status.as_u16(), 403);
    assert!(header(&pre, "access-control-allow-origin").is_none());
    // An actual (here unsigned, so refused) call: the allowed page may read the refusal.
    let mut h = headers(sts, PAGE, false);
    h.push(("content-type".into(), "application/json".into()));
    let r = raw_send(sts, Method::POST, "/", &h, Bytes::from_static(b"{}")).await;
    assert_eq!(header(&r, "access-control-allow-origin"), Some(PAGE));
    let mut h = headers(sts, other, false);
    h.push(("content-type".into(), "application/json".into()));
    let r = raw_send(sts, Method::POST, "/", &h, Bytes::from_static(b"{}")).await;
    assert!(header(&r, "access-control-allow-origin").is_none());
    emu.shutdown().await;
}
