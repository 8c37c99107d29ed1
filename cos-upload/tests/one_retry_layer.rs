//! One retry layer: an upload through the real `Client` over a counting transport sends each
//! request exactly as many times as the client's retry policy says, whatever layer started it.
//! - 500 on every PUT → 4 sends in all (the client's 4 attempts; cos-upload adds none);
//! - 500 on every part → that part 4 times, then the upload is aborted, no other part sent;
//! - a 200 `<Error>` to every Complete → 4 Completes, not 16;
//! - a server that never answers → 4 sends, a timeout error naming the server;
//! - `InvalidAccessKeyId` with permanent keys → 1 send;
//! - the retry budget exhausted → no further sends, neither the client's retries nor the
//!   upload's resends of a corrupted part.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::retry::RetryBudget;
use cos_transport::test_util::{MockReply, MockResponse, MockTransport, Rule};
use cos_transport::{
    Client, RequestState, RetryPolicy, StaticCredentials, TimeoutKind, TransportErrorKind,
};
use cos_upload::{CallErrorKind, PartPolicy, Source, UploadError, UploadRequest, Uploader};
use http::Method;

const MIB: usize = 1024 * 1024;

fn policy(budget: RetryBudget) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(4)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .budget(Arc::new(budget))
        .build()
}

fn client(mock: &MockTransport, retry: RetryPolicy) -> Client {
    Client::builder(Endpoint::path_style("http://127.0.0.1:9").unwrap())
        .bucket(BucketName::new("examplebucket-1250000000").unwrap())
        .credentials(StaticCredentials::from_keys("AKIDexample", "secret"))
        .transport(mock.clone())
        .retry(retry)
        .build()
        .unwrap()
}

fn uploader(client: Client) -> Uploader {
    Uploader::builder(client)
        .part_policy(
            PartPolicy::new()
                .target_part_size(MIB as u64)
                .single_put_threshold(MIB as u64),
        )
        .parts_in_flight(1)
        .content_md5(false)
        .build()
}

fn key() -> ObjectKey {
    ObjectKey::new("videos/a.mp4").unwrap()
}

/// Uploads `len` bytes through `mock` with a client whose budget is `budget`; it must fail.
async fn failed_upload(mock: &MockTransport, budget: RetryBudget, len: usize) -> UploadError {
    uploader(client(mock, policy(budget)))
        .upload(UploadRequest::new(key(), Source::bytes(vec![7u8; len])))
        .await
        .unwrap_err()
}

/// A mock with the multipart rules and `reply` to every part.
fn multipart_mock(reply: MockResponse) -> MockTransport {
    let mock = MockTransport::new();
    multipart_rules(&mock);
    mock.add(
        Rule::any()
            .method(Method::PUT)
            .query_present("partNumber")
            .reply(reply),
    );
    mock
}

fn count(mock: &MockTransport, method: Method, query: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method && r.uri.query().unwrap_or("").contains(query))
        .count()
}

fn internal_error() -> MockResponse {
    MockResponse::cos_error(500, "InternalError", "We encountered an internal error.")
}

fn initiated() -> MockResponse {
    MockResponse::ok().body(
        "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>\
         <Key>videos/a.mp4</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>",
    )
}

/// Initiate answers, parts are stored, Abort answers 204.
fn multipart_rules(mock: &MockTransport) {
    mock.add(
        Rule::any()
            .method(Method::POST)
            .query_present("uploads")
            .reply(initiated()),
    );
    mock.add(
        Rule::any()
            .method(Method::DELETE)
            .query_present("uploadId")
            .reply(MockResponse::status(204)),
    );
}

fn part_ok() -> MockResponse {
    MockResponse::ok().header("etag", "\"0123456789abcdef0123456789abcdef\"")
}

#[tokio::test]
async fn five_hundred_on_every_put_is_sent_four_times_in_all() {
    let mock =
        MockTransport::new().with_rule(Rule::any().method(Method::PUT).reply(internal_error()));
    let err = failed_upload(&mock, RetryBudget::default(), 1000).await;
    assert_eq!(mock.request_count(), 4, "{err}");
    assert!(matches!(err, UploadError::Call { .. }), "{err}");
    assert_eq!(
        err.call_error().and_then(|e| e.code()),
        Some("InternalError")
    );
}

