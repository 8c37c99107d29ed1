//! A list restored from its state directory, over the fake engine: the same ids in the same
//! order and states, one `Restored` event per file before anything else, unfinished files
//! finished from their checkpoints without a part sent twice; a changed or vanished source
//! fails typed and is discarded when deleted or cleaned; credentials never reach the file;
//! ids are never issued again; a damaged state file is a typed error; one list at a time
//! uses a state directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{FakeEngine, collect_until};
use cos_vod::{
    AddOptions, FailureInfo, FailureKind, FileId, FileSource, FileState, GrantRequest, Interrupted,
    ListState, RestoredList, StateFileError, TemporaryKey, UploadGrant, VodError, VodEvent,
    VodUploader, VodUploaderBuilder,
};

fn builder(engine: &FakeEngine) -> VodUploaderBuilder {
    VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
}

fn pulled(engine: &FakeEngine) -> VodUploaderBuilder {
    builder(engine).provider(|_req: GrantRequest| {
        std::future::ready(Ok::<_, FailureInfo>(UploadGrant::new(TemporaryKey::new(
            "pulled-id",
            "pulled-secret",
        ))))
    })
}

fn write(dir: &Path, name: &str, len: usize) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, vec![name.len() as u8; len]).unwrap();
    path
}

/// Gives the file another modification time (its size and bytes unchanged).
fn touch(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000))
        .unwrap();
}

async fn next(events: &mut cos_vod::EventStream) -> VodEvent {
    collect_until(events, |_| true).await.pop().unwrap()
}

fn states(list: &[cos_vod::FileSnapshot]) -> Vec<(FileId, String, FileState)> {
    list.iter()
        .map(|s| (s.id, s.name.clone(), s.state))
        .collect()
}

