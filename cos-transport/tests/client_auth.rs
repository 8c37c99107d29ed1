//! Credentials and time: clock-skew correction from `Date` / `ServerTime`, temporary keys
//! refreshed ahead of expiry with exactly one refresh for many concurrent callers, the forced
//! refresh on an expired-token answer, the remote signer, and pre-signed URLs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use cos_model::ErrorCode;
use cos_model::ops::{GetObject, HeadObject, PutObject};
use cos_sign::{Credentials, HeaderPolicy, KeyTime};
use cos_transport::clock::ManualClock;
use cos_transport::credentials::RemoteAuthorization;
use cos_transport::test_util::{MockReply, MockResponse, MockTransport, Rule};
use cos_transport::{
    BoxError, Client, CredentialError, ErrorKind, RemoteSigner, StaticCredentials,
    TemporaryCredentials, TemporaryKey,
};

/// A server whose clock shows `server_now` and that checks signatures like COS: a request
/// signed outside its window gets `error` (`RequestTimeTooSkewed` with a `Date`, or
/// `AccessDenied` "Request has expired" with only `<ServerTime>`).
fn skewed_server(server_now: u64, expired_style: bool) -> MockTransport {
    MockTransport::new().with_rule(Rule::any().reply(MockReply::with(move |req| {
        match verify_live(req, &static_lookup, server_now) {
            Ok(_) => Ok(http::Response::new(cos_transport::ResponseBody::empty()))
                .map(|mut r| {
                    r.headers_mut()
                        .insert("etag", http::HeaderValue::from_static("\"5d41402abc4b2a76b9719d911017c592\""));
                    r
                }),
            Err(_) if expired_style => {
                let body = format!(
                    "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><ServerTime>{server_now}</ServerTime></Error>"
                );
                let mut r = http::Response::new(cos_transport::ResponseBody::from(body));
                *r.status_mut() = http::StatusCode::FORBIDDEN;
                Ok(r)
            }
            Err(_) => {
                let body = "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the server's time is too large.</Message></Error>";
                let mut r = http::Response::new(cos_transport::ResponseBody::from(body));
                *r.status_mut() = http::StatusCode::FORBIDDEN;
                r.headers_mut().insert(
                    "date",
                    http::HeaderValue::from_str(&httpdate::fmt_http_date(unix(server_now))).unwrap(),
                );
                Ok(r)
            }
        }
    })))
}

fn manual_client(mock: &MockTransport, clock: &ManualClock) -> Client {
    Client::builder(endpoint())
        .bucket(bucket())
        .credentials(StaticCredentials::from_keys(SECRET_ID, SECRET_KEY))
        .transport(mock.clone())
        .clock(clock.clone())
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn clock_skew_is_corrected_from_the_date_header() {
    // our clock is an hour and a bit behind the server's
    let server_now = T0 + 3_900;
    let mock = skewed_server(server_now, false);
    let clock = ManualClock::at_unix(T0);
    let client = manual_client(&mock, &clock);
    client
        .execute(&PutObject::new(key("k"), "hello"))
        .await
        .unwrap();
    assert_eq!(
        mock.request_count(),
        2,
        "one refused, one retried with the offset"
    );
    assert_eq!(client.clock_offset_millis(), 3_900_000);
    // later requests (and clones) sign with the offset from the start
    let clone = client.with_bucket(bucket());
    clone
        .execute(&PutObject::new(key("k"), "hello"))
        .await
        .unwrap();
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn request_has_expired_uses_server_time_when_there_is_no_date() {
    let server_now = T0 - 7_200; // our clock is two hours ahead
    let mock = skewed_server(server_now, true);
    let clock = ManualClock::at_unix(T0);
    let client = manual_client(&mock, &clock);
    client
        .execute(&PutObject::new(key("k"), "hello"))
        .await
        .unwrap();
    assert_eq!(client.clock_offset_millis(), -7_200_000);
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn skew_is_retried_once_only() {
    // a server that always refuses: after one corrected retry the error surfaces
    let mock = MockTransport::new().with_rule(Rule::any().reply(
        MockResponse::cos_error(403, "RequestTimeTooSkewed", "skewed").date(unix(T0 + 5_000)),
    ));
    let clock = ManualClock::at_unix(T0);
    let client = manual_client(&mock, &clock);
    let err = client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.cos().unwrap().code, ErrorCode::RequestTimeTooSkewed);
}

fn temp_key(n: u64, start: u64, lifetime: u64) -> TemporaryKey {
    TemporaryKey::new(format!("AKIDtemporary{n}"), format!("temporary-secret-{n}"))
        .with_security_token(format!("session-token-{n}"))
        .with_start_time(start)
        .with_expired_time(start + lifetime)
}

fn temp_lookup(id: &str) -> Option<Credentials> {
    let n = id.strip_prefix("AKIDtemporary")?;
    Some(
        Credentials::new(id, format!("temporary-secret-{n}"))
            .with_security_token(format!("session-token-{n}")),
    )
}

/// Temporary keys issued by a server whose time is `clock` (+ `skew`), each fetch taking
/// 50 ms; counts the fetches.
fn sts(clock: ManualClock, lifetime: u64) -> (TemporaryCredentials, Arc<AtomicU64>) {
    let fetches = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&fetches);
    let provider = TemporaryCredentials::new(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let now = cos_transport::clock::unix_millis(cos_transport::clock::Clock::now(&clock))
            as u64
            / 1000;
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, BoxError>(temp_key(n, now, lifetime))
        }
    });
    (provider, fetches)
}

