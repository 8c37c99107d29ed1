//! Properties of the client under seeded random faults: whatever the faults, an idempotent
//! upload either succeeds with the server having received exactly the body, or fails with a
//! typed error after at most the configured attempts; a non-idempotent request is never sent
//! twice after a failure that may have reached the server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use cos_model::ops::{InitiateMultipartUpload, PutObject};
use cos_transport::test_util::{FaultSpec, FaultTransport, MockResponse, MockTransport, Rule};
use cos_transport::{Client, ErrorKind, RetryPolicy, StaticCredentials};
use http::Method;
use proptest::prelude::*;
use rand::SeedableRng;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn spec() -> impl Strategy<Value = FaultSpec> {
    (
        0.0..0.2f64,
        0.0..0.2f64,
        0.0..0.2f64,
        0.0..0.2f64,
        0.0..0.15f64,
    )
        .prop_map(
            |(server_error, slow_down, reset_before_send, reset_after_send, timeout)| FaultSpec {
                server_error,
                slow_down,
                reset_before_send,
                reset_after_send,
                timeout,
            },
        )
}

fn client(faults: FaultTransport<MockTransport>, seed: u64) -> Client {
    Client::builder(endpoint())
        .bucket(bucket())
        .credentials(StaticCredentials::from_keys(SECRET_ID, SECRET_KEY))
        .transport(faults)
        .retry(
            RetryPolicy::builder()
                .max_attempts(5)
                .backoff(Duration::from_millis(5), Duration::from_millis(50))
                .slow_down_backoff(Duration::from_millis(50), Duration::from_millis(200))
                .rng(rand::rngs::StdRng::seed_from_u64(seed))
                .build(),
        )
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn idempotent_uploads_succeed_or_fail_typed(seed in any::<u64>(), spec in spec(), len in 0usize..5000) {
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mock = MockTransport::new().with_rule(
            Rule::any().method(Method::PUT).reply(MockResponse::ok().header("etag", "\"00000000000000000000000000000000\"")),
        );
        let faults = FaultTransport::seeded(mock.clone(), spec, seed);
        let client = client(faults.clone(), seed);
        let result = runtime().block_on(client.execute(&PutObject::new(key("p"), body.clone())));
        // every request that reached the server carried the whole body
        for r in mock.requests() {
            prop_assert_eq!(&r.body[..], &body[..]);
        }
        let sends = faults.injected().len() as u64 + faults.passed();
        match result {
            Ok(_) => prop_assert!(sends <= 5),
            Err(e) => {
                prop_assert!(e.attempts() <= 5 && e.attempts() >= 1);
                prop_assert_eq!(u64::from(e.attempts()), sends);
                prop_assert!(matches!(e.kind(), ErrorKind::Service(_) | ErrorKind::Transport(_)));
            }
        }
    }

    #[test]
    fn non_idempotent_requests_are_not_repeated_after_maybe_sent(seed in any::<u64>(), spec in spec()) {
        let mock = MockTransport::new().with_rule(
            Rule::any().method(Method::POST).reply(MockResponse::ok().body(
                "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>p</Key><UploadId>u</UploadId></InitiateMultipartUploadResult>",
            )),
        );
        let faults = FaultTransport::seeded(mock.clone(), spec, seed);
        let client = client(faults.clone(), seed);
        let result = runtime().block_on(client.execute(&InitiateMultipartUpload::new(key("p"))));
        // a reset or timeout after send ends the run: the server saw the request at most once
        // through such a fault, and never again afterwards
        let injected = faults.injected();
        let maybe_sent = injected
            .iter()
            .position(|f| matches!(f, cos_transport::test_util::Fault::ResetAfterSend | cos_transport::test_util::Fault::Timeout(_)));
        if let Some(pos) = maybe_sent {
            prop_assert_eq!(pos, injected.len() - 1, "nothing after a maybe-sent fault");
            prop_assert!(result.is_err());
            prop_assert_eq!(mock.request_count(), 1);
        } else if result.is_ok() {
            prop_assert_eq!(mock.request_count(), 1);
        }
    }
}
