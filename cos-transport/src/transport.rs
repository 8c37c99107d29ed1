//! The [`Transport`] trait (one async method) and its object-safe twin [`DynTransport`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::body::Body;
use crate::error::TransportError;
use crate::response_body::ResponseBody;

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The result of sending one request.
pub type TransportResult = Result<http::Response<ResponseBody>, TransportError>;

/// Moves one HTTP exchange: a request with a replayable body in, a streaming response out.
///
/// A transport does not retry, sign or interpret statuses: an HTTP error status is a successful
/// exchange. The [`Client`](crate::Client) does the rest.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and returns the response once its headers have arrived.
    fn send(&self, request: http::Request<Body>) -> impl Future<Output = TransportResult> + Send;
}

/// The object-safe form of [`Transport`] (implemented for every `Transport`), so a client can
/// hold `Arc<dyn DynTransport>`.
pub trait DynTransport: Send + Sync + 'static {
    /// Sends `request`; see [`Transport::send`].
    fn send_dyn(&self, request: http::Request<Body>) -> BoxFuture<'_, TransportResult>;
}

impl<T: Transport> DynTransport for T {
    fn send_dyn(&self, request: http::Request<Body>) -> BoxFuture<'_, TransportResult> {
        Box::pin(self.send(request))
    }
}

impl Transport for Arc<dyn DynTransport> {
    fn send(&self, request: http::Request<Body>) -> impl Future<Output = TransportResult> + Send {
        self.as_ref().send_dyn(request)
    }
}

impl<T: Transport> Transport for Arc<T> {
    fn send(&self, request: http::Request<Body>) -> impl Future<Output = TransportResult> + Send {
        self.as_ref().send(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl Transport for Echo {
        async fn send(&self, request: http::Request<Body>) -> TransportResult {
            let body = request.body().to_bytes();
            Ok(http::Response::new(ResponseBody::full(body)))
        }
    }

    #[tokio::test]
    async fn dyn_and_arc_forward() {
        let dynamic: Arc<dyn DynTransport> = Arc::new(Echo);
        let response = dynamic
            .send(http::Request::new(Body::from("ping")))
            .await
            .unwrap();
        assert_eq!(
            response.into_body().collect_limited(10).await.unwrap(),
            "ping"
        );
        let shared = Arc::new(Echo);
        let response = shared
            .send(http::Request::new(Body::from("pong")))
            .await
            .unwrap();
        assert_eq!(
            response.into_body().collect_limited(10).await.unwrap(),
            "pong"
        );
    }
}
