//! [`Counting`]: a transport decorator that records what came back for every request sent —
//! the status, or the transport failure — so cases can prove that faults and refusals really
//! happened before the Client's retries hid them.

use std::sync::{Arc, Mutex, PoisonError};

use cos_transport::{Body, DynTransport, Transport, TransportResult};

/// What one exchange ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A response with this status.
    Status(u16),
    /// No response: the transport failed (reset, timeout, …).
    Failed(String),
}

/// Records every exchange of the wrapped transport.
#[derive(Clone)]
pub struct Counting {
    inner: Arc<dyn DynTransport>,
    seen: Arc<Mutex<Vec<(String, Seen)>>>,
}

impl std::fmt::Debug for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counting")
            .field("seen", &self.seen())
            .finish_non_exhaustive()
    }
}

impl Counting {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn DynTransport>) -> Self {
        Self {
            inner,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// `(method + path, outcome)` of every exchange so far, in order.
    pub fn seen(&self) -> Vec<(String, Seen)> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests were sent.
    pub fn sent(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many exchanges ended with `status`.
    pub fn count_status(&self, status: u16) -> usize {
        self.seen()
            .iter()
            .filter(|(_, s)| *s == Seen::Status(status))
            .count()
    }

    /// How many exchanges failed below HTTP.
    pub fn count_failed(&self) -> usize {
        self.seen()
            .iter()
            .filter(|(_, s)| matches!(s, Seen::Failed(_)))
            .count()
    }

    /// Forgets what was recorded.
    pub fn reset(&self) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Transport for Counting {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let what = format!("{} {}", request.method(), request.uri().path());
        let result = self.inner.send_dyn(request).await;
        let seen = match &result {
            Ok(response) => Seen::Status(response.status().as_u16()),
            Err(e) => Seen::Failed(e.to_string()),
        };
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((what, seen));
        result
    }
}
