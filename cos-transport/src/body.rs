//! The request [`Body`]: a replayable list of `Bytes` chunks with a known length, and the
//! [`BodyObserver`] that sees body bytes as the connection takes them (for smooth upload progress).
//!
//! A `Body` never copies its data: it hands out slices of its chunks, at most
//! [`Body::DEFAULT_FRAME_SIZE`] bytes at a time, so an observer sees progress while a large part is
//! being written rather than when it is done. Cloning (or [`Body::replay`]) yields a body that
//! starts again from the first byte; that is how a retry resends.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};

/// Sees the bytes of a request body as the transport pulls them.
///
/// The transport pulls a frame when it is about to write it to the connection, so the running
/// total follows the socket to within the transport's write buffer. Implemented for any
/// `Fn(u64)` closure (called with each frame's length).
pub trait BodyObserver: Send + Sync + 'static {
    /// `bytes` more body bytes were handed to the connection.
    fn on_sent(&self, bytes: u64);

    /// An attempt that had sent `bytes` failed and the body will be sent again from its start
    /// (called by the [`Client`](crate::Client) before a retry). The default does nothing.
    fn on_rewind(&self, bytes: u64) {
        let _ = bytes;
    }
}

impl<F> BodyObserver for F
where
    F: Fn(u64) + Send + Sync + 'static,
{
    fn on_sent(&self, bytes: u64) {
        self(bytes)
    }
}

/// A [`BodyObserver`] that keeps a running total (rewinds subtract).
#[derive(Debug, Clone, Default)]
pub struct SentCounter(Arc<AtomicU64>);

impl SentCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes sent and not rewound.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl BodyObserver for SentCounter {
    fn on_sent(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }

    fn on_rewind(&self, bytes: u64) {
        // saturating: a rewind never takes the total below zero
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(bytes))
            });
    }
}

/// A replayable request body with a known length.
pub struct Body {
    chunks: Arc<[Bytes]>,
    len: u64,
    frame_size: usize,
    observer: Option<Arc<dyn BodyObserver>>,
    // read cursor
    chunk: usize,
    offset: usize,
    sent: u64,
}

impl Body {
    /// The largest frame handed to the transport by default (64 KiB).
    pub const DEFAULT_FRAME_SIZE: usize = 64 * 1024;

    /// An empty body.
    pub fn empty() -> Self {
        Self::from_chunks(Vec::new())
    }

    /// A body made of `chunks`, sent in order (empty chunks are skipped).
    pub fn from_chunks(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        let chunks: Arc<[Bytes]> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let len = chunks.iter().map(|c| c.len() as u64).sum();
        Self {
            chunks,
            len,
            frame_size: Self::DEFAULT_FRAME_SIZE,
            observer: None,
            chunk: 0,
            offset: 0,
            sent: 0,
        }
    }

    /// Sets the largest frame handed to the transport (at least 1 byte).
    pub fn with_frame_size(mut self, frame_size: usize) -> Self {
        self.frame_size = frame_size.max(1);
        self
    }

