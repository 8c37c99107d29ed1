//! The streaming [`ResponseBody`] every transport returns, with a bounded collector.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body::{Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyDataStream, BodyExt, Empty, Full};

use crate::error::{RequestState, TransportError, TransportErrorKind};

/// A streaming response body.
pub struct ResponseBody {
    inner: UnsyncBoxBody<Bytes, TransportError>,
}

impl ResponseBody {
    /// Wraps any `http_body::Body` whose errors convert to [`TransportError`].
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<TransportError>,
    {
        Self {
            inner: body.map_err(Into::into).boxed_unsync(),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::new(Empty::<Bytes>::new().map_err(|never| -> TransportError { match never {} }))
    }

    /// A body of one buffer.
    pub fn full(data: impl Into<Bytes>) -> Self {
        Self::new(Full::new(data.into()).map_err(|never| -> TransportError { match never {} }))
    }

    /// The next data frame (trailers are skipped); `None` at the end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, TransportError>> {
        loop {
            match self.inner.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(err) => return Some(Err(err)),
            }
        }
    }

    /// Reads the whole body, failing with [`TransportErrorKind::BodyTooLarge`] as soon as more
    /// than `limit` bytes arrive (or are announced).
    pub async fn collect_limited(mut self, limit: u64) -> Result<Bytes, TransportError> {
        let too_large = || {
            TransportError::new(
                TransportErrorKind::BodyTooLarge { limit },
                RequestState::MaybeSent,
            )
        };
        if http_body::Body::size_hint(&self.inner).lower() > limit {
            return Err(too_large());
        }
        let mut first: Option<Bytes> = None;
        let mut buf: Option<BytesMut> = None;
        let mut total: u64 = 0;
        while let Some(chunk) = self.chunk().await {
            let chunk = chunk?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(too_large());
            }
            match (&mut first, &mut buf) {
                (None, None) => first = Some(chunk),
                (Some(head), None) => {
                    let mut joined = BytesMut::with_capacity(head.len() + chunk.len());
                    joined.extend_from_slice(head);
                    joined.extend_from_slice(&chunk);
                    first = None;
                    buf = Some(joined);
                }
                (_, Some(joined)) => joined.extend_from_slice(&chunk),
            }
        }
        Ok(match (first, buf) {
            (_, Some(joined)) => joined.freeze(),
            (Some(one), None) => one,
            (None, None) => Bytes::new(),
        })
    }

    /// The body as a `Stream` of data chunks.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, TransportError>> + Send {
        BodyDataStream::new(self.inner)
    }
}

impl Default for ResponseBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("size_hint", &http_body::Body::size_hint(&self.inner))
            .finish()
    }
}

impl From<Bytes> for ResponseBody {
    fn from(data: Bytes) -> Self {
        Self::full(data)
    }
}

impl From<&'static str> for ResponseBody {
    fn from(data: &'static str) -> Self {
        Self::full(Bytes::from_static(data.as_bytes()))
    }
}

impl From<String> for ResponseBody {
    fn from(data: String) -> Self {
        Self::full(data)
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use http_body_util::StreamBody;

    fn streamed(parts: &[&'static str]) -> ResponseBody {
        let frames: Vec<Result<Frame<Bytes>, TransportError>> = parts
            .iter()
            .map(|p| Ok(Frame::data(Bytes::from_static(p.as_bytes()))))
            .collect();
        ResponseBody::new(StreamBody::new(futures_util::stream::iter(frames)))
    }

    #[tokio::test]
    async fn collects_within_limit() {
        let body = streamed(&["ab", "cd", "e"]);
        assert_eq!(body.collect_limited(5).await.unwrap(), "abcde");
        assert_eq!(
            ResponseBody::full("xyz").collect_limited(3).await.unwrap(),
            "xyz"
        );
        assert_eq!(ResponseBody::empty().collect_limited(0).await.unwrap(), "");
    }

    #[tokio::test]
    async fn refuses_past_limit() {
        let err = streamed(&["ab", "cd", "e"])
            .collect_limited(4)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge { limit: 4 });
        // announced length over the limit fails before reading
        let err = ResponseBody::full("hello")
            .collect_limited(4)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge { limit: 4 });
    }

    #[tokio::test]
    async fn streams_chunks_in_order() {
        let chunks: Vec<Bytes> = streamed(&["a", "b", "c"])
            .into_stream()
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert_eq!(chunks, vec!["a", "b", "c"]);
    }

    #[tokio::test]
    async fn errors_pass_through() {
        let frames: Vec<Result<Frame<Bytes>, TransportError>> = vec![
            Ok(Frame::data(Bytes::from_static(b"a"))),
            Err(TransportError::new(
                TransportErrorKind::Io,
                RequestState::MaybeSent,
            )),
        ];
        let body = ResponseBody::new(StreamBody::new(futures_util::stream::iter(frames)));
        let err = body.collect_limited(100).await.unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Io);
    }
}
