//! What the list logs: one `info` line per change of a file's state, with the file's id,
//! name, from → to, the verb or event that moved it and a failure's code; never the
//! credentials pushed for it.
//!
//! The test runs on tokio's current-thread runtime, so the list's task and the fake
//! engine's uploads log under the subscriber installed on this thread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{FakeEngine, collect_until};
use cos_transport::test_util::{LogCapture, capture_logs};
use cos_vod::{AddOptions, FileSource, TemporaryKey, UploadGrant, VodEvent, VodUploader};

const SECRET: &str = "vod-tracing-secret-key-0000";
const TOKEN: &str = "vod-tracing-session-token-0000";

fn capture(filter: &str) -> (LogCapture, tracing::subscriber::DefaultGuard) {
    capture_logs(filter)
}

/// The state-change lines about `name`, reduced to "from → to".
fn changes(text: &str, name: &str) -> Vec<String> {
    let quoted = format!("name={name} ");
    text.lines()
        .filter(|l| l.contains(" INFO ") && l.contains(&quoted) && l.contains("file "))
        .map(|l| {
            let at = l.find("file ").unwrap() + "file ".len();
            let rest = &l[at..];
            let end = rest.find(" file=").unwrap();
            rest[..end].to_string()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_state_change_of_a_file_is_one_info_line() {
    let (captured, _guard) = capture("cos_vod=info");
    let engine = FakeEngine::new();
    engine.with(|s| s.fail_at.insert("b.mp4".into(), 2));
    let list = VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
        .spawn();
    let mut events = list.events().await.unwrap();
    let mut ids = Vec::new();
    for name in ["a.mp4", "b.mp4"] {
        let id = list
            .add_file(
                FileSource::bytes(name, vec![7; 300]),
                AddOptions::new().key(name),
            )
            .await
            .unwrap();
        let key = TemporaryKey::new("AKIDvodtracing", SECRET)
            .with_security_token(TOKEN)
            .with_expiration(SystemTime::now() + Duration::from_secs(3600));
        list.set_upload_grant(id, UploadGrant::new(key))
            .await
            .unwrap();
        ids.push(id);
    }
    list.start_upload().await.unwrap();
    collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    list.delete_file(ids[1]).await.unwrap();
    list.shutdown().await.unwrap();

    let text = captured.text();
    assert_eq!(
        changes(&text, "a.mp4"),
        ["(new) → Ready", "Ready → Uploading", "Uploading → Success"],
        "{text}"
    );
    assert_eq!(
        changes(&text, "b.mp4"),
        [
            "(new) → Ready",
            "Ready → Uploading",
            "Uploading → Failure",
            "Failure → (removed)"
        ],
        "{text}"
    );
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
    };
    let succeeded = line("Uploading → Success");
    assert!(
        succeeded.contains(&format!("file={}", ids[0])),
        "{succeeded}"
    );
    assert!(succeeded.contains("op=\"upload succeeded\""), "{succeeded}");
    let failed = line("Uploading → Failure");
    assert!(failed.contains("code=\"InternalError\""), "{failed}");
    assert!(line("Ready → Uploading").contains("op=\"schedule\""));
    for secret in [SECRET, TOKEN] {
        assert!(!text.contains(secret), "a credential was logged:\n{text}");
    }
}
