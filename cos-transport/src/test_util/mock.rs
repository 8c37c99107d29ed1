//! [`MockTransport`]: answers requests by rules on method, path and query, without a network.
//!
//! Rules are tried in the order they were added; the first that matches and still has a reply
//! answers. A rule's replies are used in order and the last one repeats (unless the rule was
//! made [`Rule::once_each`]). A request no rule matches gets a 501 `NotImplemented` COS error
//! naming the request, which the client does not retry.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};

use super::recording::RecordedRequest;
use crate::body::Body;
use crate::error::{RequestState, TransportError, TransportErrorKind};
use crate::response_body::ResponseBody;
use crate::transport::{Transport, TransportResult};

/// The decoded query pairs of `uri` (a parameter without `=` has the value `""`).
pub(crate) fn query_pairs(uri: &http::Uri) -> Vec<(String, String)> {
    let decode = |s: &str| cos_sign::encode::uri_decode(s).unwrap_or_else(|_| s.to_owned());
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// A canned response.
#[derive(Debug, Clone)]
pub struct MockResponse {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
}

impl MockResponse {
    /// A response with `status` and no body.
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
        }
    }

    /// 200 with no body.
    pub fn ok() -> Self {
        Self::status(200)
    }

    /// A COS error document with `code` and `message`, and request/trace id headers.
    pub fn cos_error(status: u16, code: &str, message: &str) -> Self {
        let body = format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{code}</Code>\n\t<Message>{message}</Message>\n\t<RequestId>mock-request-id</RequestId>\n\t<TraceId>mock-trace-id</TraceId>\n</Error>"
        );
        Self::status(status)
            .header("content-type", "application/xml")
            .header("x-cos-request-id", "mock-request-id")
            .header("x-cos-trace-id", "mock-trace-id")
            .body(body)
    }

    /// Adds a header (ignored when the name or value is not valid HTTP).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.append(name, value);
        }
        self
    }

    /// Adds a `Date` header showing `time`.
    pub fn date(self, time: SystemTime) -> Self {
        let value = httpdate::fmt_http_date(time);
        self.header("date", &value)
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Waits `delay` before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Status, headers and body.
    pub(crate) fn render(self) -> (StatusCode, http::HeaderMap, Bytes) {
        (self.status, self.headers, self.body)
    }

    fn into_response(self) -> http::Response<ResponseBody> {
        let mut response = http::Response::new(ResponseBody::full(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

type Responder = dyn Fn(&http::Request<Body>) -> TransportResult + Send + Sync;

/// One reply of a rule.
#[derive(Clone)]
pub enum MockReply {
    /// A canned response.
    Response(MockResponse),
    /// A transport failure of this kind and state.
    Error(TransportErrorKind, RequestState),
    /// Computed from the request.
    With(Arc<Responder>),
}

impl fmt::Debug for MockReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MockReply::Response(r) => f.debug_tuple("Response").field(r).finish(),
            MockReply::Error(k, s) => f.debug_tuple("Error").field(k).field(s).finish(),
            MockReply::With(_) => f.write_str("With(..)"),
        }
    }
}

impl From<MockResponse> for MockReply {
    fn from(response: MockResponse) -> Self {
        MockReply::Response(response)
    }
}

impl MockReply {
    /// A reply computed by `f`.
    pub fn with<F>(f: F) -> Self
    where
        F: Fn(&http::Request<Body>) -> TransportResult + Send + Sync + 'static,
    {
        MockReply::With(Arc::new(f))
    }

    /// A transport failure.
    pub fn error(kind: TransportErrorKind, state: RequestState) -> Self {
        MockReply::Error(kind, state)
    }
}

/// A rule: what it matches and what it answers.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    method: Option<Method>,
    path: Option<String>,
    path_prefix: Option<String>,
    query: Vec<(String, Option<String>)>,
    replies: VecDeque<MockReply>,
    once_each: bool,
}

impl Rule {
    /// Matches every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Matches `method` on the URI path `path` (as sent: percent-encoded).
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method: Some(method),
            path: Some(path.to_owned()),
            ..Self::default()
        }
    }

    /// Also requires the method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Also requires a path starting with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = Some(prefix.to_owned());
        self
    }

    /// Also requires the (decoded) query parameter `name` with `value`.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), Some(value.to_owned())));
        self
    }

    /// Also requires the query parameter `name`, whatever its value.
    pub fn query_present(mut self, name: &str) -> Self {
        self.query.push((name.to_owned(), None));
        self
    }

    /// Adds a reply.
    pub fn reply(mut self, reply: impl Into<MockReply>) -> Self {
        self.replies.push_back(reply.into());
        self
    }

    /// Adds replies, used in order.
    pub fn replies(mut self, replies: impl IntoIterator<Item = MockReply>) -> Self {
        self.replies.extend(replies);
        self
    }

    /// Uses each reply once (the rule stops matching when they are used up) instead of
    /// repeating the last.
    pub fn once_each(mut self) -> Self {
        self.once_each = true;
        self
    }

    fn matches(&self, request: &http::Request<Body>) -> bool {
        if self.replies.is_empty() {
            return false;
        }
        if self.method.as_ref().is_some_and(|m| m != request.method()) {
            return false;
        }
        let path = request.uri().path();
        if self.path.as_deref().is_some_and(|p| p != path) {
            return false;
        }
        if self
            .path_prefix
            .as_deref()
            .is_some_and(|p| !path.starts_with(p))
        {
            return false;
        }
        if self.query.is_empty() {
            return true;
        }
        let pairs = query_pairs(request.uri());
        self.query.iter().all(|(name, value)| {
            pairs
                .iter()
                .any(|(n, v)| n == name && value.as_ref().is_none_or(|want| want == v))
        })
    }

    fn next_reply(&mut self) -> Option<MockReply> {
        if self.replies.len() > 1 || self.once_each {
            self.replies.pop_front()
        } else {
            self.replies.front().cloned()
        }
    }
}

