//! The client's retry behaviour with the mock and fault transports: each retry class, no retry
//! of a non-idempotent request that may have reached the server, attempt limits, the shared
//! budget, `x-cos-sdk-retry`, re-signing, and the error context kept for users.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use cos_model::ops::{CompleteMultipartUpload, GetObject, InitiateMultipartUpload, PutObject};
use cos_model::{ErrorCode, UploadId};
use cos_transport::retry::RetryBudget;
use cos_transport::test_util::{
    Fault, FaultTransport, MockReply, MockResponse, MockTransport, Rule,
};
use cos_transport::{
    Client, ErrorKind, RequestOptions, RequestState, RetryPolicy, SentCounter, StaticCredentials,
    TimeoutKind, TransportErrorKind,
};
use http::Method;
use tokio::time::Instant;

const OBJECT_PATH: &str = "/examplebucket-1250000000/dir/a%20b.txt";

fn put_ok_mock() -> MockTransport {
    MockTransport::new().with_rule(
        Rule::new(Method::PUT, OBJECT_PATH).reply(
            MockResponse::ok()
                .header("etag", "\"5d41402abc4b2a76b9719d911017c592\"")
                .header("x-cos-request-id", "req-put"),
        ),
    )
}

fn initiate_ok_mock() -> MockTransport {
    MockTransport::new().with_rule(
        Rule::new(Method::POST, OBJECT_PATH).query_present("uploads").reply(
            MockResponse::ok().body(
                "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>dir/a b.txt</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
            ),
        ),
    )
}

fn client_over(transport: impl cos_transport::Transport, retry: RetryPolicy) -> Client {
    Client::builder(endpoint())
        .bucket(bucket())
        .credentials(StaticCredentials::from_keys(SECRET_ID, SECRET_KEY))
        .transport(transport)
        .retry(retry)
        .build()
        .unwrap()
}

fn put() -> PutObject {
    PutObject::new(key("dir/a b.txt"), "hello")
}

