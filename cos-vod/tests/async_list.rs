//! The async layer over a fake engine: callbacks into the list from a listener, delete
//! while uploading, stop/start, token expiry and resume, pull credentials, restarts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{FakeEngine, collect_until, names};
use cos_vod::{
    AddOptions, CancelReason, FailureInfo, FileId, FileRef, FileSource, FileState, GrantRequest,
    ListCounts, ListState, TemporaryKey, UploadGrant, UploadResult, VodError, VodEvent,
    VodListener, VodUploader,
};

fn bytes(name: &str, len: usize) -> FileSource {
    FileSource::bytes(name, vec![name.len() as u8; len])
}

fn far() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

fn pushed(engine: &FakeEngine) -> VodUploader {
    VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
        .spawn()
}

fn grant(id: &str) -> UploadGrant {
    UploadGrant::new(
        TemporaryKey::new(id, "secret")
            .with_security_token("token")
            .with_expiration(far()),
    )
}

/// Pushes credentials from inside `on_upload_started` and reads the list from inside
/// `on_upload_succeed`: callbacks into the list from a listener must not deadlock.
struct Pusher {
    list: VodUploader,
    seen: Arc<Mutex<Vec<String>>>,
}

impl VodListener for Pusher {
    async fn on_upload_started(&self, file: FileRef, needs_auth: bool) {
        assert!(needs_auth);
        self.list
            .set_sts_token(file.id, "sts-id", "sts-secret", "sts-token", far())
            .await
            .unwrap();
        self.seen
            .lock()
            .unwrap()
            .push(format!("started {}", file.name));
    }

    async fn on_upload_succeed(&self, file: FileRef, result: UploadResult) {
        let listed = self.list.list_files().await.unwrap();
        let me = listed.iter().find(|s| s.id == file.id).unwrap();
        assert_eq!(me.state, FileState::Success);
        assert_eq!(me.result.as_ref(), Some(&result));
        self.seen
            .lock()
            .unwrap()
            .push(format!("succeeded {} {}", file.name, result.key));
    }

    async fn on_upload_end(&self, counts: ListCounts) {
        self.seen
            .lock()
            .unwrap()
            .push(format!("end {}/{}", counts.succeeded, counts.total));
    }
}

#[tokio::test(start_paused = true)]
async fn listener_pushes_credentials_from_upload_started() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let seen = Arc::new(Mutex::new(Vec::new()));
    list.set_listener(Pusher {
        list: list.clone(),
        seen: seen.clone(),
    })
    .await
    .unwrap();
    let mut events = list.events().await.unwrap();
    list.add_file(bytes("a.mp4", 250), AddOptions::new())
        .await
        .unwrap();
    list.add_file(bytes("b.mp4", 120), AddOptions::new().key("videos/b.mp4"))
        .await
        .unwrap();
    list.start_upload().await.unwrap();
    collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    // The listener runs on its own task; give it a moment to finish the last callback.
    for _ in 0..100 {
        if seen.lock().unwrap().len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "started a.mp4",
            "succeeded a.mp4 a.mp4",
            "started b.mp4",
            "succeeded b.mp4 videos/b.mp4",
            "end 2/2"
        ]
    );
    assert!(engine.with(|s| s.used_ids.iter().all(|id| id == "sts-id")));
}

#[tokio::test(start_paused = true)]
async fn delete_while_uploading_aborts_and_the_next_starts() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    let b = list
        .add_file(bytes("b", 200), AddOptions::new())
        .await
        .unwrap();
    list.set_upload_grant(a, grant("k")).await.unwrap();
    list.set_upload_grant(b, grant("k")).await.unwrap();
    list.start_upload().await.unwrap();
    collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 300),
    )
    .await;
    // a is at index 0; delete it by index while it uploads.
    assert_eq!(list.delete_file_at(0).await.unwrap(), a);
    // Resolved only once the abort is done.
    assert_eq!(engine.with(|s| s.aborted.clone()), ["a"]);
    assert!(
        engine.with(|s| s.checkpoints.is_empty() || !s.checkpoints.values().any(|&v| v >= 300))
    );
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&rest),
        ["Canceled:a", "UploadStarted:b", "Succeeded:b", "ListEnded"]
    );
    assert!(
        matches!(&rest[0], VodEvent::Canceled { reason: CancelReason::Removed, file } if file.index == 0)
    );
    // b moved to index 0; the old id of a is unknown now.
    let listed = list.list_files().await.unwrap();
    assert_eq!((listed.len(), listed[0].id, listed[0].index), (1, b, 0));
    assert!(matches!(list.cancel_file(a).await, Err(VodError::UnknownFile(id)) if id == a));
    assert!(matches!(
        list.cancel_file_at(1).await,
        Err(VodError::IndexOutOfRange { index: 1, len: 1 })
    ));
}

