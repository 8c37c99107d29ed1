//! Plays a mini program against the signing server and the emulator: the direct-upload guide's
//! PUT and POST flows succeed, and every way of stepping outside the credential is refused with
//! the status and COS code COS would give.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use cos_emulator::{Emulator, RunningEmulator};
use cos_sign_server::{
    Addressing, CredentialSource, ExtensionAllowList, GuideClient, RunningSignServer,
    SignServerConfig, StsSource,
};
use serde_json::Value;

const BUCKET: &str = "photos-1250000000";
const TOKEN: &str = "app-login-token";
const MAX_BYTES: u64 = 64 * 1024;

struct World {
    emulator: RunningEmulator,
    signer: RunningSignServer,
    app: GuideClient,
}

async fn world() -> World {
    let emulator = Emulator::builder()
        .bucket(BUCKET)
        .start()
        .await
        .expect("emulator starts");
    let config = SignServerConfig {
        bucket: BUCKET.into(),
        addressing: Addressing::from_endpoint(&emulator.endpoint_url(), BUCKET).unwrap(),
        prefix: "uploads".into(),
        max_bytes: MAX_BYTES,
        allowed_extensions: ExtensionAllowList::new(["jpg", "png"]),
        bearer_token: TOKEN.into(),
        credential_ttl: Duration::from_secs(600),
        sts: None,
    };
    let keys = CredentialSource::Sts(Box::new(
        StsSource::new(format!("{}/-/sts", emulator.endpoint_url()), 1800).unwrap(),
    ));
    let signer = cos_sign_server::start(config, keys, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("signing server starts");
    let app = GuideClient::new(signer.url(), TOKEN).unwrap();
    World {
        emulator,
        signer,
        app,
    }
}

impl World {
    async fn grant(&self, path_and_query: &str) -> Value {
        let answer = self.app.ask(path_and_query).await.unwrap();
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.json().unwrap()
    }

    async fn stop(self) {
        self.signer.shutdown().await;
        self.emulator.shutdown().await;
    }
}

fn text(body: &Bytes) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test]
async fn put_with_a_server_chosen_key_succeeds_and_is_bound_to_that_key() {
    let w = world().await;
    let grant = w.grant("/put-auth?ext=jpg").await;
    let key = grant["cosKey"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("uploads/") && key.ends_with(".jpg"),
        "{key}"
    );
    let cos_host = grant["cosHost"].as_str().unwrap();
    let url = grant["url"].as_str().unwrap();
    assert_eq!(url, format!("http://{cos_host}/{key}"));
    assert!(!grant["securityToken"].as_str().unwrap().is_empty());

    let ok = w.app.put(&grant, url, &b"jpeg bytes"[..]).await.unwrap();
    assert_eq!(ok.status, 200, "{}", text(&ok.body));

    // The same credential on another key: COS recomputes over the other path.
    let other = format!("http://{cos_host}/uploads/someone-elses.jpg");
    let refused = w.app.put(&grant, &other, &b"overwrite"[..]).await.unwrap();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.cos_code().as_deref(), Some("SignatureDoesNotMatch"));
    w.stop().await;
}

#[tokio::test]
async fn a_declared_put_size_is_signed_and_enforced() {
    let w = world().await;
    let grant = w.grant("/put-auth?ext=jpg&size=4").await;
    let url = grant["url"].as_str().unwrap().to_owned();
    let refused = w
        .app
        .put(&grant, &url, &b"longer than four"[..])
        .await
        .unwrap();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.cos_code().as_deref(), Some("SignatureDoesNotMatch"));
    let ok = w.app.put(&grant, &url, &b"four"[..]).await.unwrap();
    assert_eq!(ok.status, 200, "{}", text(&ok.body));

    let too_big = w
        .app
        .ask(&format!("/put-auth?ext=jpg&size={}", MAX_BYTES + 1))
        .await
        .unwrap();
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.json().unwrap()["error"]["code"], "BadSize");
    w.stop().await;
}

#[tokio::test]
async fn post_form_succeeds_and_every_condition_is_enforced() {
    let w = world().await;
    let grant = w.grant("/post-policy?ext=png").await;
    let key = grant["cosKey"].as_str().unwrap().to_owned();
    for field in ["policy", "qAk", "qKeyTime", "qSignature", "securityToken"] {
        assert!(!grant[field].as_str().unwrap().is_empty(), "{field} empty");
    }
    assert_eq!(grant["qSignAlgorithm"], "sha1");

    let ok = w
        .app
        .post(&grant, &key, "a.png", b"png bytes")
        .await
        .unwrap();
    assert_eq!(ok.status, 200, "{}", text(&ok.body));

    let tampered = w
        .app
        .post(&grant, "uploads/chosen-by-client.png", "a.png", b"x")
        .await
        .unwrap();
    assert_eq!(tampered.status, 403);
    assert_eq!(tampered.cos_code().as_deref(), Some("AccessDenied"));

    let big = vec![7u8; usize::try_from(MAX_BYTES).unwrap() + 1];
    let too_big = w.app.post(&grant, &key, "big.png", &big).await.unwrap();
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.cos_code().as_deref(), Some("EntityTooLarge"));

    // Fifteen minutes later the 10-minute policy has expired (the 30-minute token has not).
    w.emulator.set_clock_skew(900);
    let expired = w.app.post(&grant, &key, "a.png", b"late").await.unwrap();
    assert_eq!(expired.status, 403);
    assert_eq!(expired.cos_code().as_deref(), Some("AccessDenied"));
    w.stop().await;
}

#[tokio::test]
async fn the_signing_endpoint_refuses_strangers_and_unlisted_extensions() {
    let w = world().await;
    let url = format!("{}/put-auth?ext=jpg", w.signer.url());
    let anonymous = w.app.send("GET", &url, &[], Bytes::new()).await.unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json().unwrap()["error"]["code"], "Unauthorized");
    let stranger = GuideClient::new(w.signer.url(), "guess").unwrap();
    assert_eq!(stranger.ask("/put-auth?ext=jpg").await.unwrap().status, 401);

    let exe = w.app.ask("/post-policy?ext=exe").await.unwrap();
    assert_eq!(exe.status, 400);
    assert_eq!(exe.json().unwrap()["error"]["code"], "ExtensionNotAllowed");
    let none = w.app.ask("/put-auth").await.unwrap();
    assert_eq!(none.status, 400);
    assert_eq!(none.json().unwrap()["error"]["code"], "MissingExtension");
    assert_eq!(w.app.ask("/admin").await.unwrap().status, 404);
    w.stop().await;
}