#[tokio::test(start_paused = true)]
async fn first_attempt_is_signed_and_parsed() {
    let mock = put_ok_mock();
    let client = static_client(&mock);
    let out = client.execute(&put()).await.unwrap();
    assert_eq!(out.etag.as_unquoted(), "5d41402abc4b2a76b9719d911017c592");
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.body, "hello");
    assert!(r.header("x-cos-sdk-retry").is_none());
    assert!(r.header("user-agent").unwrap().starts_with("cos-rs/"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let verified = verify_recorded(r, &static_lookup, now).unwrap();
    assert!(verified.signed_headers.iter().any(|h| h == "host"));
    assert!(
        verified
            .signed_headers
            .iter()
            .any(|h| h == "content-length")
    );
    // a short key time, starting a little before now
    assert!(verified.key_time.end - verified.key_time.start <= 960);
}

/// Runs `op` through a fault script over `mock`, returning the client result and the faults.
async fn scripted<O>(
    mock: &MockTransport,
    op: &O,
    script: Vec<Option<Fault>>,
) -> (
    Result<O::Output, cos_transport::Error>,
    FaultTransport<MockTransport>,
)
where
    O: cos_model::Operation + Sync,
    O::Output: Send,
{
    let faults = FaultTransport::scripted(mock.clone(), script);
    let client = client_over(faults.clone(), fast_retry());
    (client.execute(op).await, faults)
}

#[tokio::test(start_paused = true)]
async fn server_errors_500_503_520_are_retried() {
    for status in [500u16, 503, 520] {
        let mock = put_ok_mock();
        let (result, faults) =
            scripted(&mock, &put(), vec![Some(Fault::ServerError(status))]).await;
        result.unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(faults.injected(), vec![Fault::ServerError(status)]);
        let requests = mock.requests();
        assert_eq!(
            requests.len(),
            1,
            "the fault answered the first attempt itself"
        );
        assert_eq!(requests[0].header("x-cos-sdk-retry"), Some("true"));
        // the retry is signed anew and signs the retry header
        let verified = verify_recorded(&requests[0], &static_lookup, now_secs()).unwrap();
        assert!(
            verified
                .signed_headers
                .iter()
                .any(|h| h == "x-cos-sdk-retry")
        );
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(start_paused = true)]
async fn slow_down_is_retried_with_the_longer_backoff() {
    // slow-down backoff is 500 ms doubling; the ordinary one at most 100 ms: three SlowDowns
    // in a row wait long enough to tell them apart from three 500s with the same seed
    let run = |fault: Fault| async move {
        let mock = put_ok_mock();
        let faults = FaultTransport::scripted(mock, vec![Some(fault); 3]);
        let policy = RetryPolicy::builder()
            .backoff(Duration::from_millis(100), Duration::from_millis(100))
            .slow_down_backoff(Duration::from_secs(2), Duration::from_secs(2))
            .rng(rand::rngs::StdRng::seed_from_u64(3))
            .build();
        let client = client_over(faults, policy);
        let start = Instant::now();
        client.execute(&put()).await.unwrap();
        Instant::now() - start
    };
    use rand::SeedableRng;
    let slow = run(Fault::SlowDown).await;
    let plain = run(Fault::ServerError(500)).await;
    assert!(plain <= Duration::from_millis(300), "{plain:?}");
    // three ordinary retries can never wait more than 3 x 100 ms; the slow-down ones did
    assert!(slow > Duration::from_millis(300), "{slow:?} vs {plain:?}");
    assert!(slow <= Duration::from_secs(6));
}

#[tokio::test(start_paused = true)]
async fn request_timeout_answer_is_retried_even_when_not_idempotent() {
    let first = Rule::any()
        .reply(MockResponse::cos_error(400, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."))
        .once_each();
    let mock2 = MockTransport::new().with_rule(first);
    // the RequestTimeout rule answers first, then the initiate rule
    let combined = mock2.with_rule(
        Rule::new(Method::POST, OBJECT_PATH).query_present("uploads").reply(
            MockResponse::ok().body(
                "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>dir/a b.txt</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
            ),
        ),
    );
    let client = static_client(&combined);
    let out = client
        .execute(&InitiateMultipartUpload::new(key("dir/a b.txt")))
        .await
        .unwrap();
    assert_eq!(out.upload_id.as_str(), "up-1");
    assert_eq!(combined.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn connection_failure_before_send_is_retried_for_any_operation() {
    let mock = initiate_ok_mock();
    let init = InitiateMultipartUpload::new(key("dir/a b.txt"));
    let (result, faults) = scripted(&mock, &init, vec![Some(Fault::ResetBeforeSend)]).await;
    assert_eq!(result.unwrap().upload_id.as_str(), "up-1");
    assert_eq!(faults.injected(), vec![Fault::ResetBeforeSend]);
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn reset_after_send_is_retried_only_when_idempotent() {
    // idempotent PutObject: retried, the server sees it twice
    let mock = put_ok_mock();
    let (result, _) = scripted(&mock, &put(), vec![Some(Fault::ResetAfterSend)]).await;
    result.unwrap();
    assert_eq!(mock.request_count(), 2);

    // non-idempotent Initiate: not retried, the error says the request may have been seen
    let mock = initiate_ok_mock();
    let init = InitiateMultipartUpload::new(key("dir/a b.txt"));
    let (result, _) = scripted(&mock, &init, vec![Some(Fault::ResetAfterSend)]).await;
    let err = result.unwrap_err();
    assert_eq!(mock.request_count(), 1, "no second Initiate");
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.operation(), "InitiateMultipartUpload");
    let transport = err.transport().unwrap();
    assert_eq!(transport.kind(), TransportErrorKind::Io);
    assert_eq!(transport.state(), RequestState::MaybeSent);
}

#[tokio::test(start_paused = true)]
async fn timeouts_after_send_are_retried_only_when_idempotent() {
    let mock = put_ok_mock();
    let (result, _) = scripted(
        &mock,
        &put(),
        vec![Some(Fault::Timeout(TimeoutKind::ResponseHeaders))],
    )
    .await;
    result.unwrap();
    assert_eq!(mock.request_count(), 2);

    let mock = initiate_ok_mock();
    let init = InitiateMultipartUpload::new(key("dir/a b.txt"));
    let (result, _) = scripted(
        &mock,
        &init,
        vec![Some(Fault::Timeout(TimeoutKind::ResponseHeaders))],
    )
    .await;
    let err = result.unwrap_err();
    assert!(err.transport().unwrap().is_timeout());
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn complete_answering_200_with_internal_error_is_retried() {
    let ok = "<CompleteMultipartUploadResult><Location>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a b.txt</Location><Bucket>examplebucket-1250000000</Bucket><Key>dir/a b.txt</Key><ETag>\"3a0f1fd698c235af9cf098cb74aa25bc-1\"</ETag></CompleteMultipartUploadResult>";
    let err200 = "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>r-200</RequestId></Error>";
    let mock = MockTransport::new().with_rule(
        Rule::new(Method::POST, OBJECT_PATH)
            .query("uploadId", "up-1")
            .replies([
                MockReply::from(MockResponse::ok().body(err200)),
                MockReply::from(MockResponse::ok().body(ok)),
            ]),
    );
    let client = static_client(&mock);
    let parts: cos_model::ops::CompletedParts = [(
        cos_model::PartNumber::new(1).unwrap(),
        cos_model::ETag::new("\"3a0f1fd698c235af9cf098cb74aa25bc\""),
    )]
    .into_iter()
    .collect();
    let op =
        CompleteMultipartUpload::new(key("dir/a b.txt"), UploadId::new("up-1").unwrap(), parts);
    client.execute(&op).await.unwrap();
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_final_and_keep_cos_context() {
    let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::cos_error(
        404,
        "NoSuchKey",
        "The specified key does not exist.",
    )));
    let client = static_client(&mock);
    let err = client
        .execute(&GetObject::new(key("missing")))
        .await
        .unwrap_err();
    assert_eq!(mock.request_count(), 1);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.operation(), "GetObject");
    let cos = err.cos().unwrap();
    assert_eq!(cos.code, ErrorCode::NoSuchKey);
    assert_eq!(cos.message, "The specified key does not exist.");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.request_id(), Some("mock-request-id"));
    assert_eq!(err.trace_id(), Some("mock-trace-id"));
    assert!(matches!(err.kind(), ErrorKind::Service(_)));
    assert!(err.to_string().contains("NoSuchKey"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn attempts_stop_at_the_limit() {
    let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::cos_error(
        503,
        "ServiceUnavailable",
        "busy",
    )));
    let client = static_client(&mock);
    let err = client.execute(&put()).await.unwrap_err();
    assert_eq!(err.attempts(), 4);
    assert_eq!(mock.request_count(), 4);
    assert!(!err.budget_exhausted());
    assert_eq!(err.cos().unwrap().code, ErrorCode::ServiceUnavailable);
    let retries: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.header("x-cos-sdk-retry").is_some())
        .collect();
    assert_eq!(retries, vec![false, true, true, true]);
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_shared_and_runs_out() {
    let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::cos_error(
        500,
        "InternalError",
        "oops",
    )));
    let budget = Arc::new(RetryBudget::new(10, 5, 10, 1));
    let policy = RetryPolicy::builder()
        .max_attempts(10)
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .budget(Arc::clone(&budget))
        .build();
    let client = client_over(mock.clone(), policy);
    let clone = client.with_bucket(bucket());

    let err = client.execute(&put()).await.unwrap_err();
    assert_eq!(err.attempts(), 3, "two retries paid, the third refused");
    assert!(err.budget_exhausted());
    assert_eq!(budget.available(), 0);

    // a clone shares the empty budget: no retry at all
    let err = clone.execute(&put()).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(err.budget_exhausted());
    assert!(err.to_string().contains("retry budget exhausted"));
    assert_eq!(mock.request_count(), 4);

    // successes refill it
    let ok = client_over(
        put_ok_mock(),
        RetryPolicy::builder().budget(Arc::clone(&budget)).build(),
    );
    for _ in 0..5 {
        ok.execute(&put()).await.unwrap();
    }
    assert_eq!(budget.available(), 5);
}

#[tokio::test(start_paused = true)]
async fn body_observer_sees_bytes_and_rewinds_failed_attempts() {
    let mock = put_ok_mock();
    let faults = FaultTransport::scripted(mock.clone(), vec![Some(Fault::ResetAfterSend)]);
    let client = client_over(faults, fast_retry());
    let data = bytes::Bytes::from(vec![7u8; 200 * 1024]);
    let counter = SentCounter::new();
    let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen2 = Arc::clone(&seen);
    let both = Arc::new(Both {
        counter: counter.clone(),
        total: seen2,
    });
    client
        .execute_with(
            &PutObject::new(key("dir/a b.txt"), data.clone()),
            &RequestOptions::new().body_observer(both),
        )
        .await
        .unwrap();
    // two attempts each sent the whole body; the first was rewound
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        2 * 200 * 1024
    );
    assert_eq!(counter.get(), 200 * 1024);
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.body == data));
}

