//! Driver tests against `FakeCos`: whole uploads with faults, pause/resume, cancel, streams,
//! integrity failures, changed files, the queue and orphan clean-up, plus a property over
//! random fault rates. The fake answers as the client does after its own retries, so these
//! tests also pin that the upload never sends a failed call again on its own account.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cos_model::ObjectKey;
use proptest::prelude::*;

use crate::error::{CallKind, SourceError, UploadError};
use crate::plan::{MIB, PartPolicy};
use crate::progress::Progress;
use crate::source::Source;
use crate::testing::{FakeCos, Fault, FaultRates, Injected};
use crate::{DirStore, MemoryStore, UploadQueue, UploadRequest, Uploader, UploaderBuilder};

const BUCKET: &str = "examplebucket-1250000000";

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed) % 32) as u8
        })
        .collect()
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

fn builder(fake: &FakeCos) -> UploaderBuilder {
    Uploader::builder(fake.clone())
        .part_policy(
            PartPolicy::new()
                .target_part_size(MIB)
                .single_put_threshold(MIB),
        )
        .progress_interval(Duration::ZERO)
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

/// Records every progress snapshot.
fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(&Progress) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    (seen, move |p: &Progress| s2.lock().unwrap().push(*p))
}

fn assert_monotonic_to(seen: &[Progress], total: u64) {
    assert!(!seen.is_empty());
    for w in seen.windows(2) {
        assert!(w[1].acknowledged_bytes >= w[0].acknowledged_bytes, "{w:?}");
    }
    let last = seen.last().unwrap();
    assert!(last.finished);
    assert_eq!(last.acknowledged_bytes, total);
    assert_eq!(last.percent(), Some(100.0));
    assert_eq!(last.bytes_on_wire, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_bytes_land_exactly_within_the_part_limit() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(5));
    let up = builder(&fake).parts_in_flight(3).build();
    let src = data(5 * MIB as usize + 123, 1);
    let (seen, cb) = recorder();
    let summary = up
        .upload(UploadRequest::new(key("a/b.bin"), Source::bytes(src.clone())).on_progress(cb))
        .await
        .unwrap();
    assert_eq!(fake.object("a/b.bin").unwrap(), Bytes::from(src.clone()));
    assert_eq!(summary.parts, 6);
    assert_eq!(summary.bytes, src.len() as u64);
    assert_eq!(summary.crc64, cos_model::crc64::crc64(&src));
    assert!(summary.crc64_verified);
    assert_eq!(summary.etag.part_count(), Some(6), "{}", summary.etag);
    assert!(fake.max_parts_in_flight() <= 3);
    assert_eq!(fake.calls(CallKind::UploadPart), 6);
    assert!(fake.upload_ids().is_empty());
    assert_monotonic_to(&seen.lock().unwrap(), src.len() as u64);
}

