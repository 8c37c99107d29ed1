//! Signatures, key windows, temporary keys and clock skew, over HTTP.

use crate::common::*;
use bytes::Bytes;
use cos_sign::{Credentials, KeyTime};
use http::{Method, StatusCode};
use std::time::Duration;

#[tokio::test]
async fn missing_wrong_and_unknown_signatures() {
    let emu = start().await;
    Req::object(Method::GET, "k")
        .auth(Auth::None)
        .send(&emu)
        .await
        .expect_error(403, "AccessDenied");
    let t = now();
    let wrong = Credentials::new(ID, "not-the-key");
    let r = Req::object(Method::PUT, "k")
        .body("x")
        .auth(Auth::Header(wrong, KeyTime::new(t - 60, t + 60)))
        .send(&emu)
        .await;
    r.expect_error(403, "SignatureDoesNotMatch");
    let fs = r.xml("FormatString").unwrap();
    assert!(
        fs.starts_with("put\n/k\n\ncontent-length=1&host="),
        "{fs:?}"
    );
    assert!(r.xml("StringToSign").unwrap().starts_with("sha1\n"));
    let stranger = Credentials::new("AKIDstranger", KEY);
    Req::object(Method::GET, "k")
        .auth(Auth::Header(stranger, KeyTime::new(t - 60, t + 60)))
        .send(&emu)
        .await
        .expect_error(403, "InvalidAccessKeyId");
    // A signed header changed on the way is a mismatch.
    let req = Req::object(Method::PUT, "k")
        .h("Content-Type", "text/plain")
        .body("x");
    let (method, pq, mut headers) = req.prepare(emu.addr());
    for (n, v) in headers.iter_mut() {
        if n == "Content-Type" {
            *v = "text/html".into();
        }
    }
    raw_send(emu.addr(), method, &pq, &headers, Bytes::from_static(b"x"))
        .await
        .expect_error(403, "SignatureDoesNotMatch");
    // Unsigned headers may change.
    let req = Req::object(Method::PUT, "k").body("x");
    let (method, pq, mut headers) = req.prepare(emu.addr());
    headers.push(("User-Agent".into(), "anything".into()));
    assert_eq!(
        raw_send(emu.addr(), method, &pq, &headers, Bytes::from_static(b"x"))
            .await
            .status,
        StatusCode::OK
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn key_time_windows_and_date() {
    let emu = start().await;
    put(&emu, "k", "v").await;
    let t = now();
    let r = Req::object(Method::GET, "k")
        .auth(Auth::Header(creds(), KeyTime::new(t - 7200, t - 3600)))
        .send(&emu)
        .await;
    r.expect_error(403, "AccessDenied");
    assert_eq!(r.xml("Message").as_deref(), Some("Request has expired"));
    assert!(r.xml("ServerTime").is_some());
    let r = Req::object(Method::GET, "k")
        .auth(Auth::Header(creds(), KeyTime::new(t + 3600, t + 7200)))
        .send(&emu)
        .await;
    r.expect_error(403, "RequestTimeTooSkewed");
    // A start a little ahead (within the tolerance) is accepted.
    let r = Req::object(Method::GET, "k")
        .auth(Auth::Header(creds(), KeyTime::new(t + 120, t + 7200)))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let old = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(3600));
    Req::object(Method::GET, "k")
        .h("Date", &old)
        .send(&emu)
        .await
        .expect_error(403, "RequestTimeTooSkewed");
    emu.shutdown().await;
}

#[tokio::test]
async fn server_clock_skew_is_visible_to_clients() {
    let emu = start().await;
    put(&emu, "k", "v").await;
    emu.set_clock_skew(-3600);
    let r = get(&emu, "k").await;
    r.expect_error(403, "RequestTimeTooSkewed");
    let server_date = httpdate::parse_http_date(r.header("date").unwrap()).unwrap();
    let behind = std::time::SystemTime::now()
        .duration_since(server_date)
        .unwrap();
    assert!(
        behind > Duration::from_secs(3500),
        "the Date header shows the skewed clock"
    );
    emu.set_clock_skew(3600);
    let r = get(&emu, "k").await;
    r.expect_error(403, "AccessDenied");
    assert_eq!(r.xml("Message").as_deref(), Some("Request has expired"));
    // A client that corrects its clock by the Date header gets through.
    let server_now = httpdate::parse_http_date(r.header("date").unwrap()).unwrap();
    let s = server_now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let r = Req::object(Method::GET, "k")
        .auth(Auth::Header(creds(), KeyTime::new(s - 1, s + 900)))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    emu.set_clock_skew(0);
    assert_eq!(get(&emu, "k").await.status, StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn presigned_get_and_put() {
    let emu = start().await;
    let t = now();
    let kt = KeyTime::new(t - 10, t + 600);
    let r = Req::object(Method::PUT, "pre/a b+c.txt")
        .body("presigned")
        .auth(Auth::Query(creds(), kt))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = Req::object(Method::GET, "pre/a b+c.txt")
        .q("response-content-type", "text/plain")
        .auth(Auth::Query(creds(), kt))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(&r.body[..], b"presigned");
    assert_eq!(r.header("content-type"), Some("text/plain"));
    // Tampering with a signed parameter breaks it.
    let req = Req::object(Method::GET, "pre/a b+c.txt")
        .q("response-content-type", "text/plain")
        .auth(Auth::Query(creds(), kt));
    let (method, pq, headers) = req.prepare(emu.addr());
    let pq = pq.replace("text%2Fplain", "text%2Fhtml");
    raw_send(emu.addr(), method, &pq, &headers, Bytes::new())
        .await
        .expect_error(403, "SignatureDoesNotMatch");
    // An expired URL.
    let old = KeyTime::new(t - 3600, t - 1800);
    Req::object(Method::GET, "pre/a b+c.txt")
        .auth(Auth::Query(creds(), old))
        .send(&emu)
        .await
        .expect_error(403, "AccessDenied");
    emu.shutdown().await;
}

#[tokio::test]
async fn temporary_keys_from_the_sts_endpoint() {
    let emu = start().await;
    let host = vec![("Host".to_string(), emu.addr().to_string())];
    let r = raw_send(
        emu.addr(),
        Method::POST,
        "/-/sts?duration=60",
        &host,
        Bytes::new(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let id = json["credentials"]["tmpSecretId"]
        .as_str()
        .unwrap()
        .to_string();
    let key = json["credentials"]["tmpSecretKey"]
        .as_str()
        .unwrap()
        .to_string();
    let token = json["credentials"]["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    let start = json["startTime"].as_u64().unwrap();
    assert_eq!(json["expiredTime"].as_u64().unwrap(), start + 60);

    let tmp = Credentials::new(&id, &key).with_security_token(&token);
    let kt = KeyTime::new(start, start + 60);
    let r = Req::object(Method::PUT, "tmp")
        .body("x")
        .auth(Auth::Header(tmp.clone(), kt))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Without the token, or with another one.
    let bare = Credentials::new(&id, &key);
    Req::object(Method::GET, "tmp")
        .auth(Auth::Header(bare.clone(), kt))
        .send(&emu)
        .await
        .expect_error(403, "InvalidAccessKeyId");
    let other = Credentials::new(&id, &key).with_security_token("other");
    Req::object(Method::GET, "tmp")
        .auth(Auth::Header(other, kt))
        .send(&emu)
        .await
        .expect_error(403, "InvalidAccessKeyId");
    // The token in a pre-signed query works too.
    let r = Req::object(Method::GET, "tmp")
        .auth(Auth::Query(tmp.clone(), kt))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // After expiry: ExpiredToken.
    emu.set_clock_skew(120);
    Req::object(Method::GET, "tmp")
        .auth(Auth::Header(tmp, kt))
        .send(&emu)
        .await
        .expect_error(400, "ExpiredToken");
    emu.set_clock_skew(0);
    // Library-issued keys behave the same.
    let lib = emu.issue_temporary_key(Duration::from_secs(600)).unwrap();
    let kt = KeyTime::new(lib.start_time as u64, lib.expired_time as u64);
    let r = Req::object(Method::GET, "tmp")
        .auth(Auth::Header(lib.credentials(), kt))
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(emu.issue_temporary_key(Duration::from_secs(0)).is_err());
    emu.shutdown().await;
}