struct Both {
    counter: SentCounter,
    total: Arc<std::sync::atomic::AtomicU64>,
}

impl cos_transport::BodyObserver for Both {
    fn on_sent(&self, bytes: u64) {
        self.counter.on_sent(bytes);
        self.total
            .fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
    }
    fn on_rewind(&self, bytes: u64) {
        self.counter.on_rewind(bytes);
    }
}

#[tokio::test(start_paused = true)]
async fn streaming_get_returns_the_body_unread() {
    let mock = MockTransport::new().with_rule(
        Rule::new(Method::GET, "/examplebucket-1250000000/big").reply(
            MockResponse::ok()
                .header("content-length", "11")
                .header("etag", "\"abc\"")
                .body("hello world"),
        ),
    );
    let client = static_client(&mock);
    let response = client
        .execute_streaming(&GetObject::new(key("big")), &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(response.head.status, 200);
    assert_eq!(response.attempts, 1);
    let meta = cos_model::ops::ObjectMetadata::from_head(&response.head).unwrap();
    assert_eq!(meta.content_length, Some(11));
    assert_eq!(
        response.body.collect_limited(100).await.unwrap(),
        "hello world"
    );

    let download = client
        .get_object_stream(&GetObject::new(key("big")))
        .await
        .unwrap();
    assert_eq!(download.metadata.content_length, Some(11));
    assert!(!download.partial);
    assert_eq!(
        download.body.collect_limited(100).await.unwrap(),
        "hello world"
    );

    // an error status is parsed into the error, not streamed
    let err = client
        .execute_streaming(&GetObject::new(key("nope")), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.cos().unwrap().code, ErrorCode::NotImplemented);
}

#[tokio::test]
async fn a_post_object_form_goes_out_without_a_header_signature() {
    let mock = MockTransport::new().with_rule(
        Rule::new(Method::POST, "/examplebucket-1250000000/")
            .reply(MockResponse::ok().header("etag", "\"5d41402abc4b2a76b9719d911017c592\"")),
    );
    let recorder = cos_transport::test_util::RecordingTransport::new(mock);
    let records = recorder.clone();
    let client = client_over(recorder, RetryPolicy::default());
    let form = cos_model::ops::PostObject::new(key("dir/a b.txt"), "hello")
        .field("policy", "cG9saWN5")
        .field("q-signature", "abc");
    client.execute(&form).await.unwrap();
    let sent = records.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].header("authorization").is_none());
    assert!(sent[0].header("x-cos-security-token").is_none());
    let body = String::from_utf8_lossy(&sent[0].body);
    assert!(
        body.contains("name=\"q-signature\"\r\n\r\nabc\r\n"),
        "{body}"
    );
}