/// A server that accepts temporary keys whose token matches and whose signature verifies.
fn temp_server(clock: ManualClock) -> MockTransport {
    MockTransport::new().with_rule(Rule::any().reply(MockReply::with(move |req| {
        let now = cos_transport::clock::unix_millis(cos_transport::clock::Clock::now(&clock))
            as u64
            / 1000;
        let verified = verify_live(req, &temp_lookup, now);
        let token = req
            .headers()
            .get("x-cos-security-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ok = verified.as_ref().is_ok_and(|v| {
            v.signed_headers.iter().any(|h| h == "x-cos-security-token")
                && token.ends_with(v.access_key_id.trim_start_matches("AKIDtemporary"))
        });
        let mut r = http::Response::new(cos_transport::ResponseBody::empty());
        if ok {
            r.headers_mut().insert(
                "etag",
                http::HeaderValue::from_static("\"5d41402abc4b2a76b9719d911017c592\""),
            );
        } else {
            *r.status_mut() = http::StatusCode::FORBIDDEN;
        }
        Ok(r)
    })))
}

#[tokio::test(start_paused = true)]
async fn many_concurrent_callers_cause_exactly_one_refresh() {
    let clock = ManualClock::at_unix(T0);
    let (provider, fetches) = sts(clock.clone(), 1_800);
    let mock = temp_server(clock.clone());
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider.clone())
        .transport(mock.clone())
        .clock(clock.clone())
        .retry(fast_retry())
        .build()
        .unwrap();

    let burst = |client: Client| async move {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let c = client.clone();
                tokio::spawn(async move {
                    c.execute(&PutObject::new(key(&format!("k{i}")), "hello"))
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    };
    burst(client.clone()).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(provider.fetches(), 1);
    assert_eq!(mock.request_count(), 64);

    // 20 minutes on: still 10 minutes left, no refresh
    clock.advance(Duration::from_secs(1_200));
    burst(client.clone()).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);

    // 26 minutes on: inside the 5 minute margin, refreshed ahead of expiry, once
    clock.advance(Duration::from_secs(360));
    burst(client.clone()).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    let last = mock.requests().pop().unwrap();
    assert_eq!(last.header("x-cos-security-token"), Some("session-token-2"));
}

#[tokio::test(start_paused = true)]
async fn sts_start_time_anchors_the_clock() {
    // the STS server's clock (and COS's) is 40 minutes ahead of ours
    let local = ManualClock::at_unix(T0);
    let server = ManualClock::at_unix(T0 + 2_400);
    let (provider, _) = sts(server.clone(), 3_600);
    let mock = temp_server(server.clone());
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .clock(local)
        .retry(fast_retry())
        .build()
        .unwrap();
    client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap();
    assert_eq!(
        mock.request_count(),
        1,
        "signed with server time on the first try"
    );
    assert_eq!(client.clock_offset_millis(), 2_400_000);
}