#[tokio::test(start_paused = true)]
async fn stop_start_cycle_resumes_from_the_checkpoint() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    list.set_upload_grant(a, grant("k")).await.unwrap();
    list.start_upload().await.unwrap();
    collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 400),
    )
    .await;
    list.stop_upload().await.unwrap();
    assert_eq!(list.state().await.unwrap(), ListState::Stopped);
    let snap = list.file(a).await.unwrap();
    assert_eq!(snap.state, FileState::Paused);
    assert_eq!(snap.state.ali_name(), "Stoped");
    let flushed = engine.with(|s| s.checkpoints.values().copied().max().unwrap());
    assert!(flushed >= 400, "{flushed}");
    // Nothing moves while stopped.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent_while_stopped = engine.with(|s| s.parts_sent.len());
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(engine.with(|s| s.parts_sent.len()), sent_while_stopped);
    list.start_upload().await.unwrap();
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&rest),
        ["Paused:a", "UploadStarted:a", "Succeeded:a", "ListEnded"]
    );
    // The first progress after the restart starts at the checkpoint.
    let first = rest
        .iter()
        .skip_while(|e| !matches!(e, VodEvent::UploadStarted { .. }))
        .find_map(|e| match e {
            VodEvent::Progress { bytes_done, .. } => Some(*bytes_done),
            _ => None,
        })
        .unwrap();
    assert_eq!(first, flushed);
    // Every part was sent exactly once.
    let parts: Vec<u64> = engine.with(|s| s.parts_sent.iter().map(|(_, p)| *p).collect());
    assert_eq!(parts, (1..=10).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn token_expiry_waits_for_new_keys_while_others_go_on() {
    let engine = FakeEngine::new();
    let list = VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
        .max_concurrent_files(2)
        .spawn();
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    let b = list
        .add_file(bytes("b", 600), AddOptions::new())
        .await
        .unwrap();
    list.set_upload_grant(a, grant("old")).await.unwrap();
    list.set_upload_grant(b, grant("other")).await.unwrap();
    list.start_upload().await.unwrap();
    collect_until(&mut events, |e| matches!(e, VodEvent::Progress { file, bytes_done, .. } if file.id == a && *bytes_done >= 300)).await;
    engine.with(|s| s.revoked.insert("old".into()));
    let got = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(names(&got), ["TokenExpired:a", "Succeeded:b", "ListEnded"]);
    assert_eq!(list.state().await.unwrap(), ListState::AwaitingAuth);
    assert_eq!(list.file(a).await.unwrap().state, FileState::AwaitingAuth);
    let before = engine.with(|s| s.parts_sent.iter().filter(|(k, _)| k == "a").count());
    // No file named: the only one awaiting credentials is meant.
    let resumed = list
        .resume_upload_with_sts_token(None, "new", "secret2", "token2", far())
        .await
        .unwrap();
    assert_eq!(resumed, a);
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    // No second UploadStarted after new keys.
    assert_eq!(names(&rest), ["Succeeded:a", "ListEnded"]);
    let parts: Vec<u64> = engine.with(|s| {
        s.parts_sent
            .iter()
            .filter(|(k, _)| k == "a")
            .map(|(_, p)| *p)
            .collect()
    });
    assert_eq!(parts, (1..=10).collect::<Vec<_>>(), "each part once");
    assert!(before < 10);
    assert_eq!(
        engine.with(|s| s.used_ids.last().cloned()),
        Some("new".into())
    );
    // Resuming again is a typed error.
    assert!(matches!(
        list.resume_upload_with_sts_token(Some(a), "x", "y", "z", far())
            .await,
        Err(VodError::InvalidState {
            state: FileState::Success,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn pulled_credentials_are_refreshed_without_token_expired() {
    let engine = FakeEngine::new();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let generation = Arc::new(Mutex::new(0u32));
    let (c, g) = (calls.clone(), generation.clone());
    let list = VodUploader::builder(engine.clone())
        .provider(move |req: GrantRequest| {
            let c = c.clone();
            let g = g.clone();
            async move {
                let n = {
                    let mut g = g.lock().unwrap();
                    *g += 1;
                    *g
                };
                c.lock().unwrap().push((req.name.clone(), req.kind));
                Ok::<_, FailureInfo>(
                    grant(&format!("id{n}"))
                        .bucket(cos_model::BucketName::new("app-1250000000").unwrap())
                        .region(cos_model::Region::new("ap-shanghai").unwrap())
                        .key(format!("vod/{}", req.name)),
                )
            }
        })
        .spawn();
    let mut events = list.events().await.unwrap();
    list.add_file(bytes("a", 800), AddOptions::new())
        .await
        .unwrap();
    list.start_upload().await.unwrap();
    let first = collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 300),
    )
    .await;
    assert!(matches!(
        &first[1],
        VodEvent::UploadStarted {
            needs_auth: false,
            ..
        }
    ));
    engine.with(|s| s.revoked.insert("id1".into()));
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(names(&rest), ["Succeeded:a", "ListEnded"]);
    match &rest[rest.len() - 2] {
        VodEvent::Succeeded { result, .. } => {
            assert_eq!(result.key, "vod/a");
            assert_eq!(result.bucket, "app-1250000000");
            assert_eq!(result.region, "ap-shanghai");
        }
        other => panic!("{other:?}"),
    }
    let kinds: Vec<_> = calls.lock().unwrap().iter().map(|(_, k)| *k).collect();
    assert_eq!(
        kinds,
        [cos_vod::GrantKind::Create, cos_vod::GrantKind::Refresh]
    );
}

#[tokio::test(start_paused = true)]
async fn last_file_failing_still_ends_the_list_and_start_retries_it() {
    let engine = FakeEngine::new();
    engine.with(|s| s.fail_at.insert("b".into(), 2));
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    for name in ["a", "b"] {
        let id = list
            .add_file(bytes(name, 300), AddOptions::new())
            .await
            .unwrap();
        list.set_upload_grant(id, grant("k")).await.unwrap();
    }
    list.start_upload().await.unwrap();
    let got = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&got[2..]),
        [
            "UploadStarted:a",
            "Succeeded:a",
            "UploadStarted:b",
            "Failed:b",
            "ListEnded"
        ]
    );
    let failed = got.iter().find_map(|e| match e {
        VodEvent::Failed { error, .. } => Some(error.clone()),
        _ => None,
    });
    let failed = failed.unwrap();
    assert_eq!(
        (failed.code.as_str(), failed.request_id.as_deref()),
        ("InternalError", Some("req-1"))
    );
    let VodEvent::ListEnded { counts } = got.last().unwrap() else {
        unreachable!()
    };
    assert_eq!((counts.succeeded, counts.failed), (1, 1));
    engine.with(|s| s.fail_at.clear());
    list.start_upload().await.unwrap();
    let again = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&again),
        ["UploadStarted:b", "Succeeded:b", "ListEnded"]
    );
    // b resumed after its first part.
    assert_eq!(
        engine.with(|s| s.parts_sent.iter().filter(|(k, _)| k == "b").count()),
        3
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_keeps_the_checkpoint_and_resume_continues() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    list.set_upload_grant(a, grant("k")).await.unwrap();
    list.start_upload().await.unwrap();
    collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 500),
    )
    .await;
    list.cancel_file(a).await.unwrap();
    let canceled = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(names(&canceled), ["Canceled:a", "ListEnded"]);
    assert_eq!(engine.with(|s| s.checkpoints.len()), 1);
    assert!(engine.with(|s| s.aborted.is_empty()));
    list.resume_file(a).await.unwrap();
    list.start_upload().await.unwrap();
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&rest),
        ["UploadStarted:a", "Succeeded:a", "ListEnded"]
    );
    assert_eq!(engine.with(|s| s.parts_sent.len()), 10);
}

