//! What the client logs, captured: one `attempt` event per request with its status, COS
//! request id, duration and bytes; a `retrying` event with the reason and the delay; new
//! temporary keys and clock-skew corrections announced; and never a secret key, a token, an
//! Authorization value or a signature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use cos_model::ops::{PutObject, UploadPart};
use cos_model::{PartNumber, UploadId};
use cos_transport::clock::ManualClock;
use cos_transport::test_util::{LogCapture, capture_logs};
use cos_transport::test_util::{MockReply, MockResponse, MockTransport, Rule};
use cos_transport::{
    BoxError, Client, RequestState, TemporaryCredentials, TemporaryKey, TransportErrorKind,
};

const TOKEN: &str = "session-token-SECRET-0001";
const TEMP_SECRET: &str = "temporary-secret-key-0001";

fn capture(filter: &str) -> (LogCapture, tracing::subscriber::DefaultGuard) {
    capture_logs(filter)
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

/// No secret of the client's or the request's in `text`.
fn assert_nothing_secret(text: &str, authorizations: &[String]) {
    for secret in [
        SECRET_KEY,
        TEMP_SECRET,
        TOKEN,
        "q-signature",
        "q-ak=",
        "q-sign-algorithm",
    ] {
        assert!(!text.contains(secret), "{secret:?} was logged:\n{text}");
    }
    assert!(
        !text.to_ascii_lowercase().contains("authorization"),
        "{text}"
    );
    for auth in authorizations {
        assert!(
            !text.contains(auth.as_str()),
            "an Authorization value was logged"
        );
    }
}

fn temporary_client(mock: &MockTransport, clock: &ManualClock) -> Client {
    let issued = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let now = T0;
    let provider = TemporaryCredentials::new(move || {
        let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        async move {
            Ok::<_, BoxError>(
                TemporaryKey::new(format!("AKIDtemporary{n}"), TEMP_SECRET)
                    .with_security_token(TOKEN)
                    .with_start_time(now)
                    .with_expired_time(now + 1_800),
            )
        }
    });
    Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .clock(clock.clone())
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn every_attempt_is_one_debug_event_and_retries_say_why() {
    let (captured, _guard) = capture("cos_transport=debug");
    let upload_id = UploadId::new("1700-upload-7").unwrap();
    let mock = MockTransport::new().with_rule(
        Rule::any().replies([
            MockReply::from(MockResponse::cos_error(
                503,
                "SlowDown",
                "Please reduce your request rate.",
            )),
            MockReply::error(TransportErrorKind::Io, RequestState::MaybeSent),
            MockReply::from(
                MockResponse::ok()
                    .header("etag", "\"5d41402abc4b2a76b9719d911017c592\"")
                    .header("x-cos-request-id", "rid-ok"),
            ),
        ]),
    );
    let clock = ManualClock::at_unix(T0);
    let client = temporary_client(&mock, &clock);
    let op = UploadPart::new(
        key("videos/a.mp4"),
        upload_id,
        PartNumber::new(3).unwrap(),
        vec![7u8; 100_000],
    );
    client.execute(&op).await.unwrap();
    let text = captured.text();

    let attempts = lines_with(&text, " attempt ");
    assert_eq!(attempts.len(), 3, "one event per request sent:\n{text}");
    // the first: COS's 503 with its request id; the second: a reset, no status; the third: 200
    assert!(attempts[0].contains("status=503"), "{}", attempts[0]);
    assert!(
        attempts[0].contains("request_id=mock-request-id"),
        "{}",
        attempts[0]
    );
    assert!(attempts[0].contains("error=SlowDown"), "{}", attempts[0]);
    assert!(!attempts[1].contains("status="), "{}", attempts[1]);
    assert!(attempts[1].contains("error="), "{}", attempts[1]);
    assert!(attempts[2].contains("status=200"), "{}", attempts[2]);
    assert!(attempts[2].contains("rid-ok"), "{}", attempts[2]);
    for (n, line) in attempts.iter().enumerate() {
        // the operation's span names the request; the attempt's span numbers it
        assert!(line.contains("operation=UploadPart"), "{line}");
        assert!(line.contains("part_number=3"), "{line}");
        assert!(line.contains("upload_id=1700-upload-7"), "{line}");
        assert!(line.contains("key=videos/a.mp4"), "{line}");
        assert!(
            line.contains(&format!("attempt{{attempt={}}}", n + 1)),
            "{line}"
        );
        assert!(line.contains("method=PUT"), "{line}");
        assert!(line.contains("host=127.0.0.1"), "{line}");
        assert!(
            line.contains("path=/examplebucket-1250000000/videos/a.mp4?"),
            "{line}"
        );
        assert!(line.contains("duration_ms="), "{line}");
        assert!(line.contains("sent=100000"), "{line}");
    }

    let retries = lines_with(&text, "retrying");
    assert_eq!(retries.len(), 2, "{text}");
    assert!(
        retries[0].contains("why=SlowDown") && retries[0].contains("status=503"),
        "{}",
        retries[0]
    );
    assert!(retries[0].contains("delay_ms="), "{}", retries[0]);
    assert!(
        retries[1].contains("why=the connection broke"),
        "{}",
        retries[1]
    );
    assert!(retries.iter().all(|l| l.contains(" INFO ")), "{text}");

    let fresh = lines_with(&text, "credentials obtained");
    assert_eq!(fresh.len(), 1, "{text}");
    assert!(
        fresh[0].contains("source=TemporaryCredentials"),
        "{}",
        fresh[0]
    );
    assert!(fresh[0].contains("expires_in_s=1800"), "{}", fresh[0]);

    let sent_auth: Vec<String> = mock
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(sent_auth.len(), 3);
    assert_nothing_secret(&text, &sent_auth);
}

#[tokio::test(start_paused = true)]
async fn info_shows_refreshes_and_retries_but_not_each_attempt() {
    let (captured, _guard) = capture("info");
    let mock = MockTransport::new().with_rule(
        Rule::any().reply(MockReply::with(|req| {
            let ak = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let mut r = if ak.contains("q-ak=AKIDtemporary1&") {
                let body = "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><RequestId>rid-exp</RequestId></Error>";
                let mut r = http::Response::new(cos_transport::ResponseBody::from(body));
                *r.status_mut() = http::StatusCode::BAD_REQUEST;
                r
            } else {
                let mut r = http::Response::new(cos_transport::ResponseBody::empty());
                r.headers_mut().insert(
                    "etag",
                    http::HeaderValue::from_static("\"5d41402abc4b2a76b9719d911017c592\""),
                );
                r
            };
            r.headers_mut()
                .insert("x-cos-request-id", http::HeaderValue::from_static("rid"));
            Ok(r)
        })),
    );
    let clock = ManualClock::at_unix(T0);
    let client = temporary_client(&mock, &clock);
    client
        .execute(&PutObject::new(key("k.bin"), "hello"))
        .await
        .unwrap();
    let text = captured.text();
    assert!(
        lines_with(&text, " attempt ").is_empty(),
        "attempts are debug:\n{text}"
    );
    assert_eq!(
        lines_with(&text, "credentials refused; refreshing").len(),
        1,
        "{text}"
    );
    let refreshed = lines_with(&text, "credentials refreshed");
    assert_eq!(refreshed.len(), 1, "{text}");
    assert!(refreshed[0].contains("generation=2"), "{}", refreshed[0]);
    assert!(
        refreshed[0].contains("expires_in_s=1800"),
        "{}",
        refreshed[0]
    );
    // the info span names the operation's target
    assert!(
        refreshed[0]
            .contains("request{operation=PutObject bucket=examplebucket-1250000000 key=k.bin}"),
        "{}",
        refreshed[0]
    );
    let sent_auth: Vec<String> = mock
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_nothing_secret(&text, &sent_auth);
}

#[tokio::test(start_paused = true)]
async fn a_clock_skew_correction_is_announced() {
    let (captured, _guard) = capture("info");
    let mock =
        MockTransport::new().with_rule(
            Rule::any().replies([
                MockReply::from(
                    MockResponse::cos_error(403, "RequestTimeTooSkewed", "skewed")
                        .date(unix(T0 + 3_600)),
                ),
                MockReply::from(
                    MockResponse::ok().header("etag", "\"5d41402abc4b2a76b9719d911017c592\""),
                ),
            ]),
        );
    let clock = ManualClock::at_unix(T0);
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(cos_transport::StaticCredentials::from_keys(
            SECRET_ID, SECRET_KEY,
        ))
        .transport(mock.clone())
        .clock(clock)
        .retry(fast_retry())
        .build()
        .unwrap();
    client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap();
    let text = captured.text();
    let learnt = lines_with(&text, "clock offset learnt from the server");
    assert_eq!(learnt.len(), 1, "{text}");
    assert!(learnt[0].contains("offset_ms=3600000"), "{}", learnt[0]);
    let corrected = lines_with(&text, "clock skew corrected; retrying");
    assert_eq!(corrected.len(), 1, "{text}");
    assert!(
        corrected[0].contains("previous_offset_ms=0"),
        "{}",
        corrected[0]
    );
    // static keys are not "obtained" or "refreshed"
    assert!(lines_with(&text, "credentials").is_empty(), "{text}");
    assert_nothing_secret(&text, &[]);
}