#[tokio::test(start_paused = true)]
async fn expired_token_forces_one_refresh_and_one_retry() {
    let clock = ManualClock::at_unix(T0);
    let (provider, fetches) = sts(clock.clone(), 1_800);
    // the server has revoked key 1 early
    let mock = MockTransport::new()
        .with_rule(
            Rule::any().reply(MockReply::with(|req| {
                let token = req
                    .headers()
                    .get("x-cos-security-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let response = if token == "session-token-1" {
                    let body = "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><RequestId>rid-exp</RequestId></Error>";
                    let mut r = http::Response::new(cos_transport::ResponseBody::from(body));
                    *r.status_mut() = http::StatusCode::BAD_REQUEST;
                    r
                } else {
                    let mut r = http::Response::new(cos_transport::ResponseBody::empty());
                    r.headers_mut()
                        .insert("etag", http::HeaderValue::from_static("\"5d41402abc4b2a76b9719d911017c592\""));
                    r
                };
                Ok(response)
            })),
        );
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .clock(clock)
        .retry(fast_retry())
        .build()
        .unwrap();
    client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn credentials_refused_twice_is_a_typed_error() {
    let clock = ManualClock::at_unix(T0);
    let (provider, fetches) = sts(clock.clone(), 1_800);
    let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::cos_error(
        403,
        "InvalidAccessKeyId",
        "The access key Id format you provided is invalid.",
    )));
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .clock(clock)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap_err();
    assert!(err.is_temporary_credentials_refused());
    assert!(matches!(
        err.kind(),
        ErrorKind::CredentialsRefused {
            refreshed: true,
            temporary: true,
            ..
        }
    ));
    assert_eq!(err.attempts(), 2);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(err.request_id(), Some("mock-request-id"));

    // static keys are not refreshed: the answer is final at once
    let static_client = static_client(&mock);
    let err = static_client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(matches!(
        err.kind(),
        ErrorKind::CredentialsRefused {
            temporary: false,
            refreshed: false,
            ..
        }
    ));
    assert!(!err.is_temporary_credentials_refused());
}

#[tokio::test(start_paused = true)]
async fn a_callback_key_without_times_signs_with_its_token_until_refused() {
    let clock = ManualClock::at_unix(T0);
    let fetches = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&fetches);
    let provider = TemporaryCredentials::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async {
            Ok::<_, BoxError>(
                TemporaryKey::new("AKIDtemporary7", "temporary-secret-7")
                    .with_security_token("session-token-7"),
            )
        }
    });
    let mock = temp_server(clock.clone());
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .clock(clock.clone())
        .retry(fast_retry())
        .build()
        .unwrap();
    client
        .execute(&PutObject::new(key("k"), "x"))
        .await
        .unwrap();
    // no ExpiredTime: the key is kept however long it is used
    clock.advance(Duration::from_secs(86_400));
    client
        .execute(&PutObject::new(key("k"), "y"))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(mock.request_count(), 2);
    let last = mock.requests().pop().unwrap();
    assert_eq!(last.header("x-cos-security-token"), Some("session-token-7"));
    assert_eq!(client.clock_offset_millis(), 0, "no StartTime, no anchor");
}