#[tokio::test(start_paused = true)]
async fn pause_one_file_while_others_go_on_and_files_added_while_running_join() {
    let engine = FakeEngine::new();
    let list = VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
        .max_concurrent_files(2)
        .spawn();
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    let b = list
        .add_file(bytes("b", 300), AddOptions::new())
        .await
        .unwrap();
    for id in [a, b] {
        list.set_upload_grant(id, grant("k")).await.unwrap();
    }
    list.start_upload().await.unwrap();
    collect_until(&mut events, |e| matches!(e, VodEvent::Progress { file, bytes_done, .. } if file.id == a && *bytes_done >= 200)).await;
    list.pause_file(a).await.unwrap();
    let c = list
        .add_file(bytes("c", 200), AddOptions::new().user_data("{\"row\":3}"))
        .await
        .unwrap();
    list.set_upload_grant(c, grant("k")).await.unwrap();
    // c joins the run in a's freed slot.
    let got = collect_until(
        &mut events,
        |e| matches!(e, VodEvent::UploadStarted { file, .. } if file.id == c),
    )
    .await;
    assert!(names(&got).contains(&"Paused:a".to_string()), "{got:?}");
    assert_eq!(
        list.file(c).await.unwrap().user_data.as_deref(),
        Some("{\"row\":3}")
    );
    // Resumed while the run goes on: a is queued and picked up when a slot frees.
    list.resume_file(a).await.unwrap();
    assert_eq!(list.file(a).await.unwrap().state, FileState::Ready);
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    let rest = names(&rest);
    assert!(rest.contains(&"UploadStarted:a".to_string()), "{rest:?}");
    assert!(
        rest.ends_with(&["Succeeded:a".to_string(), "ListEnded".to_string()]),
        "{rest:?}"
    );
    // a continued from its checkpoint: every part of it was sent once.
    let parts: Vec<u64> = engine.with(|s| {
        s.parts_sent
            .iter()
            .filter(|(k, _)| k == "a")
            .map(|(_, p)| *p)
            .collect()
    });
    assert_eq!(parts, (1..=10).collect::<Vec<_>>());
    let snaps = list.list_files().await.unwrap();
    assert!(
        snaps
            .iter()
            .all(|s| s.state == FileState::Success && s.bytes_done == s.size)
    );
}