#[tokio::test]
async fn five_hundred_on_every_part_sends_that_part_four_times_then_aborts() {
    let mock = multipart_mock(internal_error());
    let err = failed_upload(&mock, RetryBudget::default(), 3 * MIB).await;
    assert_eq!(count(&mock, Method::PUT, "partNumber=1"), 4, "{err}");
    assert_eq!(
        count(&mock, Method::PUT, "partNumber="),
        4,
        "no other part was sent"
    );
    assert_eq!(
        count(&mock, Method::DELETE, "uploadId=u1"),
        1,
        "aborted once"
    );
    assert_eq!(count(&mock, Method::POST, "uploadId"), 0, "never completed");
}

#[tokio::test]
async fn a_200_error_to_every_complete_is_sent_at_most_four_times() {
    let mock = multipart_mock(part_ok());
    mock.add(
        Rule::any()
            .method(Method::POST)
            .query_present("uploadId")
            .reply(MockResponse::ok().body(
                "<?xml version='1.0' encoding='utf-8' ?><Error><Code>InternalError</Code>\
                 <Message>We encountered an internal error.</Message></Error>",
            )),
    );
    let err = failed_upload(&mock, RetryBudget::default(), 2 * MIB).await;
    assert_eq!(count(&mock, Method::POST, "uploadId=u1"), 4, "{err}");
    assert_eq!(
        count(&mock, Method::HEAD, ""),
        0,
        "COS answered: nothing ambiguous"
    );
    assert!(err.to_string().contains("200 InternalError"), "{err}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_asked_four_times_and_named() {
    // The transport's response-header timer fires on every attempt.
    let mock =
        MockTransport::new().with_rule(Rule::any().method(Method::PUT).reply(MockReply::error(
            TransportErrorKind::Timeout(TimeoutKind::ResponseHeaders),
            RequestState::MaybeSent,
        )));
    let err = failed_upload(&mock, RetryBudget::default(), 1000).await;
    assert_eq!(mock.request_count(), 4, "{err}");
    let client = err.call_error().and_then(|e| e.client()).unwrap();
    assert!(client.transport().is_some_and(|t| t.is_timeout()), "{err}");
    assert!(
        err.to_string()
            .starts_with("PUT http://127.0.0.1:9/examplebucket-1250000000/videos/a.mp4: no response from 127.0.0.1:9"),
        "{err}"
    );
    assert!(err.to_string().ends_with(", 4 attempts"), "{err}");
}

#[tokio::test]
async fn permanent_keys_refused_are_sent_once() {
    let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::cos_error(
        403,
        "InvalidAccessKeyId",
        "The access key Id format you provided is invalid.",
    )));
    let err = failed_upload(&mock, RetryBudget::default(), 1000).await;
    assert_eq!(mock.request_count(), 1, "{err}");
    assert!(err.needs_new_credentials(), "{err}");
}

#[tokio::test]
async fn an_exhausted_budget_stops_every_layer() {
    // Room for one retry: the part is sent twice, and nothing more.
    let mock = multipart_mock(internal_error());
    let err = failed_upload(&mock, RetryBudget::new(5, 5, 10, 0), 3 * MIB).await;
    assert_eq!(count(&mock, Method::PUT, "partNumber="), 2, "{err}");
    assert!(
        err.call_error().is_some_and(|e| e.budget_exhausted()),
        "{err}"
    );
    assert!(err.to_string().contains("retry budget exhausted"), "{err}");

    // An empty budget: a part COS received corrupted (BadDigest) is not resent by the upload.
    let mock = multipart_mock(MockResponse::cos_error(
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match.",
    ));
    let err = failed_upload(&mock, RetryBudget::new(0, 5, 10, 0), 3 * MIB).await;
    assert_eq!(count(&mock, Method::PUT, "partNumber="), 1, "{err}");
    let call = err.call_error().unwrap();
    assert_eq!(call.kind(), CallErrorKind::Failed);
    assert!(call.budget_exhausted(), "{err}");
}