#[tokio::test(start_paused = true)]
async fn an_unusable_callback_key_is_a_typed_error_and_nothing_is_sent() {
    let provider = TemporaryCredentials::new(|| async {
        Ok::<_, BoxError>(
            TemporaryKey::new("AKIDtemporary1", "temporary-secret-1")
                .with_security_token("session-token-1")
                .with_start_time(T0)
                .with_expired_time(T0),
        )
    });
    let mock = MockTransport::new();
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .build()
        .unwrap();
    let err = client
        .execute(&HeadObject::new(key("k")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Credentials(CredentialError::Invalid(_))
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("temporary-secret-1"), "{err}");
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failing_credential_callback_is_reported() {
    let provider = TemporaryCredentials::new(|| async {
        Err::<TemporaryKey, BoxError>("sts unreachable".into())
    });
    let mock = MockTransport::new();
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(mock.clone())
        .build()
        .unwrap();
    let err = client
        .execute(&HeadObject::new(key("k")))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Credentials(CredentialError::Fetch(_))
    ));
    assert_eq!(err.attempts(), 0);
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn remote_signer_signs_every_attempt() {
    // the "backend" holds temporary key 7 and signs what it is asked to
    let backend_creds = temp_lookup("AKIDtemporary7").unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    let signer = RemoteSigner::new(move |req: cos_transport::credentials::RemoteSignRequest| {
        let creds = backend_creds.clone();
        seen2.lock().unwrap().push(req.clone());
        async move {
            let query: Vec<(&str, &str)> = req
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let headers: Vec<(&str, &str)> = req
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let signable = cos_sign::SignableRequest {
                method: &req.method,
                path: &req.path,
                query: &query,
                headers: &headers,
            };
            let sig = cos_sign::sign(
                &signable,
                &creds,
                KeyTime::new(req.server_now - 60, req.server_now + 600),
                &HeaderPolicy::Default,
            )?;
            Ok::<_, BoxError>(RemoteAuthorization {
                authorization: sig.authorization().to_owned(),
                security_token: creds.security_token().map(str::to_owned),
            })
        }
    });
    let clock = ManualClock::at_unix(T0);
    let server_clock = clock.clone();
    let mock = MockTransport::new().with_rule(Rule::any().replies([
        MockReply::from(MockResponse::cos_error(500, "InternalError", "try again")),
        MockReply::with(move |req| {
            let now =
                cos_transport::clock::unix_millis(cos_transport::clock::Clock::now(&server_clock))
                    as u64
                    / 1000;
            let v = verify_live(req, &temp_lookup, now).expect("remote signature verifies");
            assert_eq!(v.access_key_id, "AKIDtemporary7");
            assert_eq!(
                req.headers().get("x-cos-security-token").unwrap(),
                "session-token-7"
            );
            let mut r = http::Response::new(cos_transport::ResponseBody::from("abc"));
            r.headers_mut()
                .insert("content-length", http::HeaderValue::from_static("3"));
            Ok(r)
        }),
    ]));
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(signer.clone())
        .transport(mock.clone())
        .clock(clock)
        .retry(fast_retry())
        .build()
        .unwrap();
    let out = client
        .execute(&GetObject::new(key("dir/a b.txt")).response_content_type("text/plain"))
        .await
        .unwrap();
    assert_eq!(out.body, "abc");
    assert_eq!(signer.calls(), 2, "one signature per attempt");
    let asked = seen.lock().unwrap().clone();
    assert_eq!(asked[0].operation, "GetObject");
    assert_eq!(asked[0].method, "GET");
    assert_eq!(asked[0].path, "/examplebucket-1250000000/dir/a b.txt");
    assert!(
        asked[0]
            .query
            .contains(&("response-content-type".to_owned(), "text/plain".to_owned()))
    );
    assert!(asked[0].headers.iter().any(|(n, _)| n == "host"));
    assert!(
        asked[1]
            .headers
            .iter()
            .any(|(n, v)| n == "x-cos-sdk-retry" && v == "true")
    );

    // a remote signer cannot pre-sign
    let err = client
        .presign(&GetObject::new(key("k")), Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Credentials(CredentialError::Unsupported(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn presigned_urls_verify() {
    let clock = ManualClock::at_unix(T0);
    let (provider, _) = sts(clock.clone(), 1_800);
    let client = Client::builder(endpoint())
        .bucket(bucket())
        .credentials(provider)
        .transport(MockTransport::new())
        .clock(clock)
        .build()
        .unwrap();
    let presigned = client
        .presign(
            &GetObject::new(key("dir/a b.txt")).response_content_type("text/plain"),
            Duration::from_secs(600),
        )
        .await
        .unwrap();
    assert_eq!(presigned.method, http::Method::GET);
    assert_eq!(presigned.key_time.end, T0 + 600);
    assert!(
        presigned
            .url
            .starts_with("http://127.0.0.1:9/examplebucket-1250000000/dir/a%20b.txt?response-content-type=text%2Fplain&q-sign-algorithm=sha1&q-ak=AKIDtemporary1&"),
        "{}",
        presigned.url
    );
    assert!(presigned.url.contains("q-header-list=host&"));
    assert!(
        presigned
            .url
            .contains("x-cos-security-token=session-token-1")
    );
    // the server side check
    let uri: http::Uri = presigned.url.parse().unwrap();
    let decode = |s: &str| cos_sign::encode::uri_decode(s).unwrap();
    let query: Vec<(String, String)> = uri
        .query()
        .unwrap()
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect();
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = decode(uri.path());
    let headers = [("host", "127.0.0.1:9")];
    let req = cos_sign::SignableRequest {
        method: "GET",
        path: &path,
        query: &query,
        headers: &headers,
    };
    let lookup = |id: &str| temp_lookup(id);
    cos_sign::verify::verify_presigned(&req, &lookup, T0 + 300).unwrap();
    assert!(cos_sign::verify::verify_presigned(&req, &lookup, T0 + 700).is_err());
}
