//! POST Object with a policy, over HTTP.

use crate::common::*;
use bytes::Bytes;
use cos_sign::post::PostPolicy;
use cos_sign::{Credentials, KeyTime};
use http::{Method, StatusCode};

const BOUNDARY: &str = "----cosrsEmulatorBoundary7MA4YWxkTrZu0gW";

fn form_body(fields: &[(String, String)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, v) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n")
                .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post(emu: &cos_emulator::RunningEmulator, body: Vec<u8>) -> Resp {
    let req = Req::bucket(Method::POST)
        .auth(Auth::None)
        .h(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body.clone());
    let (m, pq, h) = req.prepare(emu.addr());
    raw_send(emu.addr(), m, &pq, &h, Bytes::from(body)).await
}

fn policy_form(creds: &Credentials, token: bool) -> Vec<(String, String)> {
    let t = now();
    let mut p = PostPolicy::new(t + 600)
        .sign_fields()
        .bucket(BUCKET)
        .key_prefix("uploads/")
        .content_length_range(1, 1000);
    if token {
        p = p.security_token();
    }
    let form = p.sign(creds, KeyTime::new(t - 10, t + 600)).unwrap();
    form.fields().to_vec()
}

#[tokio::test]
async fn post_object_with_a_policy() {
    let emu = start().await;
    let mut fields = policy_form(&creds(), false);
    fields.push(("key".into(), "uploads/${filename}".into()));
    fields.push(("Content-Type".into(), "image/png".into()));
    let r = post(&emu, form_body(&fields, Some(("pic.png", b"PNGDATA")))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", md5_hex(b"PNGDATA")).as_str())
    );
    let g = get(&emu, "uploads/pic.png").await;
    assert_eq!(&g.body[..], b"PNGDATA");
    assert_eq!(g.header("content-type"), Some("image/png"));

    let mut f201 = fields.clone();
    f201.push(("success_action_status".into(), "201".into()));
    let r = post(&emu, form_body(&f201, Some(("b.png", b"B")))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.xml("Key").as_deref(), Some("uploads/b.png"));
    let mut f200 = fields.clone();
    f200.push(("success_action_status".into(), "200".into()));
    assert_eq!(
        post(&emu, form_body(&f200, Some(("c.png", b"C"))))
            .await
            .status,
        StatusCode::OK
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn post_object_refused_when_a_condition_breaks() {
    let emu = start().await;
    let mut fields = policy_form(&creds(), false);
    fields.push(("key".into(), "elsewhere/x".into()));
    post(&emu, form_body(&fields, Some(("x", b"data"))))
        .await
        .expect_error(403, "AccessDenied");
    get(&emu, "elsewhere/x")
        .await
        .expect_error(404, "NoSuchKey");

    let mut fields = policy_form(&creds(), false);
    fields.push(("key".into(), "uploads/big".into()));
    post(&emu, form_body(&fields, Some(("big", &[0u8; 1001]))))
        .await
        .expect_error(400, "EntityTooLarge");
    post(&emu, form_body(&fields, Some(("big", b""))))
        .await
        .expect_error(400, "EntityTooSmall");
    get(&emu, "uploads/big")
        .await
        .expect_error(404, "NoSuchKey");
    post(&emu, form_body(&fields, None))
        .await
        .expect_error(400, "IncorrectNumberOfFilesInPostRequest");

    let mut tampered = policy_form(&creds(), false);
    for (n, v) in tampered.iter_mut() {
        if n == "q-signature" {
            *v = "0".repeat(40);
        }
    }
    tampered.push(("key".into(), "uploads/t".into()));
    post(&emu, form_body(&tampered, Some(("t", b"t"))))
        .await
        .expect_error(403, "SignatureDoesNotMatch");
    emu.shutdown().await;
}

#[tokio::test]
async fn post_object_with_a_temporary_key() {
    let emu = start().await;
    let tmp = emu
        .issue_temporary_key(std::time::Duration::from_secs(600))
        .unwrap()
        .credentials();
    let mut fields = policy_form(&tmp, true);
    fields.push(("key".into(), "uploads/tmp".into()));
    assert!(fields.iter().any(|(n, _)| n == "x-cos-security-token"));
    let r = post(&emu, form_body(&fields, Some(("tmp", b"tmp")))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let without: Vec<_> = fields
        .iter()
        .filter(|(n, _)| n != "x-cos-security-token")
        .cloned()
        .collect();
    post(&emu, form_body(&without, Some(("tmp", b"tmp"))))
        .await
        .expect_error(403, "InvalidAccessKeyId");
    emu.shutdown().await;
}
