//! `/sts` against the emulator's STS and COS: the keys it hands out upload the server-chosen
//! key (or anything under the allowed prefix) and nothing else — another key, a read, a
//! delete are refused with 403 AccessDenied — and the answer carries both shapes frontends use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use cos_emulator::{Emulator, RunningEmulator};
use cos_model::ops::{DeleteObject, GetObject, PutObject};
use cos_model::{BucketName, Endpoint, ErrorCode, ObjectKey};
use cos_sign::Credentials;
use cos_sign_server::{
    Addressing, CredentialSource, ExtensionAllowList, GuideClient, RunningSignServer,
    SignServerConfig, StsGrant,
};
use cos_transport::{Client, StaticCredentials, StsClient};
use serde_json::Value;

const BUCKET: &str = "photos-1250000000";
const REGION: &str = "ap-guangzhou";
const ID: &str = "AKIDcosrsSIGNSERVERsts00000000000000";
const SECRET: &str = "cos-rs-sign-server-sts-secret-0000";
const TOKEN: &str = "app-login-token";

async fn world(allow_prefix: Option<&str>) -> (RunningEmulator, RunningSignServer, GuideClient) {
    let emulator = Emulator::builder()
        .credential(ID, SECRET)
        .bucket(BUCKET)
        .sts_listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .start()
        .await
        .expect("emulator starts");
    let client = StsClient::builder(Credentials::new(ID, SECRET))
        .endpoint(emulator.sts_url().unwrap())
        .region(REGION)
        .build()
        .unwrap();
    let config = SignServerConfig {
        bucket: BUCKET.into(),
        addressing: Addressing::from_endpoint(&emulator.endpoint_url(), BUCKET).unwrap(),
        prefix: "uploads".into(),
        max_bytes: 64 * 1024,
        allowed_extensions: ExtensionAllowList::new(["jpg"]),
        bearer_token: TOKEN.into(),
        credential_ttl: Duration::from_secs(600),
        sts: Some(StsGrant {
            client,
            region: REGION.into(),
            allow_prefix: allow_prefix.map(str::to_owned),
            duration_seconds: 900,
        }),
    };
    let keys = CredentialSource::Static(Credentials::new(ID, SECRET));
    let signer = cos_sign_server::start(config, keys, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = GuideClient::new(signer.url(), TOKEN).unwrap();
    (emulator, signer, app)
}

/// A COS client with the answer's keys, as a frontend would sign with them.
fn client_with(emulator: &RunningEmulator, answer: &Value) -> Client {
    let text = |name: &str| answer[name].as_str().unwrap().to_owned();
    let credentials = Credentials::new(text("TmpSecretId"), text("TmpSecretKey"))
        .with_security_token(text("SecurityToken"));
    Client::builder(Endpoint::path_style(&emulator.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::new(credentials))
        .build()
        .unwrap()
}

fn refused<T: std::fmt::Debug>(result: Result<T, cos_transport::Error>, what: &str) {
    let err = result.expect_err(what);
    let cos = err.cos().unwrap_or_else(|| panic!("{what}: {err}"));
    assert_eq!(
        (cos.status.as_u16(), &cos.code),
        (403, &ErrorCode::AccessDenied),
        "{what}: {err}"
    );
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

#[tokio::test]
async fn sts_keys_upload_the_server_chosen_key_and_nothing_else() {
    let (emulator, signer, app) = world(None).await;
    let answer = app.ask("/sts?ext=jpg").await.unwrap();
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let a: Value = answer.json().unwrap();
    let chosen = a["key"].as_str().unwrap().to_owned();
    assert!(
        chosen.starts_with("uploads/") && chosen.ends_with(".jpg"),
        "{chosen}"
    );
    // both shapes, the same keys
    assert_eq!(a["credentials"]["tmpSecretId"], a["TmpSecretId"]);
    assert_eq!(a["credentials"]["sessionToken"], a["SecurityToken"]);
    assert_eq!(a["startTime"], a["StartTime"]);
    assert_eq!(
        a["ExpiredTime"].as_u64().unwrap() - a["StartTime"].as_u64().unwrap(),
        900
    );
    assert!(a["expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        (a["bucket"].as_str(), a["region"].as_str()),
        (Some(BUCKET), Some(REGION))
    );

    let c = client_with(&emulator, &a);
    c.execute(&PutObject::new(key(&chosen), "a photo"))
        .await
        .expect("the chosen key");
    refused(
        c.execute(&PutObject::new(key("uploads/20260101/other.jpg"), "x"))
            .await,
        "another key",
    );
    refused(c.execute(&GetObject::new(key(&chosen))).await, "a read");
    refused(
        c.execute(&DeleteObject::new(key(&chosen))).await,
        "a delete",
    );
    let big = bytes::Bytes::from(vec![0u8; 64 * 1024 + 1]);
    refused(
        c.execute(&PutObject::new(key(&chosen), big)).await,
        "one byte over max_bytes",
    );
    // POST works as GET does; strangers are refused
    let post = app.ask_post("/sts?ext=jpg").await.unwrap();
    assert_eq!(post.status, 200, "{:?}", post.body);
    let stranger = GuideClient::new(signer.url(), "wrong").unwrap();
    assert_eq!(stranger.ask("/sts?ext=jpg").await.unwrap().status, 401);
    signer.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn with_an_allowed_prefix_the_keys_upload_under_it_only() {
    let (emulator, signer, app) = world(Some("uploads/u1/")).await;
    let a: Value = app.ask("/sts").await.unwrap().json().unwrap();
    assert_eq!(a["prefix"], "uploads/u1/");
    assert!(a.get("key").is_none());
    let c = client_with(&emulator, &a);
    c.execute(&PutObject::new(key("uploads/u1/a.jpg"), "inside"))
        .await
        .expect("under the prefix");
    refused(
        c.execute(&PutObject::new(key("uploads/u2/a.jpg"), "outside"))
            .await,
        "under another prefix",
    );
    signer.shutdown().await;
    emulator.shutdown().await;
}
