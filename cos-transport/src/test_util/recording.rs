//! [`RecordingTransport`]: wraps a transport and keeps every request (with its body) and the
//! outcome of each exchange.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::body::Body;
use crate::error::TransportErrorKind;
use crate::transport::{Transport, TransportResult};

/// A request as it was handed to the transport.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Method.
    pub method: http::Method,
    /// Absolute URI.
    pub uri: http::Uri,
    /// Headers (with `Authorization`).
    pub headers: http::HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// Copies `request` (the body is shared, not copied, when it is one chunk).
    pub fn of(request: &http::Request<Body>) -> Self {
        Self {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            body: request.body().to_bytes(),
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded query pairs.
    pub fn query(&self) -> Vec<(String, String)> {
        super::mock::query_pairs(&self.uri)
    }
}

/// One exchange: the request and how it ended.
#[derive(Debug, Clone)]
pub struct Record {
    /// The request.
    pub request: RecordedRequest,
    /// The response status, or the transport error's kind.
    pub outcome: Result<http::StatusCode, TransportErrorKind>,
}

/// Wraps `T` and records every exchange.
#[derive(Debug, Clone)]
pub struct RecordingTransport<T> {
    inner: T,
    records: Arc<Mutex<Vec<Record>>>,
}

impl<T: Transport> RecordingTransport<T> {
    /// Records what goes through `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            records: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The exchanges so far, in order.
    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The requests so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.records().into_iter().map(|r| r.request).collect()
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Transport> Transport for RecordingTransport<T> {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let recorded = RecordedRequest::of(&request);
        let result = self.inner.send(request).await;
        let outcome = match &result {
            Ok(response) => Ok(response.status()),
            Err(e) => Err(e.kind()),
        };
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Record {
                request: recorded,
                outcome,
            });
        result
    }
}
