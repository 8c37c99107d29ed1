//! Watching one request while hyper sends it: the request-body idle timeout and the
//! response-header timeout that starts only once the body has been written.
//!
//! A large upload on a slow link must not hit a total deadline, so instead of one timer around
//! the whole exchange the watchdog tracks the body: while body frames keep being pulled the
//! request is alive; once the last byte has been pulled the response-header timer starts.

use std::convert::Infallible;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::select;
use http_body::{Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::body::Body;
use crate::error::{TimeoutKind, TransportError};

/// The timers the watchdog enforces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WatchTimeouts {
    /// Time allowed to open the connection before the first body frame is pulled.
    pub(crate) connect: Duration,
    /// Longest pause between two body frames being pulled.
    pub(crate) request_body_idle: Duration,
    /// Time from the last body byte to the response headers.
    pub(crate) response_headers: Duration,
}

#[derive(Debug)]
struct State {
    started: Instant,
    last_frame: Option<Instant>,
    done_at: Option<Instant>,
}

/// Shared between the body (which records frames) and the watchdog (which reads them).
#[derive(Debug)]
pub(crate) struct Activity {
    state: Mutex<State>,
    /// Wakes the watchdog when its deadline may have moved earlier (the first frame, the last).
    moved: Notify,
}

impl Activity {
    pub(crate) fn new(now: Instant, body_is_empty: bool) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                started: now,
                last_frame: None,
                done_at: body_is_empty.then_some(now),
            }),
            moved: Notify::new(),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    fn frame(&self, now: Instant, last: bool) {
        let moved = self.with(|s| {
            let first = s.last_frame.is_none();
            s.last_frame = Some(now);
            let done = last && s.done_at.is_none();
            if done {
                s.done_at = Some(now);
            }
            first || done
        });
        if moved {
            self.moved.notify_one();
        }
    }

    /// The instant at which the request is declared stuck, and why.
    fn deadline(&self, t: &WatchTimeouts) -> (Instant, TimeoutKind) {
        self.with(|s| match (s.done_at, s.last_frame) {
            (Some(done), _) => (done + t.response_headers, TimeoutKind::ResponseHeaders),
            (None, Some(last)) => (last + t.request_body_idle, TimeoutKind::RequestBodyIdle),
            // nothing pulled yet: the connection (and TLS handshake) is still being set up
            (None, None) => (
                s.started + t.connect + t.request_body_idle,
                TimeoutKind::RequestBodyIdle,
            ),
        })
    }
}

/// Resolves with a timeout error when the request stops making progress; never resolves while
/// it does.
pub(crate) async fn watchdog(activity: Arc<Activity>, timeouts: WatchTimeouts) -> TransportError {
    loop {
        let (deadline, kind) = activity.deadline(&timeouts);
        if Instant::now() >= deadline {
            let waited = match kind {
                TimeoutKind::ResponseHeaders => timeouts.response_headers,
                TimeoutKind::Connect => timeouts.connect,
                _ => timeouts.request_body_idle,
            };
            return TransportError::timeout_after(kind, waited);
        }
        let sleep = tokio::time::sleep_until(deadline);
        let moved = activity.moved.notified();
        let _ = select(pin!(sleep), pin!(moved)).await;
    }
}

/// The request body as hyper sees it: records each frame in the shared [`Activity`].
#[derive(Debug)]
pub(crate) struct WatchedBody {
    inner: Body,
    activity: Arc<Activity>,
}

impl WatchedBody {
    pub(crate) fn new(inner: Body, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(_)) = &polled {
            let last = self.inner.remaining() == 0;
            self.activity.frame(Instant::now(), last);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    const T: WatchTimeouts = WatchTimeouts {
        connect: Duration::from_secs(10),
        request_body_idle: Duration::from_secs(5),
        response_headers: Duration::from_secs(30),
    };

    #[tokio::test(start_paused = true)]
    async fn empty_body_starts_header_timer_at_once() {
        let start = Instant::now();
        let err = watchdog(Activity::new(start, true), T).await;
        assert!(matches!(
            err.kind(),
            crate::TransportErrorKind::Timeout(TimeoutKind::ResponseHeaders)
        ));
        assert_eq!(Instant::now() - start, Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn progress_keeps_request_alive_then_headers_timer_runs() {
        let start = Instant::now();
        let activity = Activity::new(start, false);
        let mut body = WatchedBody::new(
            Body::from(Bytes::from(vec![0u8; 40])).with_frame_size(10),
            activity.clone(),
        );
        let dog = tokio::spawn(watchdog(activity.clone(), T));
        // a frame every 4 s (under the 5 s idle timeout): 4 frames = 16 s, longer than any
        // single idle window
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_secs(4)).await;
            assert!(!dog.is_finished());
            let _ = body.frame().await;
        }
        let err = dog.await.unwrap();
        assert!(matches!(
            err.kind(),
            crate::TransportErrorKind::Timeout(TimeoutKind::ResponseHeaders)
        ));
        assert_eq!(Instant::now() - start, Duration::from_secs(16 + 30));
    }

    #[tokio::test(start_paused = true)]
    async fn first_frame_brings_the_deadline_forward() {
        let start = Instant::now();
        let activity = Activity::new(start, false);
        let mut body = WatchedBody::new(
            Body::from(Bytes::from(vec![0u8; 40])).with_frame_size(10),
            activity.clone(),
        );
        // the watchdog starts sleeping towards connect + idle (15 s) ...
        let dog = tokio::spawn(watchdog(activity, T));
        tokio::time::sleep(Duration::from_secs(1)).await;
        // ... and a frame at 1 s moves its deadline to 1 + 5 s
        let _ = body.frame().await;
        let err = dog.await.unwrap();
        assert!(matches!(
            err.kind(),
            crate::TransportErrorKind::Timeout(TimeoutKind::RequestBodyIdle)
        ));
        assert_eq!(Instant::now() - start, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn stalled_body_times_out() {
        let start = Instant::now();
        let activity = Activity::new(start, false);
        let mut body = WatchedBody::new(
            Body::from(Bytes::from(vec![0u8; 40])).with_frame_size(10),
            activity.clone(),
        );
        let _ = body.frame().await;
        let err = watchdog(activity, T).await;
        assert!(matches!(
            err.kind(),
            crate::TransportErrorKind::Timeout(TimeoutKind::RequestBodyIdle)
        ));
        assert!(err.may_have_reached_server());
        assert_eq!(Instant::now() - start, Duration::from_secs(5));
    }
}