#[tokio::test(start_paused = true)]
async fn re_adding_the_same_file_resumes_it_and_duplicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("movie.mp4");
    std::fs::write(&path, vec![7u8; 900]).unwrap();
    let engine = FakeEngine::new();
    let first = pushed(&engine);
    let mut events = first.events().await.unwrap();
    let a = first
        .add_file(FileSource::path(&path), AddOptions::new())
        .await
        .unwrap();
    // The subscription is a `Stream` too.
    let added = futures_util::StreamExt::next(&mut events).await.unwrap();
    assert!(matches!(added, VodEvent::FileAdded { file, size: 900 } if file.id == a));
    assert!(matches!(
        first.add_file(FileSource::path(&path), AddOptions::new()).await,
        Err(VodError::Duplicate { existing }) if existing == a
    ));
    // The same file to another key is another upload.
    first
        .add_file(FileSource::path(&path), AddOptions::new().key("copy.mp4"))
        .await
        .unwrap();
    first.set_upload_grant(a, grant("k")).await.unwrap();
    first.start_upload().await.unwrap();
    collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 400),
    )
    .await;
    // The "process" goes away: its task pauses uploads and flushes checkpoints.
    first.shutdown().await.unwrap();
    // The event stream ends with the task.
    while let Some(ev) = events.recv().await {
        assert!(matches!(ev, VodEvent::Progress { .. }), "{ev:?}");
    }
    assert!(matches!(first.list_files().await, Err(VodError::Closed)));
    let saved = engine.with(|s| s.checkpoints.values().copied().max().unwrap());
    assert!(saved >= 400);

    let second = pushed(&engine);
    let mut events = second.events().await.unwrap();
    let again = second
        .add_file(FileSource::path(&path), AddOptions::new())
        .await
        .unwrap();
    second.set_upload_grant(again, grant("k")).await.unwrap();
    second.start_upload().await.unwrap();
    let got = collect_until(&mut events, |e| matches!(e, VodEvent::Succeeded { .. })).await;
    let first_progress = got.iter().find_map(|e| match e {
        VodEvent::Progress { bytes_done, .. } => Some(*bytes_done),
        _ => None,
    });
    assert_eq!(first_progress, Some(saved));
    let parts: Vec<u64> = engine.with(|s| s.parts_sent.iter().map(|(_, p)| *p).collect());
    assert_eq!(parts, (1..=9).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn push_mode_with_expired_keys_reports_token_expired_at_once() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 100), AddOptions::new())
        .await
        .unwrap();
    let expired = UploadGrant::new(
        TemporaryKey::new("i", "s").with_expiration(SystemTime::now() - Duration::from_secs(1)),
    );
    list.set_upload_grant(a, expired).await.unwrap();
    list.start_upload().await.unwrap();
    let got = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(
        names(&got[1..]),
        ["UploadStarted:a", "TokenExpired:a", "ListEnded"]
    );
    assert!(engine.with(|s| s.parts_sent.is_empty()));
    let auth = base64_json(
        r#"{"AccessKeyId":"fresh","AccessKeySecret":"s","SecurityToken":"t","Expiration":"3600"}"#,
    );
    assert_eq!(
        list.resume_upload_with_auth(Some(a), &auth).await.unwrap(),
        a
    );
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert_eq!(names(&rest), ["Succeeded:a", "ListEnded"]);
    assert!(matches!(
        list.resume_upload_with_auth(None, &auth).await,
        Err(VodError::NoFileAwaitingAuth)
    ));
}