/// The first `n` events of a restored list: its `Restored` events, checked against the list.
async fn restored_events(
    restored: &mut RestoredList,
    n: usize,
) -> Vec<(FileId, usize, FileState, Option<FailureKind>)> {
    let mut out = Vec::new();
    for _ in 0..n {
        match next(&mut restored.events).await {
            VodEvent::Restored {
                file, state, error, ..
            } => out.push((file.id, file.index, state, error.map(|e| e.kind))),
            other => panic!("{} before the Restored events ended", other.name()),
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_restored_list_has_the_same_ids_order_and_states_and_finishes_from_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let engine = FakeEngine::new();
    let names = [
        "done.bin",
        "failed.bin",
        "paused.bin",
        "canceled.bin",
        "uploading.bin",
        "waiting.bin",
    ];
    let sizes = [150, 300, 1000, 1000, 2000, 300];
    engine.with(|s| s.fail_at.insert("failed.bin".into(), 1));

    let mut first = pulled(&engine).restore(&state).await.unwrap();
    assert!(first.list.list_files().await.unwrap().is_empty());
    let mut ids = Vec::new();
    for (name, len) in names.iter().zip(sizes) {
        let path = write(dir.path(), name, len);
        let id = first
            .list
            .add_file(FileSource::path(path), AddOptions::new().user_data(*name))
            .await
            .unwrap();
        ids.push(id);
    }
    first.list.start_upload().await.unwrap();
    let (mut paused, mut canceled) = (false, false);
    loop {
        if let VodEvent::Progress {
            file, bytes_done, ..
        } = next(&mut first.events).await
        {
            match file.name.as_str() {
                "paused.bin" if bytes_done >= 200 && !paused => {
                    paused = true;
                    first.list.pause_file(file.id).await.unwrap();
                }
                "canceled.bin" if bytes_done >= 200 && !canceled => {
                    canceled = true;
                    first.list.cancel_file(file.id).await.unwrap();
                }
                "uploading.bin" if bytes_done >= 300 => break,
                _ => {}
            }
        }
    }
    let before = first.list.list_files().await.unwrap();
    let expected = [
        FileState::Success,
        FileState::Failure,
        FileState::Paused,
        FileState::Canceled,
        FileState::Uploading,
        FileState::Ready,
    ];
    assert_eq!(before.iter().map(|s| s.state).collect::<Vec<_>>(), expected);
    first.list.shutdown().await.unwrap();
    let sent_before: HashSet<(String, u64)> =
        engine.with(|s| s.parts_sent.iter().cloned().collect());

    // The restart: the same state directory, the same (fake) checkpoint store.
    engine.with(|s| s.fail_at.clear());
    let mut second = pulled(&engine).restore(&state).await.unwrap();
    let restored = restored_events(&mut second, names.len()).await;
    let after = second.list.list_files().await.unwrap();
    let mut expected_after = expected;
    expected_after[4] = FileState::Paused; // it was uploading: interrupted
    assert_eq!(
        restored,
        (0..names.len())
            .map(|i| (
                ids[i],
                i,
                expected_after[i],
                (i == 1).then_some(FailureKind::Cos)
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        states(&after),
        ids.iter()
            .zip(names)
            .zip(expected_after)
            .map(|((id, n), s)| (*id, n.to_owned(), s))
            .collect::<Vec<_>>()
    );
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&a.user_data, a.size, &a.result),
            (&b.user_data, b.size, &b.result)
        );
    }
    assert_eq!(after[1].error.as_ref().unwrap().code, "InternalError");
    assert_eq!(second.list.state().await.unwrap(), ListState::Idle);

    second.list.start_upload().await.unwrap();
    let run = collect_until(&mut second.events, |e| {
        matches!(e, VodEvent::ListEnded { .. })
    })
    .await;
    let Some(VodEvent::ListEnded { counts }) = run.last() else {
        unreachable!()
    };
    assert_eq!((counts.total, counts.succeeded, counts.canceled), (6, 5, 1));
    for e in &run {
        if let Some(f) = e.file() {
            assert_eq!(f.id, ids[f.index], "{} names another file", e.name());
        }
    }
    // Every unfinished file was finished, from its checkpoint: no part was sent twice.
    let sent = engine.with(|s| s.parts_sent.clone());
    let unique: HashSet<&(String, u64)> = sent.iter().collect();
    assert_eq!(unique.len(), sent.len(), "a part sent twice: {sent:?}");
    assert!(sent_before.len() < sent.len());
    for (name, len) in names.iter().zip(sizes) {
        let stored = engine.with(|s| s.stored.get(*name).copied());
        if *name == "canceled.bin" {
            assert_eq!(stored, None);
        } else {
            assert_eq!(stored, Some(len as u64), "{name}");
        }
    }
    second.list.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_changed_or_vanished_source_fails_typed_and_its_upload_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let engine = FakeEngine::new();
    let changed = write(dir.path(), "changed.bin", 1000);
    let vanished = write(dir.path(), "vanished.bin", 1000);
    let mut first = pulled(&engine).restore(&state).await.unwrap();
    let a = first
        .list
        .add_file(FileSource::path(&changed), AddOptions::new())
        .await
        .unwrap();
    let b = first
        .list
        .add_file(FileSource::path(&vanished), AddOptions::new())
        .await
        .unwrap();
    first.list.start_upload().await.unwrap();
    // Both get parts on the "server", then the list is stopped.
    let mut seen = HashSet::new();
    while seen.len() < 2 {
        if let VodEvent::Progress {
            file, bytes_done, ..
        } = next(&mut first.events).await
            && bytes_done >= 200
            && seen.insert(file.id)
        {
            first.list.pause_file(file.id).await.unwrap();
        }
    }
    first.list.shutdown().await.unwrap();
    let sent_before = engine.with(|s| s.parts_sent.len());
    assert_eq!(engine.with(|s| s.checkpoints.len()), 2);

    touch(&changed);
    std::fs::remove_file(&vanished).unwrap();
    let mut second = pulled(&engine).restore(&state).await.unwrap();
    assert_eq!(
        restored_events(&mut second, 2).await,
        vec![
            (a, 0, FileState::Failure, Some(FailureKind::SourceChanged)),
            (b, 1, FileState::Failure, Some(FailureKind::SourceChanged)),
        ]
    );
    let files = second.list.list_files().await.unwrap();
    let codes: Vec<&str> = files
        .iter()
        .map(|f| f.error.as_ref().unwrap().code.as_str())
        .collect();
    assert_eq!(codes, ["SourceChanged", "SourceMissing"]);

    // Started again (failed files are retried by default), they fail again, typed, and no
    // byte is sent.
    second.list.start_upload().await.unwrap();
    let run = collect_until(&mut second.events, |e| {
        matches!(e, VodEvent::ListEnded { .. })
    })
    .await;
    let failed: Vec<(FileId, FailureKind)> = run
        .iter()
        .filter_map(|e| match e {
            VodEvent::Failed { file, error } => Some((file.id, error.kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (a, FailureKind::SourceChanged),
            (b, FailureKind::SourceChanged)
        ]
    );
    assert_eq!(engine.with(|s| s.parts_sent.len()), sent_before);

    // Delete one, clean the other: what each left on the server is discarded.
    second.list.delete_file(a).await.unwrap();
    assert_eq!(engine.with(|s| s.aborted.clone()), vec!["changed.bin"]);
    second.list.clean_list().await.unwrap();
    assert_eq!(
        engine.with(|s| s.aborted.clone()),
        vec!["changed.bin", "vanished.bin"]
    );
    assert!(engine.with(|s| s.checkpoints.is_empty()));
    second.list.shutdown().await.unwrap();
    let third = pulled(&engine).restore(&state).await.unwrap();
    assert!(third.list.list_files().await.unwrap().is_empty());
    third.list.shutdown().await.unwrap();
}

/// A provider whose grants name the key `{prefix}/{file name}`.
fn keyed(engine: &FakeEngine, prefix: &'static str) -> VodUploaderBuilder {
    builder(engine).provider(move |req: GrantRequest| {
        std::future::ready(Ok::<_, FailureInfo>(
            UploadGrant::new(TemporaryKey::new("pulled-id", "pulled-secret"))
                .key(format!("{prefix}/{}", req.name)),
        ))
    })
}

#[tokio::test(start_paused = true)]
async fn what_a_restored_file_left_at_its_saved_target_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let engine = FakeEngine::new();
    let mut first = keyed(&engine, "first").restore(&state).await.unwrap();
    let mut ids = Vec::new();
    for name in ["deleted.bin", "moved.bin"] {
        let p = write(dir.path(), name, 1000);
        ids.push(
            first
                .list
                .add_file(FileSource::path(p), AddOptions::new())
                .await
                .unwrap(),
        );
    }
    first.list.start_upload().await.unwrap();
    let mut seen = HashSet::new();
    while seen.len() < 2 {
        if let VodEvent::Progress {
            file, bytes_done, ..
        } = next(&mut first.events).await
            && bytes_done >= 200
            && seen.insert(file.id)
        {
            first.list.pause_file(file.id).await.unwrap();
        }
    }
    first.list.shutdown().await.unwrap();
    let saved = std::fs::read_to_string(state.join(cos_vod::STATE_FILE_NAME)).unwrap();
    assert!(saved.contains("first/moved.bin"), "{saved}");

    // After the restart the grants name other keys. Deleted before it runs again, a file's
    // upload is aborted where it went; run again elsewhere, what it left at the old key is
    // discarded and it starts afresh at the new one.
    let mut second = keyed(&engine, "second").restore(&state).await.unwrap();
    restored_events(&mut second, 2).await;
    second.list.delete_file(ids[0]).await.unwrap();
    assert_eq!(
        engine.with(|s| s.aborted.clone()),
        vec!["first/deleted.bin"]
    );
    second.list.start_upload().await.unwrap();
    let run = collect_until(&mut second.events, |e| {
        matches!(e, VodEvent::ListEnded { .. })
    })
    .await;
    assert!(run.iter().any(|e| matches!(e,
        VodEvent::Succeeded { file, result } if file.id == ids[1] && result.key == "second/moved.bin")));
    assert_eq!(
        engine.with(|s| s.aborted.clone()),
        vec!["first/deleted.bin", "first/moved.bin"]
    );
    second.list.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_file_changed_between_add_and_start_is_never_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new();
    let path = write(dir.path(), "edited.bin", 500);
    let list = pulled(&engine).spawn();
    let mut events = list.events().await.unwrap();
    let id = list
        .add_file(FileSource::path(&path), AddOptions::new())
        .await
        .unwrap();
    touch(&path);
    list.start_upload().await.unwrap();
    let run = collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    assert!(run.iter().any(|e| matches!(e,
        VodEvent::Failed { file, error } if file.id == id && error.code == "SourceChanged")));
    assert!(engine.with(|s| s.parts_sent.is_empty()));
    list.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn credentials_are_never_saved_and_restored_files_ask_for_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let engine = FakeEngine::new();
    let path = write(dir.path(), "pushed.bin", 1000);
    // Push mode: the keys come with set_sts_token, from UploadStarted.
    let mut first = builder(&engine).restore(&state).await.unwrap();
    let id = first
        .list
        .add_file(FileSource::path(&path), AddOptions::new())
        .await
        .unwrap();
    first.list.start_upload().await.unwrap();
    let far = SystemTime::now() + Duration::from_secs(3600);
    loop {
        match next(&mut first.events).await {
            VodEvent::UploadStarted { needs_auth, .. } => {
                assert!(needs_auth);
                first
                    .list
                    .set_sts_token(
                        id,
                        "AKIDsecretidNEVERSAVED",
                        "secret-key-NEVER-SAVED",
                        "session-token-NEVER-SAVED",
                        far,
                    )
                    .await
                    .unwrap();
            }
            VodEvent::Progress { bytes_done, .. } if bytes_done >= 300 => break,
            _ => {}
        }
    }
    first.list.shutdown().await.unwrap();
    let saved = std::fs::read_to_string(state.join(cos_vod::STATE_FILE_NAME)).unwrap();
    assert!(saved.contains("pushed.bin"), "{saved}");
    for secret in ["NEVERSAVED", "NEVER-SAVED", "AKID"] {
        assert!(!saved.contains(secret), "{secret} in the state file");
    }
    let mut second = builder(&engine).restore(&state).await.unwrap();
    restored_events(&mut second, 1).await;
    second.list.start_upload().await.unwrap();
    match next(&mut second.events).await {
        VodEvent::UploadStarted { file, needs_auth } => {
            assert_eq!(file.id, id);
            assert!(needs_auth, "the pushed keys did not survive the restart");
        }
        other => panic!("{other:?}"),
    }
    second.list.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn ids_are_never_issued_again_and_interrupted_files_may_come_back_ready() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let engine = FakeEngine::new();
    let first = pulled(&engine).restore(&state).await.unwrap();
    let mut ids = Vec::new();
    for name in ["a.bin", "b.bin", "c.bin"] {
        let p = write(dir.path(), name, 1000);
        ids.push(
            first
                .list
                .add_file(FileSource::path(p), AddOptions::new())
                .await
                .unwrap(),
        );
    }
    first.list.start_upload().await.unwrap();
    first.list.delete_file(ids[2]).await.unwrap();
    first.list.shutdown().await.unwrap();

    let second = pulled(&engine)
        .restore_interrupted_as(Interrupted::Ready)
        .restore(&state)
        .await
        .unwrap();
    let files = second.list.list_files().await.unwrap();
    assert_eq!(
        files.iter().map(|f| (f.id, f.state)).collect::<Vec<_>>(),
        vec![(ids[0], FileState::Ready), (ids[1], FileState::Ready)]
    );
    let p = write(dir.path(), "d.bin", 10);
    let d = second
        .list
        .add_file(FileSource::path(p), AddOptions::new())
        .await
        .unwrap();
    assert!(d > ids[2], "{d} issued after {}", ids[2]);
    second.list.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_damaged_state_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new();
    let file = dir.path().join(cos_vod::STATE_FILE_NAME);
    std::fs::write(&file, b"{\"format\":\"cos-vod-list\",\"version\":1,\"next").unwrap();
    let err = pulled(&engine).restore(dir.path()).await.unwrap_err();
    assert!(
        matches!(&err, VodError::StateFile { path, source: StateFileError::Corrupt(_) } if *path == file),
        "{err:?}"
    );
    // Ids out of order: the file was edited by hand.
    let entry = |id: u64, name: &str| {
        serde_json::json!({
            "id": id, "name": name, "path": format!("/nowhere/{name}"), "size": 1,
            "modified_unix_ns": null, "key": null, "user_data": null, "target": null,
            "state": "Ready", "bytes_done": 0, "result": null, "error": null
        })
    };
    let doc = serde_json::json!({
        "format": "cos-vod-list", "version": 1, "next_id": 9,
        "files": [entry(5, "a"), entry(3, "b")]
    });
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let err = pulled(&engine).restore(dir.path()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            VodError::StateFile {
                source: StateFileError::Inconsistent(_),
                ..
            }
        ),
        "{err:?}"
    );
    // In order, they come back (failed: their sources do not exist).
    let doc = serde_json::json!({
        "format": "cos-vod-list", "version": 1, "next_id": 9,
        "files": [entry(3, "b"), entry(5, "a")]
    });
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let restored = pulled(&engine).restore(dir.path()).await.unwrap();
    let files = restored.list.list_files().await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| (
                f.id.as_u64(),
                f.state,
                f.error.as_ref().map(|e| e.code.clone())
            ))
            .collect::<Vec<_>>(),
        vec![
            (3, FileState::Failure, Some("SourceMissing".into())),
            (5, FileState::Failure, Some("SourceMissing".into()))
        ]
    );
    restored.list.shutdown().await.unwrap();
}

#[tokio::test]
async fn one_list_at_a_time_uses_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new();
    let first = pulled(&engine).restore(dir.path()).await.unwrap();
    let err = pulled(&engine).restore(dir.path()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            VodError::StateFile {
                source: StateFileError::Locked,
                ..
            }
        ),
        "{err:?}"
    );
    first.list.shutdown().await.unwrap();
    let again = pulled(&engine).restore(dir.path()).await.unwrap();
    again.list.shutdown().await.unwrap();
}
