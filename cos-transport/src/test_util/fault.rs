//! [`FaultTransport`]: wraps any transport and injects faults, either at seeded random rates
//! ([`FaultSpec`]) or from a script (one entry per request), so a failure run can be replayed
//! from its seed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::mock::MockResponse;
use crate::body::Body;
use crate::error::{RequestState, TimeoutKind, TransportError, TransportErrorKind};
use crate::response_body::ResponseBody;
use crate::transport::{Transport, TransportResult};

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this 5xx status with a COS error body (500 `InternalError`, 503
    /// `ServiceUnavailable`, others `InternalError`); the inner transport is not called.
    ServerError(u16),
    /// Answer 503 `SlowDown`; the inner transport is not called.
    SlowDown,
    /// Fail before sending (a refused connection): the inner transport is not called.
    ResetBeforeSend,
    /// Send through the inner transport, then drop its response and fail as a reset: the
    /// server did see the request.
    ResetAfterSend,
    /// Send through the inner transport, then drop its response and fail with this timeout.
    Timeout(TimeoutKind),
}

/// Seeded fault rates (each in `0.0..=1.0`, tried in field order; their sum should be ≤ 1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultSpec {
    /// Rate of 500/503/520 answers.
    pub server_error: f64,
    /// Rate of 503 SlowDown answers.
    pub slow_down: f64,
    /// Rate of failures before sending.
    pub reset_before_send: f64,
    /// Rate of resets after the inner transport handled the request.
    pub reset_after_send: f64,
    /// Rate of response-header timeouts after the inner transport handled the request.
    pub timeout: f64,
}

#[derive(Debug)]
enum Source {
    Random {
        spec: FaultSpec,
        rng: Box<ChaCha8Rng>,
    },
    Script(VecDeque<Option<Fault>>),
}

#[derive(Debug)]
struct State {
    source: Source,
    injected: Vec<Fault>,
    passed: u64,
}

/// Wraps `T` and injects faults.
#[derive(Debug, Clone)]
pub struct FaultTransport<T> {
    inner: T,
    state: Arc<Mutex<State>>,
}

impl<T: Transport> FaultTransport<T> {
    /// Faults at the rates of `spec`, drawn from an RNG seeded with `seed`.
    pub fn seeded(inner: T, spec: FaultSpec, seed: u64) -> Self {
        Self::with_source(
            inner,
            Source::Random {
                spec,
                rng: Box::new(ChaCha8Rng::seed_from_u64(seed)),
            },
        )
    }

    /// One entry per request, in order (`None` passes through); requests past the script pass
    /// through.
    pub fn scripted(inner: T, script: impl IntoIterator<Item = Option<Fault>>) -> Self {
        Self::with_source(inner, Source::Script(script.into_iter().collect()))
    }

    fn with_source(inner: T, source: Source) -> Self {
        Self {
            inner,
            state: Arc::new(Mutex::new(State {
                source,
                injected: Vec::new(),
                passed: 0,
            })),
        }
    }

    /// The faults injected so far, in order.
    pub fn injected(&self) -> Vec<Fault> {
        self.lock().injected.clone()
    }