#[tokio::test(start_paused = true)]
async fn set_upload_auth_and_address_targets_the_address() {
    let engine = FakeEngine::new();
    let list = VodUploader::builder(engine.clone()).spawn();
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 100), AddOptions::new())
        .await
        .unwrap();
    list.start_upload().await.unwrap();
    let got = collect_until(&mut events, |e| matches!(e, VodEvent::UploadStarted { .. })).await;
    assert!(matches!(
        got.last(),
        Some(VodEvent::UploadStarted {
            needs_auth: true,
            ..
        })
    ));
    assert!(matches!(
        list.set_upload_auth_and_address(a, "not base64!", "x")
            .await,
        Err(VodError::InvalidAuth(_))
    ));
    let auth = base64_json(
        r#"{"AccessKeyId":"i","AccessKeySecret":"s","SecurityToken":"t","Expiration":"3600"}"#,
    );
    let address = base64_json(
        r#"{"Endpoint":"https://cos.ap-chengdu.myqcloud.com","Bucket":"media-1250000000","FileName":"in/a.mp4"}"#,
    );
    list.set_upload_auth_and_address(a, &auth, &address)
        .await
        .unwrap();
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    let result = rest.iter().find_map(|e| match e {
        VodEvent::Succeeded { result, .. } => Some(result.clone()),
        _ => None,
    });
    let result = result.unwrap();
    assert_eq!(
        (
            result.bucket.as_str(),
            result.region.as_str(),
            result.key.as_str()
        ),
        ("media-1250000000", "ap-chengdu", "in/a.mp4")
    );
    let _: FileId = a;
}

fn base64_json(json: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(json)
}

#[tokio::test(start_paused = true)]
async fn deleting_a_paused_file_aborts_its_upload_and_drops_its_checkpoint() {
    let engine = FakeEngine::new();
    let list = pushed(&engine);
    let mut events = list.events().await.unwrap();
    let a = list
        .add_file(bytes("a", 1000), AddOptions::new())
        .await
        .unwrap();
    list.set_upload_grant(a, grant("k")).await.unwrap();
    list.start_upload().await.unwrap();
    collect_until(
        &mut events,
        |e| matches!(e, VodEvent::Progress { bytes_done, .. } if *bytes_done >= 300),
    )
    .await;
    list.pause_file(a).await.unwrap();
    assert_eq!(engine.with(|s| s.checkpoints.len()), 1);
    assert!(engine.with(|s| s.aborted.is_empty()));
    list.delete_file(a).await.unwrap();
    assert_eq!(engine.with(|s| s.aborted.clone()), ["a"]);
    assert!(engine.with(|s| s.checkpoints.is_empty()));
    let rest = collect_until(&mut events, |e| matches!(e, VodEvent::Canceled { .. })).await;
    assert!(matches!(
        rest.last(),
        Some(VodEvent::Canceled {
            reason: CancelReason::Removed,
            ..
        })
    ));
    assert!(list.list_files().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn deleting_a_file_that_never_ran_here_asks_the_provider_for_keys_to_abort() {
    let engine = FakeEngine::new();
    let list = VodUploader::builder(engine.clone())
        .provider(|req: GrantRequest| async move {
            Ok::<_, FailureInfo>(
                grant("p")
                    .bucket(cos_model::BucketName::new("b-1250000000").unwrap())
                    .region(cos_model::Region::new("ap-beijing").unwrap())
                    .key(format!("k/{}", req.name)),
            )
        })
        .spawn();
    let source = bytes("left", 500);
    // A checkpoint left by an earlier process for this very file.
    let fp = source.describe(None).await.unwrap().fingerprint;
    engine.with(|s| s.checkpoints.insert(fp.checkpoint_key(), 200));
    let id = list.add_file(source, AddOptions::new()).await.unwrap();
    list.delete_file(id).await.unwrap();
    assert_eq!(engine.with(|s| s.aborted.clone()), ["k/left"]);
    assert!(engine.with(|s| s.checkpoints.is_empty()));
}
