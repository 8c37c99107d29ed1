//! `VodUploader::progress_watch`: per-file and total progress kept from the list's events, over
//! the fake engine — a file added after the watch starts appears, bytes only go forward, a
//! stored file counts as done, a deleted one leaves the totals, and the totals end complete.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{FakeEngine, collect_until};
use cos_vod::{
    AddOptions, FileSource, FileState, TemporaryKey, UploadGrant, VodEvent, VodUploader,
};

#[tokio::test(start_paused = true)]
async fn the_watch_follows_every_file_and_the_total() {
    let engine = FakeEngine::new();
    let far = SystemTime::now() + Duration::from_secs(3600);
    let list = VodUploader::builder(engine.clone())
        .bucket(cos_model::BucketName::new("vod-1250000000").unwrap())
        .region(cos_model::Region::new("ap-guangzhou").unwrap())
        .provider(move |_| async move {
            Ok::<_, cos_vod::FailureInfo>(UploadGrant::new(
                TemporaryKey::new("id", "secret")
                    .with_security_token("token")
                    .with_expiration(far),
            ))
        })
        .spawn();
    let a = list
        .add_file(FileSource::bytes("a.mp4", vec![1; 1000]), AddOptions::new())
        .await
        .unwrap();
    let watch = list.progress_watch().await.unwrap();
    assert_eq!(watch.borrow().files().len(), 1, "seeded from list_files()");
    let gone = list
        .add_file(
            FileSource::bytes("gone.mp4", vec![2; 700]),
            AddOptions::new(),
        )
        .await
        .unwrap();
    let b = list
        .add_file(FileSource::bytes("b.mp4", vec![3; 300]), AddOptions::new())
        .await
        .unwrap();
    let mut events = list.events().await.unwrap();
    list.delete_file(gone).await.unwrap();
    list.start_upload().await.unwrap();

    // sample the watch as a bar would, until the run ends
    let mut sampler = watch.clone();
    let samples = tokio::spawn(async move {
        let mut seen = vec![sampler.borrow_and_update().clone()];
        while sampler.changed().await.is_ok() {
            seen.push(sampler.borrow_and_update().clone());
            if seen.last().unwrap().total().succeeded == 2 {
                break;
            }
        }
        seen
    });
    collect_until(&mut events, |e| matches!(e, VodEvent::ListEnded { .. })).await;
    let samples = samples.await.unwrap();
    for w in samples.windows(2) {
        for f in w[1].files() {
            if let Some(before) = w[0].file(f.id) {
                assert!(f.bytes_done >= before.bytes_done, "{before:?} -> {f:?}");
            }
        }
    }
    assert!(
        samples.iter().any(
            |s| s.file(a).is_some_and(|f| f.state == FileState::Uploading
                && f.bytes_done > 0
                && f.bytes_done < 1000)
        ),
        "a file's progress was seen mid-way"
    );

    let end = watch.borrow().clone();
    let names: Vec<&str> = end.files().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.mp4", "b.mp4"], "the deleted file left the list");
    assert!(end.files().iter().all(|f| f.state == FileState::Success));
    assert_eq!(end.file(b).unwrap().bytes_done, 300);
    let total = end.total();
    assert_eq!((total.files, total.succeeded, total.uploading), (2, 2, 0));
    assert_eq!((total.bytes_done, total.bytes_total), (1300, 1300));
    assert_eq!(total.percent(), 100.0);
    assert_eq!(total.eta, Some(Duration::ZERO));
    list.shutdown().await.unwrap();
}
