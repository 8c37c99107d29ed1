//! The `cos-emulator` binary: its first stdout line, the demo credential, SIGTERM.

use crate::common::*;
use cos_emulator::{DEMO_SECRET_ID, DEMO_SECRET_KEY};
use cos_sign::{Credentials, KeyTime};
use http::{Method, StatusCode};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_its_address_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(["--listen", "127.0.0.1:0", "--bucket", BUCKET, "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"));
    let addr: std::net::SocketAddr = url.parse().unwrap();
    let mut second = String::new();
    out.read_line(&mut second).unwrap();
    assert!(
        second.contains(DEMO_SECRET_ID) && second.contains(DEMO_SECRET_KEY),
        "{second:?}"
    );

    let t = now();
    let demo = Credentials::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
    let req = Req::object(Method::PUT, "from-cli")
        .body("hi")
        .auth(Auth::Header(demo, KeyTime::new(t - 60, t + 600)));
    let (m, pq, h) = req.prepare(addr);
    let r = raw_send(addr, m, &pq, &h, bytes::Bytes::from_static(b"hi")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "stops cleanly on SIGTERM: {status:?}");
}

#[test]
fn binary_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(["--faults", "nonsense=1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(["--bucket", "NoAppId"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid bucket name"));
}
