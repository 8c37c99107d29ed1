//! Faults: injected errors, dropped connections, delays, reproducibility.

use crate::common::*;
use bytes::Bytes;
use cos_emulator::{Emulator, FaultSpec};
use http::{Method, StatusCode};
use std::time::{Duration, Instant};

fn spec(s: &str) -> FaultSpec {
    s.parse().unwrap()
}

#[tokio::test]
async fn injected_errors_follow_the_ops_filter() {
    let emu = start().await;
    emu.set_faults(spec("5xx=1,ops=PutObject"));
    Req::object(Method::PUT, "k")
        .body("x")
        .send(&emu)
        .await
        .expect_error(500, "InternalError");
    get(&emu, "k").await.expect_error(404, "NoSuchKey");
    emu.set_faults(spec("slowdown=1,ops=GetObject"));
    put(&emu, "k", "x").await;
    get(&emu, "k").await.expect_error(503, "SlowDown");
    emu.set_faults(FaultSpec::none());
    assert_eq!(get(&emu, "k").await.status, StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_mid_body_stores_nothing() {
    let emu = start().await;
    emu.set_faults(spec("reset=1,ops=PutObject+UploadPart"));
    let (m, pq, h) = Req::object(Method::PUT, "cut")
        .body(vec![7u8; 200_000])
        .prepare(emu.addr());
    let r = try_send(emu.addr(), m, &pq, &h, Bytes::from(vec![7u8; 200_000])).await;
    assert!(r.is_err(), "the connection is dropped");
    let id = initiate(&emu, "cutpart").await;
    let (m, pq, h) = Req::object(Method::PUT, "cutpart")
        .q("partNumber", "1")
        .q("uploadId", &id)
        .body(vec![1u8; 100_000])
        .prepare(emu.addr());
    assert!(
        try_send(emu.addr(), m, &pq, &h, Bytes::from(vec![1u8; 100_000]))
            .await
            .is_err()
    );
    emu.set_faults(FaultSpec::none());
    get(&emu, "cut").await.expect_error(404, "NoSuchKey");
    let l = Req::object(Method::GET, "cutpart")
        .q("uploadId", &id)
        .send(&emu)
        .await;
    assert!(
        xml_values(&l.text(), "PartNumber").is_empty(),
        "no part stored: {}",
        l.text()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_response_after_the_work_is_done() {
    let emu = start().await;
    put(&emu, "big", vec![3u8; 300_000]).await;
    emu.set_faults(spec("reset-response=1,ops=GetObject+PutObject"));
    let (m, pq, h) = Req::object(Method::GET, "big").prepare(emu.addr());
    assert!(
        try_send(emu.addr(), m, &pq, &h, Bytes::new())
            .await
            .is_err(),
        "the body breaks off"
    );
    let (m, pq, h) = Req::object(Method::PUT, "stored")
        .body("done")
        .prepare(emu.addr());
    assert!(
        try_send(emu.addr(), m, &pq, &h, Bytes::from_static(b"done"))
            .await
            .is_err(),
        "no answer"
    );
    emu.set_faults(FaultSpec::none());
    assert_eq!(
        &get(&emu, "stored").await.body[..],
        b"done",
        "the PUT was stored before the drop"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn delays_and_slow_complete_keepalive() {
    let emu = start().await;
    put(&emu, "k", "v").await;
    emu.set_faults(spec("delay=1:300,ops=GetObject+CompleteMultipartUpload"));
    let t = Instant::now();
    assert_eq!(get(&emu, "k").await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let id = initiate(&emu, "slow").await;
    let e = upload_part(&emu, "slow", &id, 1, "only part")
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let c = complete(&emu, "slow", &id, &[(1, e)]).await;
    assert_eq!(c.status, StatusCode::OK);
    let text = c.text();
    assert!(
        text.starts_with(' '),
        "whitespace keeps the connection alive: {text:?}"
    );
    assert!(text.trim_start().starts_with("<?xml"), "{text:?}");
    assert!(c.xml("ETag").unwrap().ends_with("-1\""));
    emu.set_faults(FaultSpec::none());
    assert_eq!(&get(&emu, "slow").await.body[..], b"only part");
    emu.shutdown().await;
}

#[tokio::test]
async fn complete_errors_come_plain_or_in_a_200_body() {
    let emu = start().await;
    let mut plain = 0;
    let mut in_body = 0;
    for i in 0..12 {
        let key = format!("c{i}");
        let id = initiate(&emu, &key).await;
        let e = upload_part(&emu, &key, &id, 1, "p")
            .await
            .header("etag")
            .unwrap()
            .to_string();
        emu.set_faults(spec("5xx=1,ops=CompleteMultipartUpload"));
        let c = complete(&emu, &key, &id, &[(1, e.clone())]).await;
        emu.set_faults(FaultSpec::none());
        if c.status == StatusCode::OK {
            assert_eq!(c.code().as_deref(), Some("InternalError"), "{}", c.text());
            in_body += 1;
        } else {
            c.expect_error(500, "InternalError");
            plain += 1;
        }
        // Either way the upload is still there and completes on retry.
        assert_eq!(
            complete(&emu, &key, &id, &[(1, e)]).await.status,
            StatusCode::OK
        );
    }
    assert!(plain > 0 && in_body > 0, "plain {plain}, in body {in_body}");
    emu.shutdown().await;
}

async fn outcomes(seed: u64) -> Vec<u16> {
    let emu = Emulator::builder()
        .credential(ID, KEY)
        .bucket(BUCKET)
        .faults(spec("5xx=0.3,slowdown=0.2"))
        .seed(seed)
        .start()
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..30 {
        let r = Req::object(Method::PUT, &format!("k{}", i % 7))
            .body("x")
            .send(&emu)
            .await;
        out.push(r.status.as_u16());
    }
    emu.shutdown().await;
    out
}

#[tokio::test]
async fn draws_are_reproducible_by_seed() {
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_ne!(a, outcomes(8).await);
}
