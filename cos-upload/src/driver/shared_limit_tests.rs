//! Uploads through different APIs on one uploader ([`UploadRequest::api`]): each lands on its
//! own API, their checkpoints are keyed by their own bucket, and together they stay within the
//! uploader's shared part limit and byte budget. Also the uploader without a default API.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_model::ObjectKey;

use crate::error::UploadError;
use crate::plan::{MIB, PartPolicy};
use crate::source::Source;
use crate::testing::{FakeCos, WriteGauge};
use crate::{MemoryStore, UploadRequest, Uploader, UploaderBuilder};

const DEFAULT: &str = "default-1250000000";
const BUCKET_A: &str = "bucket-a-1250000000";
const BUCKET_B: &str = "bucket-b-1250000000";

fn data(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed)) as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

fn settings(builder: UploaderBuilder) -> UploaderBuilder {
    builder
        .part_policy(
            PartPolicy::new()
                .target_part_size(MIB)
                .single_put_threshold(MIB),
        )
        .parts_in_flight(4)
        .progress_interval(Duration::ZERO)
}

/// Three fakes (the uploader's default and one per request) counted by one gauge.
struct Fakes {
    default: FakeCos,
    a: FakeCos,
    b: FakeCos,
    gauge: WriteGauge,
}

fn fakes() -> Fakes {
    let f = Fakes {
        default: FakeCos::new(DEFAULT),
        a: FakeCos::new(BUCKET_A),
        b: FakeCos::new(BUCKET_B),
        gauge: WriteGauge::new(),
    };
    for fake in [&f.default, &f.a, &f.b] {
        fake.share_gauge(&f.gauge);
        fake.set_part_delay(Duration::from_millis(25));
    }
    f
}

/// Uploads `a.bin` (6 MiB) through fake A and `b.bin` (5 MiB) through fake B at once on
/// `uploader`; checks each landed on its own API only, and nothing went to the default.
async fn upload_pair(uploader: &Uploader, f: &Fakes) {
    let (da, db) = (data(6 * MIB as usize, 1), data(5 * MIB as usize, 2));
    let ha = uploader.upload(
        UploadRequest::new(key("a.bin"), Source::bytes(da.clone())).api(Arc::new(f.a.clone())),
    );
    let hb = uploader.upload(
        UploadRequest::new(key("b.bin"), Source::bytes(db.clone())).api(Arc::new(f.b.clone())),
    );
    let (ra, rb) = tokio::join!(ha.join(), hb.join());
    let (sa, sb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((sa.parts, sb.parts), (6, 5));
    assert_eq!(f.a.object("a.bin"), Some(da));
    assert_eq!(f.b.object("b.bin"), Some(db));
    assert_eq!(f.a.object("b.bin"), None);
    assert_eq!(f.b.object("a.bin"), None);
    assert!(f.default.log().is_empty(), "{:?}", f.default.log());
    assert_eq!(f.gauge.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_through_different_apis_share_the_part_limit() {
    // Control: with a generous limit the two uploads' parts do overlap across the two APIs
    // (4 + 4 in flight), so the gauge sees both at once.
    let f = fakes();
    let roomy = settings(Uploader::builder(f.default.clone()))
        .total_parts_in_flight(16)
        .build();
    upload_pair(&roomy, &f).await;
    assert!(f.gauge.max_requests() > 4, "{}", f.gauge.max_requests());

    let f = fakes();
    let shared = settings(Uploader::builder(f.default.clone()))
        .total_parts_in_flight(2)
        .byte_budget(4 * MIB)
        .build();
    assert_eq!(shared.total_parts_in_flight(), 2);
    upload_pair(&shared, &f).await;
    assert_eq!(
        f.gauge.max_requests(),
        2,
        "the shared limit, reached, never exceeded"
    );
    assert!(f.gauge.max_bytes() <= 4 * MIB, "{}", f.gauge.max_bytes());
    assert!(f.a.max_parts_in_flight() <= 2 && f.b.max_parts_in_flight() <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_through_different_apis_share_the_byte_budget() {
    let f = fakes();
    // The part limit would allow 8; the budget holds two 1 MiB parts (not three).
    let budget = 2 * MIB + MIB / 2;
    let shared = settings(Uploader::builder(f.default.clone()))
        .total_parts_in_flight(8)
        .byte_budget(budget)
        .build();
    upload_pair(&shared, &f).await;
    assert!(f.gauge.max_bytes() <= budget, "{}", f.gauge.max_bytes());
    assert_eq!(f.gauge.max_requests(), 2);
}

#[tokio::test]
async fn checkpoints_are_keyed_by_the_requests_bucket() {
    let f = fakes();
    let store = MemoryStore::new();
    let up = settings(Uploader::builder(f.default.clone()))
        .checkpoint_store(store.clone())
        .parts_in_flight(1)
        .build();
    let src = data(6 * MIB as usize, 3);
    let handle = up.upload(
        UploadRequest::new(key("k"), Source::bytes(src.clone())).api(Arc::new(f.a.clone())),
    );
    let mut watch = handle.progress_watch();
    watch.wait_for(|p| p.parts_done >= 1).await.unwrap();
    let err = handle.pause_and_join().await.unwrap_err();
    assert!(err.is_paused(), "{err}");
    let saved = store.all();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].bucket, BUCKET_A);
    assert_eq!(f.a.upload_ids(), vec![saved[0].upload_id().unwrap()]);

    // The same source and key through the same API resumes that upload.
    let summary = up
        .upload(UploadRequest::new(key("k"), Source::bytes(src.clone())).api(Arc::new(f.a.clone())))
        .join()
        .await
        .unwrap();
    assert_eq!(
        summary.upload_id.as_ref().map(|u| u.as_str()),
        Some(saved[0].upload_id.as_str())
    );
    assert!(summary.resumed_parts >= 1, "{summary:?}");
    assert_eq!(f.a.object("k"), Some(src));
    assert!(store.is_empty());
    assert!(f.default.log().is_empty());
}

#[tokio::test]
async fn an_uploader_without_an_api_needs_one_per_request() {
    let f = fakes();
    let up = settings(Uploader::builder_without_api()).build();
    assert!(up.default_api().is_none());
    let err = up
        .upload(UploadRequest::new(key("none"), Source::bytes(data(10, 4))))
        .join()
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::NoApi), "{err}");
    assert!(f.a.log().is_empty());

    let src = data(MIB as usize + 5, 5);
    up.upload(
        UploadRequest::new(key("some"), Source::bytes(src.clone())).api(Arc::new(f.a.clone())),
    )
    .join()
    .await
    .unwrap();
    assert_eq!(f.a.object("some"), Some(src));
    // The stand-in default refuses calls instead of sending them anywhere.
    assert!(up.abort_incomplete("", Duration::ZERO).await.is_err());
}