    /// How many requests went through untouched.
    pub fn passed(&self) -> u64 {
        self.lock().passed
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_fault(&self) -> Option<Fault> {
        let mut state = self.lock();
        let fault = match &mut state.source {
            Source::Script(script) => script.pop_front().flatten(),
            Source::Random { spec, rng } => {
                let draw: f64 = rng.random();
                let pick = rng.random_range(0..3usize);
                let mut edge = 0.0;
                let mut hit = |rate: f64| {
                    edge += rate;
                    draw < edge
                };
                if hit(spec.server_error) {
                    Some(Fault::ServerError([500, 503, 520][pick]))
                } else if hit(spec.slow_down) {
                    Some(Fault::SlowDown)
                } else if hit(spec.reset_before_send) {
                    Some(Fault::ResetBeforeSend)
                } else if hit(spec.reset_after_send) {
                    Some(Fault::ResetAfterSend)
                } else if hit(spec.timeout) {
                    Some(Fault::Timeout(TimeoutKind::ResponseHeaders))
                } else {
                    None
                }
            }
        };
        match fault {
            Some(f) => state.injected.push(f),
            None => state.passed += 1,
        }
        fault
    }
}

fn answer(response: MockResponse) -> TransportResult {
    let (status, headers, body) = response.render();
    let mut reply = http::Response::new(ResponseBody::full(body));
    *reply.status_mut() = status;
    *reply.headers_mut() = headers;
    Ok(reply)
}

impl<T: Transport> Transport for FaultTransport<T> {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let Some(fault) = self.next_fault() else {
            return self.inner.send(request).await;
        };
        tracing::debug!(
            ?fault,
            url = %crate::client::display_url(request.uri()),
            "injecting fault"
        );
        match fault {
            Fault::ServerError(status) => {
                let code = if status == 503 {
                    "ServiceUnavailable"
                } else {
                    "InternalError"
                };
                answer(MockResponse::cos_error(
                    status,
                    code,
                    "injected by FaultTransport",
                ))
            }
            Fault::SlowDown => answer(MockResponse::cos_error(
                503,
                "SlowDown",
                "Please reduce your request rate.",
            )),
            Fault::ResetBeforeSend => Err(TransportError::new(
                TransportErrorKind::Connect,
                RequestState::NotSent,
            )
            .with_message("connection refused (injected)")),
            Fault::ResetAfterSend => {
                let _ = self.inner.send(request).await;
                Err(
                    TransportError::new(TransportErrorKind::Io, RequestState::MaybeSent)
                        .with_message("connection reset (injected)"),
                )
            }
            Fault::Timeout(kind) => {
                let _ = self.inner.send(request).await;
                Err(TransportError::timeout(kind).with_message("injected"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{MockTransport, Rule};

    fn get() -> http::Request<Body> {
        let mut r = http::Request::new(Body::empty());
        *r.uri_mut() = http::Uri::from_static("http://h/k");
        r
    }

    #[tokio::test]
    async fn script_is_followed() {
        let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::ok()));
        let faults = FaultTransport::scripted(
            mock.clone(),
            [
                Some(Fault::ResetBeforeSend),
                Some(Fault::ResetAfterSend),
                None,
                Some(Fault::SlowDown),
            ],
        );
        let e = faults.send(get()).await.unwrap_err();
        assert!(!e.may_have_reached_server());
        assert_eq!(mock.request_count(), 0);
        let e = faults.send(get()).await.unwrap_err();
        assert!(e.may_have_reached_server());
        assert_eq!(mock.request_count(), 1);
        assert_eq!(faults.send(get()).await.unwrap().status(), 200);
        let r = faults.send(get()).await.unwrap();
        assert_eq!(r.status(), 503);
        let body = r.into_body().collect_limited(4096).await.unwrap();
        assert!(
            std::str::from_utf8(&body)
                .unwrap()
                .contains("<Code>SlowDown</Code>")
        );
        assert_eq!(faults.send(get()).await.unwrap().status(), 200);
        assert_eq!(faults.injected().len(), 3);
        assert_eq!(faults.passed(), 2);
    }

    #[tokio::test]
    async fn same_seed_same_faults() {
        let spec = FaultSpec {
            server_error: 0.2,
            slow_down: 0.1,
            reset_before_send: 0.1,
            reset_after_send: 0.1,
            timeout: 0.1,
        };
        let run = |seed| async move {
            let mock = MockTransport::new().with_rule(Rule::any().reply(MockResponse::ok()));
            let faults = FaultTransport::seeded(mock, spec, seed);
            for _ in 0..100 {
                let _ = faults.send(get()).await;
            }
            faults.injected()
        };
        let a = run(7).await;
        assert_eq!(a, run(7).await);
        assert_ne!(a, run(8).await);
        // rates are roughly honoured: 60% faults expected over 100 requests
        assert!((35..=85).contains(&a.len()), "{}", a.len());
    }
}