#[derive(Debug, Default)]
struct State {
    rules: Vec<Rule>,
    requests: Vec<RecordedRequest>,
}

/// A transport answering by rules. Cheap to clone; clones share rules and history.
#[derive(Debug, Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<State>>,
}

impl MockTransport {
    /// A mock without rules (every request gets 501).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule (builder style).
    pub fn with_rule(self, rule: Rule) -> Self {
        self.add(rule);
        self
    }

    /// Adds a rule.
    pub fn add(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pick(&self, request: &http::Request<Body>) -> Option<MockReply> {
        let mut state = self.lock();
        state.requests.push(RecordedRequest::of(request));
        state
            .rules
            .iter_mut()
            .find(|rule| rule.matches(request))
            .and_then(Rule::next_reply)
    }
}

/// Reads the whole body through `http_body`, as a server would (so body observers see it).
async fn drain(mut body: Body) -> Bytes {
    use http_body_util::BodyExt;
    let mut buf = bytes::BytesMut::with_capacity(usize::try_from(body.len()).unwrap_or(0));
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
        }
    }
    buf.freeze()
}

impl Transport for MockTransport {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Body::from(drain(body).await));
        match self.pick(&request) {
            Some(MockReply::Response(response)) => {
                if let Some(delay) = response.delay {
                    tokio::time::sleep(delay).await;
                }
                Ok(response.into_response())
            }
            Some(MockReply::Error(kind, state)) => {
                Err(TransportError::new(kind, state).with_message("injected by MockTransport"))
            }
            Some(MockReply::With(f)) => f(&request),
            None => {
                let message = format!(
                    "no mock rule matches {} {}",
                    request.method(),
                    request.uri()
                );
                Ok(MockResponse::cos_error(501, "NotImplemented", &message).into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str) -> http::Request<Body> {
        let mut r = http::Request::new(Body::empty());
        *r.method_mut() = method;
        *r.uri_mut() = uri.parse().unwrap();
        r
    }

    #[tokio::test]
    async fn rules_match_by_method_path_and_query() {
        let mock = MockTransport::new()
            .with_rule(
                Rule::new(Method::PUT, "/a%20b")
                    .query("partNumber", "2")
                    .query_present("uploadId")
                    .reply(MockResponse::ok().header("etag", "\"p2\"")),
            )
            .with_rule(
                Rule::any()
                    .method(Method::GET)
                    .reply(MockResponse::status(404)),
            );
        let r = mock
            .send(req(Method::PUT, "http://h/a%20b?partNumber=2&uploadId=x"))
            .await
            .unwrap();
        assert_eq!(r.headers()["etag"], "\"p2\"");
        let r = mock
            .send(req(Method::PUT, "http://h/a%20b?partNumber=3&uploadId=x"))
            .await
            .unwrap();
        assert_eq!(r.status(), 501);
        let r = mock.send(req(Method::GET, "http://h/zzz")).await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(mock.request_count(), 3);
    }

    #[tokio::test]
    async fn replies_in_order_then_last_repeats() {
        let mock = MockTransport::new().with_rule(Rule::any().replies([
            MockReply::from(MockResponse::status(503)),
            MockReply::error(TransportErrorKind::Io, RequestState::MaybeSent),
            MockReply::from(MockResponse::ok()),
        ]));
        assert_eq!(
            mock.send(req(Method::GET, "http://h/"))
                .await
                .unwrap()
                .status(),
            503
        );
        assert!(mock.send(req(Method::GET, "http://h/")).await.is_err());
        for _ in 0..3 {
            assert_eq!(
                mock.send(req(Method::GET, "http://h/"))
                    .await
                    .unwrap()
                    .status(),
                200
            );
        }
    }

    #[tokio::test]
    async fn once_each_stops_matching() {
        let mock = MockTransport::new()
            .with_rule(Rule::any().reply(MockResponse::status(500)).once_each())
            .with_rule(Rule::any().reply(MockResponse::ok()));
        assert_eq!(
            mock.send(req(Method::GET, "http://h/"))
                .await
                .unwrap()
                .status(),
            500
        );
        assert_eq!(
            mock.send(req(Method::GET, "http://h/"))
                .await
                .unwrap()
                .status(),
            200
        );
    }

    #[test]
    fn decodes_query() {
        let uri: http::Uri = "http://h/?a=b%20c&uploads&x=".parse().unwrap();
        assert_eq!(
            query_pairs(&uri),
            vec![
                ("a".into(), "b c".into()),
                ("uploads".into(), String::new()),
                ("x".into(), String::new())
            ]
        );
    }
}