#[tokio::test]
async fn an_empty_file_is_one_put() {
    let fake = FakeCos::new(BUCKET);
    let up = builder(&fake).build();
    let f = file_with(&[]);
    let (seen, cb) = recorder();
    let summary = up
        .upload(UploadRequest::file(key("empty"), f.path()).on_progress(cb))
        .await
        .unwrap();
    assert_eq!(fake.object("empty").unwrap().len(), 0);
    assert_eq!(summary.parts, 0);
    assert_eq!(summary.crc64, 0);
    assert_eq!(fake.calls(CallKind::PutObject), 1);
    assert_eq!(fake.log().len(), 1);
    assert_monotonic_to(&seen.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_small_file_is_one_put_with_content_md5() {
    let fake = FakeCos::new(BUCKET);
    let up = builder(&fake).content_md5(true).build();
    let src = data(1000, 2);
    let f = file_with(&src);
    up.upload_file(f.path(), key("small")).await.unwrap();
    assert_eq!(fake.object("small").unwrap(), Bytes::from(src));
    assert_eq!(fake.calls(CallKind::PutObject), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_request_cannot_mend_is_mended_and_the_bytes_land() {
    let fake = FakeCos::new(BUCKET);
    // a part stored corrupted (its CRC64 differs), a body COS received corrupted (BadDigest),
    // and a Complete applied whose answer was lost (the client's retry found no upload)
    fake.inject(CallKind::UploadPart, Some(2), Injected::Corrupt);
    fake.inject(
        CallKind::UploadPart,
        Some(3),
        Injected::Before(Fault::BadDigest),
    );
    fake.inject(
        CallKind::Complete,
        None,
        Injected::After(Fault::NoSuchUpload),
    );
    let up = builder(&fake).content_md5(true).build();
    let src = data(3 * MIB as usize + 1, 3);
    let summary = up
        .upload(UploadRequest::new(
            key("faulty"),
            Source::bytes(src.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(fake.object("faulty").unwrap(), Bytes::from(src));
    assert_eq!(summary.parts, 4);
    assert_eq!(
        fake.calls(CallKind::UploadPart),
        6,
        "parts 2 and 3 were resent once"
    );
    assert_eq!(
        fake.resends_asked(),
        2,
        "each resend asked the client's policy"
    );
    // The ambiguous Complete was settled with a HEAD, not sent again.
    assert_eq!(fake.calls(CallKind::Complete), 1);
    assert_eq!(fake.calls(CallKind::HeadObject), 1);
}

#[tokio::test]
async fn a_call_that_failed_in_the_client_is_sent_once_by_the_upload() {
    // 500 (the client's 4 attempts used up), a reset, a timeout, SlowDown, clock skew: none is
    // sent again by the upload, whichever call it hits.
    for (call, fault) in [
        (CallKind::UploadPart, Fault::Server),
        (CallKind::UploadPart, Fault::Reset),
        (CallKind::Initiate, Fault::Timeout),
        (CallKind::Complete, Fault::SlowDown),
        (CallKind::UploadPart, Fault::ClockSkew),
    ] {
        let fake = FakeCos::new(BUCKET);
        fake.inject(call, None, Injected::Before(fault));
        let up = builder(&fake).parts_in_flight(1).build();
        let err = up
            .upload(UploadRequest::new(
                key("once"),
                Source::bytes(data(2 * MIB as usize, 3)),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, UploadError::Call { call: c, .. } if *c == call),
            "{fault:?}: {err}"
        );
        let sends = fake.log().iter().filter(|c| c.kind == call).count();
        assert_eq!(sends, 1, "{fault:?} on {call:?}: {:?}", fake.log());
        assert!(fake.upload_ids().is_empty(), "aborted after {fault:?}");
        assert!(fake.object("once").is_none());
    }
}

#[tokio::test]
async fn an_exhausted_retry_budget_stops_every_resend() {
    let fake = FakeCos::new(BUCKET);
    fake.set_resend_budget(Some(0));
    fake.inject(CallKind::UploadPart, Some(1), Injected::Corrupt);
    let up = builder(&fake).parts_in_flight(1).build();
    let err = up
        .upload(UploadRequest::new(
            key("budget"),
            Source::bytes(data(2 * MIB as usize, 3)),
        ))
        .await
        .unwrap_err();
    assert!(
        err.call_error().is_some_and(|e| e.budget_exhausted()),
        "{err}"
    );
    assert_eq!(fake.calls(CallKind::UploadPart), 1, "{:?}", fake.log());
    assert_eq!(fake.resends_asked(), 1);
    assert!(fake.upload_ids().is_empty());
}

#[tokio::test]
async fn a_wrong_object_crc_is_an_error_and_the_object_is_deleted() {
    let fake = FakeCos::new(BUCKET);
    fake.inject(CallKind::Complete, None, Injected::WrongCrc);
    let up = builder(&fake).build();
    let err = up
        .upload(UploadRequest::new(
            key("wrong"),
            Source::bytes(data(2 * MIB as usize, 4)),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::ObjectCrcMismatch { deleted: true, .. }),
        "{err}"
    );
    assert!(fake.object("wrong").is_none());
}

#[tokio::test]
async fn a_part_corrupted_every_time_fails_typed_and_aborts() {
    let fake = FakeCos::new(BUCKET);
    for _ in 0..3 {
        fake.inject(CallKind::UploadPart, Some(2), Injected::Corrupt);
    }
    let up = builder(&fake).resend_attempts(3).parts_in_flight(1).build();
    let err = up
        .upload(UploadRequest::new(
            key("bad"),
            Source::bytes(data(2 * MIB as usize, 5)),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::PartCrcMismatch { number, .. } if number.get() == 2),
        "{err}"
    );
    assert!(fake.object("bad").is_none());
    assert!(fake.upload_ids().is_empty(), "the upload was aborted");
}

#[tokio::test]
async fn a_file_changed_before_complete_fails_and_aborts() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(30));
    let src = data(2 * MIB as usize, 6);
    let f = file_with(&src);
    let up = builder(&fake).parts_in_flight(1).build();
    let handle = up.upload(UploadRequest::file(key("changing"), f.path()));
    handle
        .progress_watch()
        .wait_for(|p| p.bytes_on_wire > 0)
        .await
        .unwrap();
    f.as_file()
        .set_modified(std::time::SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    let err = handle.await.unwrap_err();
    assert!(
        matches!(err, UploadError::Source(SourceError::Changed(_))),
        "{err}"
    );
    assert!(fake.object("changing").is_none());
    assert!(fake.upload_ids().is_empty());
    assert_eq!(fake.calls(CallKind::Complete), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_aborts_and_sends_nothing_else_afterwards() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(50));
    let up = builder(&fake)
        .parts_in_flight(2)
        .checkpoint_store(MemoryStore::new())
        .build();
    let handle = up.upload(UploadRequest::new(
        key("cancelme"),
        Source::bytes(data(8 * MIB as usize, 7)),
    ));
    handle
        .progress_watch()
        .wait_for(|p| p.parts_done >= 1)
        .await
        .unwrap();
    let err = handle.cancel_and_join().await.unwrap_err();
    assert!(
        matches!(err, UploadError::Cancelled { upload_id: Some(_) }),
        "{err:?} {:?}",
        fake.log()
    );
    assert!(fake.upload_ids().is_empty());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = fake.log();
    let first_abort = log.iter().position(|c| c.kind == CallKind::Abort).unwrap();
    assert!(
        log[first_abort..].iter().all(|c| c.kind == CallKind::Abort),
        "{log:?}"
    );
    assert!(fake.object("cancelme").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_abort_names_the_upload_id() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(50));
    fake.inject(CallKind::Abort, None, Injected::Before(Fault::Timeout));
    let up = builder(&fake)
        .abort_deadline(Duration::from_secs(1))
        .build();
    let handle = up.upload(UploadRequest::new(
        key("stuck"),
        Source::bytes(data(4 * MIB as usize, 8)),
    ));
    handle
        .progress_watch()
        .wait_for(|p| p.bytes_on_wire > 0)
        .await
        .unwrap();
    let err = handle.cancel_and_join().await.unwrap_err();
    let id = fake.upload_ids().pop().unwrap();
    assert!(
        matches!(&err, UploadError::AbortFailed { upload_id, .. } if *upload_id == id),
        "{err}"
    );
    assert!(err.to_string().contains(id.as_str()));
    assert!(err.is_cancelled());
    assert_eq!(
        fake.calls(CallKind::Abort),
        1,
        "the client retries an Abort, not the upload"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_then_resume_sends_only_the_missing_parts() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let src = data(10 * MIB as usize + 7, 9);
    let f = file_with(&src);
    let up = builder(&fake)
        .parts_in_flight(2)
        .checkpoint_dir(dir.path())
        .build();
    let handle = up.upload(UploadRequest::file(key("resume"), f.path()));
    let mut watch = handle.progress_watch();
    watch.wait_for(|p| p.parts_done >= 4).await.unwrap();
    let err = handle.pause_and_join().await.unwrap_err();
    let UploadError::Paused {
        upload_id: Some(id),
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(fake.upload_ids(), vec![id.clone()]);
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "one checkpoint file");
    let sent_before = fake.calls(CallKind::UploadPart);

    let summary = up.upload_file(f.path(), key("resume")).await.unwrap();
    assert_eq!(fake.object("resume").unwrap(), Bytes::from(src));
    assert_eq!(summary.upload_id.as_ref(), Some(&id));
    assert!(summary.resumed_parts >= 4, "{summary:?}");
    let sent_after = fake.calls(CallKind::UploadPart) - sent_before;
    assert_eq!(sent_after as u32, 11 - summary.resumed_parts);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "checkpoint removed"
    );
}

#[tokio::test]
async fn expired_credentials_keep_the_upload_for_a_resume() {
    let fake = FakeCos::new(BUCKET);
    fake.inject(
        CallKind::UploadPart,
        Some(3),
        Injected::Before(Fault::ExpiredToken),
    );
    let store = MemoryStore::new();
    let src = data(4 * MIB as usize, 19);
    let up = builder(&fake)
        .parts_in_flight(1)
        .checkpoint_store(store.clone())
        .build();
    let err = up
        .upload(UploadRequest::new(
            key("expiring"),
            Source::bytes(src.clone()),
        ))
        .await
        .unwrap_err();
    assert!(err.is_resumable() && err.needs_new_credentials(), "{err}");
    let id = err.upload_id().unwrap().clone();
    assert_eq!(fake.upload_ids(), vec![id.clone()]);
    assert_eq!(store.len(), 1);
    // New credentials arrive: the same upload continues from its checkpoint.
    let summary = up
        .upload(UploadRequest::new(
            key("expiring"),
            Source::bytes(src.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(summary.upload_id.as_ref(), Some(&id));
    assert_eq!(summary.resumed_parts, 2);
    assert_eq!(fake.object("expiring").unwrap(), Bytes::from(src));
}

#[tokio::test]
async fn a_vanished_checkpointed_upload_starts_afresh() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(20));
    let store = MemoryStore::new();
    let src = data(4 * MIB as usize, 10);
    let up = builder(&fake)
        .parts_in_flight(1)
        .checkpoint_store(store.clone())
        .build();
    let handle = up.upload(UploadRequest::new(key("gone"), Source::bytes(src.clone())));
    handle
        .progress_watch()
        .wait_for(|p| p.parts_done >= 1)
        .await
        .unwrap();
    let UploadError::Paused {
        upload_id: Some(id),
    } = handle.pause_and_join().await.unwrap_err()
    else {
        panic!()
    };
    assert_eq!(store.len(), 1);
    fake.drop_upload(&id);
    let summary = up
        .upload(UploadRequest::new(key("gone"), Source::bytes(src.clone())))
        .await
        .unwrap();
    assert_ne!(summary.upload_id.as_ref(), Some(&id));
    assert_eq!(summary.resumed_parts, 0);
    assert_eq!(fake.object("gone").unwrap(), Bytes::from(src));
    assert!(store.is_empty());
}

#[tokio::test]
async fn without_a_checkpoint_the_upload_is_found_by_listing() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(20));
    let src = data(5 * MIB as usize, 11);
    let up = builder(&fake).parts_in_flight(1).build();
    let handle = up.upload(UploadRequest::new(
        key("listed"),
        Source::bytes(src.clone()),
    ));
    handle
        .progress_watch()
        .wait_for(|p| p.parts_done >= 2)
        .await
        .unwrap();
    let UploadError::Paused {
        upload_id: Some(id),
    } = handle.pause_and_join().await.unwrap_err()
    else {
        panic!()
    };
    let finder = builder(&fake).resume_by_listing(true).build();
    let summary = finder
        .upload(UploadRequest::new(
            key("listed"),
            Source::bytes(src.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(summary.upload_id.as_ref(), Some(&id));
    assert!(summary.resumed_parts >= 2);
    assert_eq!(fake.object("listed").unwrap(), Bytes::from(src));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_unknown_length_is_uploaded_in_order() {
    let fake = FakeCos::new(BUCKET);
    let src = data(7 * MIB as usize / 2, 12);
    let (mut w, r) = tokio::io::duplex(64 * 1024);
    let payload = src.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        for chunk in payload.chunks(100_000) {
            w.write_all(chunk).await.unwrap();
        }
    });
    fake.inject(CallKind::UploadPart, Some(2), Injected::Corrupt);
    let up = builder(&fake).parts_in_flight(2).build();
    let summary = up
        .upload(UploadRequest::new(key("stream"), Source::reader(r)))
        .await
        .unwrap();
    assert_eq!(summary.parts, 4);
    assert_eq!(fake.object("stream").unwrap(), Bytes::from(src));
}

#[tokio::test]
async fn a_short_stream_is_one_put() {
    let fake = FakeCos::new(BUCKET);
    let up = builder(&fake).build();
    let src = data(1000, 13);
    let summary = up
        .upload(UploadRequest::new(
            key("short"),
            Source::reader(std::io::Cursor::new(src.clone())),
        ))
        .await
        .unwrap();
    assert_eq!(summary.parts, 0);
    assert_eq!(fake.object("short").unwrap(), Bytes::from(src));
    let empty = up
        .upload(UploadRequest::new(
            key("nothing"),
            Source::reader(tokio::io::empty()),
        ))
        .await
        .unwrap();
    assert_eq!((empty.bytes, empty.parts), (0, 0));
    assert_eq!(fake.object("nothing").unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_of_one_uploader_share_the_part_limit() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(10));
    let up = builder(&fake)
        .parts_in_flight(4)
        .total_parts_in_flight(3)
        .build();
    let a = up.upload(UploadRequest::new(
        key("one"),
        Source::bytes(data(6 * MIB as usize, 14)),
    ));
    let b = up.upload(UploadRequest::new(
        key("two"),
        Source::bytes(data(6 * MIB as usize, 15)),
    ));
    let (a, b) = tokio::join!(a.join(), b.join());
    a.unwrap();
    b.unwrap();
    assert!(
        fake.max_parts_in_flight() <= 3,
        "{}",
        fake.max_parts_in_flight()
    );
    assert!(fake.max_parts_in_flight() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_lands_every_file_and_one_failure_stays_alone() {
    let fake = FakeCos::new(BUCKET);
    for _ in 0..4 {
        fake.inject(
            CallKind::PutObject,
            None,
            Injected::Before(Fault::AccessDenied),
        );
    }
    let up = builder(&fake).build();
    let mut q = UploadQueue::new(&up, 4);
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for i in 0..60u32 {
        let path = dir.path().join(format!("f{i}"));
        let bytes = data(100 + i as usize * 37, i as u8);
        std::fs::write(&path, &bytes).unwrap();
        let k = format!("many/{i}");
        expected.push((k.clone(), bytes));
        assert_eq!(q.push(UploadRequest::file(key(&k), path)), i as usize);
    }
    let results = q.join_all().await;
    assert_eq!(results.len(), 60);
    let failed: Vec<_> = results.iter().filter(|r| r.result.is_err()).collect();
    assert_eq!(failed.len(), 4, "each rejection fails one file only");
    for r in &results {
        assert_eq!(r.key, expected[r.index].0);
        match &r.result {
            Ok(_) => assert_eq!(
                fake.object(&r.key).unwrap(),
                Bytes::from(expected[r.index].1.clone())
            ),
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        UploadError::Call {
                            call: CallKind::PutObject,
                            ..
                        }
                    ),
                    "{e}"
                );
                assert!(fake.object(&r.key).is_none());
            }
        }
    }
}

#[tokio::test]
async fn orphan_clean_up_aborts_only_old_uploads_under_the_prefix() {
    let fake = FakeCos::new(BUCKET);
    let t0 = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let opts = crate::api::UploadOptions::default();
    use crate::api::CosApi;
    fake.set_now(t0);
    let old = fake.initiate(&key("tmp/old"), &opts).await.unwrap();
    let other = fake.initiate(&key("keep/old"), &opts).await.unwrap();
    fake.set_now(t0 + Duration::from_secs(3600));
    let young = fake.initiate(&key("tmp/young"), &opts).await.unwrap();
    let up = builder(&fake).build();
    let report = up
        .abort_incomplete_at(
            "tmp/",
            Duration::from_secs(1800),
            t0 + Duration::from_secs(4000),
        )
        .await
        .unwrap();
    let aborted: Vec<&cos_model::UploadId> = report.aborted.iter().map(|u| &u.upload_id).collect();
    assert_eq!(aborted, vec![&old]);
    assert_eq!(report.kept.len(), 1);
    assert!(report.failed.is_empty());
    let mut left = fake.upload_ids();
    left.sort();
    let mut want = vec![other, young];
    want.sort();
    assert_eq!(left, want);
}

#[tokio::test]
async fn dropping_the_handle_detaches_the_upload() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(5));
    let up = builder(&fake).build();
    let src = data(3 * MIB as usize, 16);
    drop(up.upload(UploadRequest::new(
        key("detached"),
        Source::bytes(src.clone()),
    )));
    for _ in 0..400 {
        if fake.object("detached").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.object("detached").unwrap(), Bytes::from(src));
}

#[tokio::test]
async fn progress_is_offered_as_a_stream() {
    use futures_util::StreamExt;
    let fake = FakeCos::new(BUCKET);
    let up = builder(&fake).build();
    let handle = up.upload(UploadRequest::new(
        key("s"),
        Source::bytes(data(3 * MIB as usize, 17)),
    ));
    let stream = handle.progress_stream();
    let (all, result) = tokio::join!(stream.collect::<Vec<Progress>>(), handle.join());
    result.unwrap();
    assert_monotonic_to(&all, 3 * MIB);
}

#[tokio::test]
async fn checkpoints_survive_in_a_directory_between_uploaders() {
    let fake = FakeCos::new(BUCKET);
    fake.set_part_delay(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let src = data(6 * MIB as usize, 18);
    let f = file_with(&src);
    let first = builder(&fake)
        .parts_in_flight(1)
        .checkpoint_store(DirStore::new(dir.path()))
        .build();
    let handle = first.upload(UploadRequest::file(key("dir"), f.path()));
    handle
        .progress_watch()
        .wait_for(|p| p.parts_done >= 3)
        .await
        .unwrap();
    handle.pause_and_join().await.unwrap_err();
    // A new uploader (a new process, as far as it knows) with the same directory.
    let second = builder(&fake).checkpoint_dir(dir.path()).build();
    let summary = second.upload_file(f.path(), key("dir")).await.unwrap();
    assert!(summary.resumed_parts >= 3);
    assert_eq!(fake.object("dir").unwrap(), Bytes::from(src));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random fault rates: the upload stores exactly the source or fails with a typed error,
    /// never leaves a wrong object, never exceeds its part limit, and its progress is
    /// monotonic and ends at the total on success.
    #[test]
    fn random_faults_never_store_wrong_bytes(
        len in 0usize..(5 * MIB as usize),
        seed in any::<u64>(),
        rate in 0.0f64..0.12,
        parallel in 1usize..4,
        md5 in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let fake = FakeCos::new(BUCKET);
            let r = rate / 8.0;
            fake.set_faults(FaultRates {
                server: r, slow_down: r, reset_before: r, reset_after: r, timeout: r,
                expired_token: r, clock_skew: r, corrupt: r,
            }, seed);
            let up = builder(&fake).parts_in_flight(parallel).content_md5(md5).build();
            let src = data(len, seed as u8);
            let (seen, cb) = recorder();
            let result = up
                .upload(UploadRequest::new(key("prop"), Source::bytes(src.clone())).on_progress(cb))
                .await;
            assert!(fake.max_parts_in_flight() <= parallel);
            let seen = seen.lock().unwrap();
            for w in seen.windows(2) {
                assert!(w[1].acknowledged_bytes >= w[0].acknowledged_bytes);
            }
            match result {
                Ok(s) => {
                    assert_eq!(fake.object("prop").unwrap(), Bytes::from(src.clone()));
                    assert_eq!(s.crc64, cos_model::crc64::crc64(&src));
                    assert_eq!(seen.last().unwrap().acknowledged_bytes, len as u64);
                }
                Err(UploadError::ObjectCrcMismatch { deleted: false, .. }) => {}
                Err(e) => {
                    if let Some(obj) = fake.object("prop") {
                        assert_eq!(obj, Bytes::from(src.clone()), "a wrong object after {e}");
                    }
                }
            }
        });
    }
}
