//! Progress through the real `Client`, over a transport that takes the request body one frame
//! at a time (as a socket does): the position moves within a part, never back, and never by
//! more than one body frame (`Body::DEFAULT_FRAME_SIZE`, the chunk the client hands the
//! connection) between two snapshots; the resumed bytes of an earlier run are counted apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::test_util::{MockResponse, MockTransport, Rule};
use cos_transport::{Body, Client, StaticCredentials, Transport, TransportResult};
use cos_upload::{MemoryStore, PartPolicy, Progress, Source, UploadError, UploadRequest, Uploader};
use http::Method;
use http_body_util::BodyExt;

const MIB: u64 = 1024 * 1024;
const FRAME_TIME: Duration = Duration::from_millis(25);

/// Pulls the body frame by frame, `FRAME_TIME` apart, then lets the mock answer.
#[derive(Clone)]
struct SlowWire(MockTransport);

impl Transport for SlowWire {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let (parts, mut body) = request.into_parts();
        while let Some(frame) = body.frame().await {
            let _ = frame;
            tokio::time::sleep(FRAME_TIME).await;
        }
        self.0.send(http::Request::from_parts(parts, body)).await
    }
}

fn mock() -> MockTransport {
    let mock = MockTransport::new();
    mock.add(
        Rule::any()
            .method(Method::POST)
            .query_present("uploads")
            .reply(MockResponse::ok().body(
                "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>\
                 <Key>big.bin</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>",
            )),
    );
    mock.add(
        Rule::any()
            .method(Method::PUT)
            .query_present("partNumber")
            .reply(MockResponse::ok().header("etag", "\"0123456789abcdef0123456789abcdef\"")),
    );
    mock.add(
        Rule::any()
            .method(Method::GET)
            .query_present("uploadId")
            .reply(MockResponse::ok().body(
                "<ListPartsResult><Bucket>examplebucket-1250000000</Bucket><Key>big.bin</Key>\
                 <UploadId>u1</UploadId><IsTruncated>false</IsTruncated>\
                 <Part><PartNumber>1</PartNumber><ETag>\"0123456789abcdef0123456789abcdef\"</ETag><Size>1048576</Size></Part>\
                 <Part><PartNumber>2</PartNumber><ETag>\"0123456789abcdef0123456789abcdef\"</ETag><Size>1048576</Size></Part>\
                 </ListPartsResult>",
            )),
    );
    mock.add(
        Rule::any()
            .method(Method::POST)
            .query_present("uploadId")
            .reply(MockResponse::ok().body(
                "<CompleteMultipartUploadResult><Location>l</Location>\
                 <Bucket>examplebucket-1250000000</Bucket><Key>big.bin</Key>\
                 <ETag>\"aa259a62513358f69e98e72e59856d88-4\"</ETag></CompleteMultipartUploadResult>",
            )),
    );
    mock
}

fn uploader(mock: &MockTransport, store: &MemoryStore) -> Uploader {
    let client = Client::builder(Endpoint::path_style("http://127.0.0.1:9").unwrap())
        .bucket(BucketName::new("examplebucket-1250000000").unwrap())
        .credentials(StaticCredentials::from_keys("AKIDexample", "secret"))
        .transport(SlowWire(mock.clone()))
        .build()
        .unwrap();
    Uploader::builder(client)
        .part_policy(
            PartPolicy::new()
                .target_part_size(MIB)
                .single_put_threshold(MIB),
        )
        .parts_in_flight(1)
        .checkpoint_store(store.clone())
        .progress_interval(Duration::from_millis(1))
        .build()
}

fn recorded(request: UploadRequest) -> (UploadRequest, Arc<Mutex<Vec<Progress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (
        request.on_progress(move |p| s.lock().unwrap().push(*p)),
        seen,
    )
}

fn assert_smooth(seen: &[Progress], from: u64, total: u64) {
    let frame = Body::DEFAULT_FRAME_SIZE as u64;
    assert_eq!(seen.first().unwrap().position(), from);
    for w in seen.windows(2) {
        let (a, b) = (w[0].position(), w[1].position());
        assert!(b >= a, "went back: {a} -> {b}");
        assert!(b - a <= frame, "jumped {} bytes: {a} -> {b}", b - a);
        assert!(w[1].sent_bytes >= w[0].sent_bytes);
    }
    let last = seen.last().unwrap();
    assert!(last.finished);
    assert_eq!(last.position(), total);
    // it moved inside parts, not only when COS answered one
    let within = seen.iter().filter(|p| p.position() % MIB != 0).count();
    assert!(
        within as u64 >= (total - from) / frame / 2,
        "{within} snapshots within a part"
    );
}

#[tokio::test(start_paused = true)]
async fn progress_follows_the_wire_in_frames_and_counts_resumed_bytes_apart() {
    let total = 4 * MIB;
    let data = vec![5u8; total as usize];
    let store = MemoryStore::new();
    let mock = mock();

    // the first run: stopped after two parts are stored
    let (request, seen) = recorded(UploadRequest::new(
        ObjectKey::new("big.bin").unwrap(),
        Source::bytes(data.clone()),
    ));
    let first = uploader(&mock, &store).upload(request);
    let mut watch = first.progress_watch();
    while watch.borrow().parts_done < 2 {
        watch.changed().await.unwrap();
    }
    first.pause();
    assert!(matches!(
        first.join().await,
        Err(UploadError::Paused { .. })
    ));
    let seen = seen.lock().unwrap().clone();
    for w in seen.windows(2) {
        assert!(
            w[1].position() - w[0].position() <= Body::DEFAULT_FRAME_SIZE as u64,
            "{w:?}"
        );
    }
    assert_eq!(seen.last().unwrap().resumed_bytes, 0);

    // the second run takes over the two stored parts and sends the other two
    let (request, seen) = recorded(UploadRequest::new(
        ObjectKey::new("big.bin").unwrap(),
        Source::bytes(data),
    ));
    let summary = uploader(&mock, &store)
        .upload(request)
        .join()
        .await
        .unwrap();
    assert_eq!(summary.resumed_parts, 2);
    let seen = seen.lock().unwrap().clone();
    assert_smooth(&seen, 2 * MIB, total);
    assert!(
        seen.iter().all(|p| p.resumed_bytes == 2 * MIB),
        "resumed bytes are counted apart"
    );
    let last = seen.last().unwrap();
    assert_eq!(
        last.sent_bytes,
        2 * MIB,
        "this run sent only the missing parts"
    );
}