    /// Reports bytes to `observer` as the transport pulls them.
    pub fn with_observer(mut self, observer: Arc<dyn BodyObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The total length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// `true` when the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunks, in order.
    pub fn chunks(&self) -> &[Bytes] {
        &self.chunks
    }

    /// Bytes handed out so far by this copy of the body.
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// Bytes not handed out yet.
    pub fn remaining(&self) -> u64 {
        self.len - self.sent
    }

    /// A copy that starts again from the first byte (no data is copied).
    pub fn replay(&self) -> Self {
        Self {
            chunks: Arc::clone(&self.chunks),
            len: self.len,
            frame_size: self.frame_size,
            observer: self.observer.clone(),
            chunk: 0,
            offset: 0,
            sent: 0,
        }
    }

    /// The whole body in one buffer: free for zero or one chunk, a copy otherwise.
    pub fn to_bytes(&self) -> Bytes {
        match &*self.chunks {
            [] => Bytes::new(),
            [one] => one.clone(),
            many => {
                let mut buf = BytesMut::with_capacity(self.len as usize);
                for chunk in many {
                    buf.extend_from_slice(chunk);
                }
                buf.freeze()
            }
        }
    }

    /// The next frame's data, advancing the cursor.
    fn next_slice(&mut self) -> Option<Bytes> {
        let chunk = self.chunks.get(self.chunk)?;
        let end = (self.offset + self.frame_size).min(chunk.len());
        let data = chunk.slice(self.offset..end);
        if end == chunk.len() {
            self.chunk += 1;
            self.offset = 0;
        } else {
            self.offset = end;
        }
        self.sent += data.len() as u64;
        Some(data)
    }
}

impl Clone for Body {
    /// Same as [`Body::replay`]: the clone starts from the first byte.
    fn clone(&self) -> Self {
        self.replay()
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("len", &self.len)
            .field("chunks", &self.chunks.len())
            .field("sent", &self.sent)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let Some(data) = this.next_slice() else {
            return Poll::Ready(None);
        };
        if let Some(observer) = &this.observer {
            observer.on_sent(data.len() as u64);
        }
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::from_chunks([bytes])
    }
}

impl From<Vec<Bytes>> for Body {
    fn from(chunks: Vec<Bytes>) -> Self {
        Self::from_chunks(chunks)
    }
}

impl From<Vec<u8>> for Body {
    fn from(data: Vec<u8>) -> Self {
        Self::from(Bytes::from(data))
    }
}

impl From<String> for Body {
    fn from(data: String) -> Self {
        Self::from(Bytes::from(data))
    }
}

impl From<&'static str> for Body {
    fn from(data: &'static str) -> Self {
        Self::from(Bytes::from_static(data.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(data: &'static [u8]) -> Self {
        Self::from(Bytes::from_static(data))
    }
}

impl From<cos_model::Payload> for Body {
    fn from(payload: cos_model::Payload) -> Self {
        Self::from_chunks(payload.chunks().iter().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn chunks() -> Vec<Bytes> {
        vec![
            Bytes::from_static(b"hello "),
            Bytes::new(),
            Bytes::from_static(b"world"),
        ]
    }

    #[tokio::test]
    async fn frames_are_bounded_and_observed() {
        let counter = SentCounter::new();
        let body = Body::from(chunks())
            .with_frame_size(4)
            .with_observer(Arc::new(counter.clone()));
        assert_eq!(body.len(), 11);
        let mut body = body;
        let mut seen = Vec::new();
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            assert!(data.len() <= 4);
            seen.extend_from_slice(&data);
            assert_eq!(counter.get(), seen.len() as u64);
        }
        assert_eq!(seen, b"hello world");
        assert!(http_body::Body::is_end_stream(&body));
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(0));
    }

    #[tokio::test]
    async fn replay_starts_over_without_copying() {
        let original = Body::from(chunks());
        let mut first = original.replay();
        let _ = first.frame().await;
        assert_eq!(first.bytes_sent(), 6);
        let again = first.clone();
        assert_eq!(again.bytes_sent(), 0);
        assert_eq!(again.to_bytes(), "hello world");
        // the same allocation is shared
        assert_eq!(again.chunks()[0].as_ptr(), original.chunks()[0].as_ptr());
    }

    #[test]
    fn counter_rewind_saturates() {
        let counter = SentCounter::new();
        counter.on_sent(10);
        counter.on_rewind(4);
        assert_eq!(counter.get(), 6);
        counter.on_rewind(100);
        assert_eq!(counter.get(), 0);
    }

    /// Polls `body` to the end (its frames are always ready).
    fn drain(body: &mut Body) -> Vec<u8> {
        let mut out = Vec::new();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        while let Poll::Ready(Some(Ok(frame))) =
            http_body::Body::poll_frame(Pin::new(&mut *body), &mut cx)
        {
            out.extend_from_slice(&frame.into_data().unwrap());
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn replays_are_equal(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..8),
            frame_size in 1usize..100,
            partial in 0usize..20,
        ) {
            let expected: Vec<u8> = chunks.concat();
            let counter = SentCounter::new();
            let body = Body::from_chunks(chunks.into_iter().map(Bytes::from))
                .with_frame_size(frame_size)
                .with_observer(Arc::new(counter.clone()));
            proptest::prop_assert_eq!(body.len(), expected.len() as u64);
            proptest::prop_assert_eq!(&body.to_bytes()[..], &expected[..]);
            // read part of one copy, then replay: the replay yields everything again
            let mut first = body.replay();
            let waker = std::task::Waker::noop();
            let mut cx = Context::from_waker(waker);
            for _ in 0..partial {
                let _ = http_body::Body::poll_frame(Pin::new(&mut first), &mut cx);
            }
            let mut again = first.replay();
            let replayed = drain(&mut again);
            proptest::prop_assert_eq!(&replayed[..], &expected[..]);
            proptest::prop_assert_eq!(again.remaining(), 0);
            let rest = drain(&mut first);
            proptest::prop_assert_eq!(first.bytes_sent(), expected.len() as u64);
            proptest::prop_assert!(rest.len() <= expected.len());
            // the observer saw the partial read, the whole replay and the rest
            proptest::prop_assert_eq!(counter.get(), 2 * expected.len() as u64);
        }
    }

    #[test]
    fn empty_body_is_at_end() {
        let body = Body::empty();
        assert!(http_body::Body::is_end_stream(&body));
        assert_eq!(body.to_bytes(), Bytes::new());
    }
}
