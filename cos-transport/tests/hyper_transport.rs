//! `HyperTransport` against local servers on 127.0.0.1: keep-alive reuse (many requests, few
//! connections), each timeout firing, a streaming response body, the whole client path with
//! upload progress, and connections pinned by `resolve`/`connect_to` (virtual-host URIs reaching
//! a loopback server with their `Host` header, TLS keeping the server name).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_transport::{
    Body, Client, HttpVersion, HyperTransport, RequestOptions, RequestState, SentCounter,
    StaticCredentials, TimeoutKind, Transport, TransportErrorKind,
};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

type ServerBody = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// Serves `handler` on an ephemeral loopback port; counts accepted connections.
async fn serve<F, Fut>(handler: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(http::Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = http::Response<ServerBody>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, accepted)
}

fn full(body: impl Into<Bytes>) -> ServerBody {
    Full::new(body.into()).boxed_unsync()
}

fn get(addr: SocketAddr, path: &str) -> http::Request<Body> {
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = format!("http://{addr}{path}").parse().unwrap();
    req
}

/// The builder with the bundled roots (so the tests do not depend on the machine's CA store
/// when `native-roots` is on).
fn builder() -> cos_transport::HyperTransportBuilder {
    HyperTransport::builder().tls_roots(cos_transport::TlsRoots::WebPki)
}

fn transport() -> HyperTransport {
    builder().build().unwrap()
}

#[tokio::test]
async fn keep_alive_reuses_few_connections_for_many_requests() {
    let (addr, accepted) = serve(|req: http::Request<Incoming>| async move {
        let body = req.into_body().collect().await.unwrap().to_bytes();
        http::Response::new(full(format!("got {}", body.len())))
    })
    .await;
    let t = transport();
    // sequential: one connection
    for i in 0..50 {
        let mut req = get(addr, "/seq");
        *req.method_mut() = http::Method::PUT;
        *req.body_mut() = Body::from(vec![1u8; i]);
        let resp = t.send(req).await.unwrap();
        let body = resp.into_body().collect_limited(100).await.unwrap();
        assert_eq!(body, format!("got {i}"));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    // concurrent: at most one connection per request in flight, reused across rounds
    for _ in 0..10 {
        let rounds: Vec<_> = (0..8)
            .map(|_| {
                let t = t.clone();
                tokio::spawn(async move {
                    let resp = t.send(get(addr, "/par")).await.unwrap();
                    resp.into_body().collect_limited(100).await.unwrap()
                })
            })
            .collect();
        for r in rounds {
            assert_eq!(r.await.unwrap(), "got 0");
        }
    }
    let connections = accepted.load(Ordering::SeqCst);
    assert!(
        connections <= 9,
        "130 requests opened {connections} connections"
    );
}

#[tokio::test]
async fn http2_multiplexes_concurrent_requests_on_one_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let service = service_fn(|req: http::Request<Incoming>| async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let version = format!("{:?}", req.version());
                    Ok::<_, Infallible>(http::Response::new(full(version)))
                });
                let _ =
                    hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
            });
        }
    });
    let t = builder()
        .http_version(HttpVersion::Http2Only)
        .build()
        .unwrap();
    // one request first so the connection exists, then a burst shares it
    let first = t.send(get(addr, "/")).await.unwrap();
    assert_eq!(
        first.into_body().collect_limited(64).await.unwrap(),
        "HTTP/2.0"
    );
    let burst: Vec<_> = (0..20)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move {
                let r = t.send(get(addr, "/")).await.unwrap();
                r.into_body().collect_limited(64).await.unwrap()
            })
        })
        .collect();
    for r in burst {
        assert_eq!(r.await.unwrap(), "HTTP/2.0");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn response_header_timeout_fires_after_the_body_is_sent() {
    let (addr, _) = serve(|_req| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        http::Response::new(full("late"))
    })
    .await;
    let t = builder()
        .response_header_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = t.send(get(addr, "/slow")).await.unwrap_err();
    assert_eq!(
        err.kind(),
        TransportErrorKind::Timeout(TimeoutKind::ResponseHeaders)
    );
    assert_eq!(err.state(), RequestState::MaybeSent);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn response_body_idle_timeout_fires_when_the_body_stalls() {
    let (addr, _) = serve(|_req| async {
        let frames = futures_util::stream::unfold(0u32, |n| async move {
            match n {
                0 => Some((
                    Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"first"))),
                    1,
                )),
                _ => {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    None
                }
            }
        });
        http::Response::new(BodyExt::boxed_unsync(StreamBody::new(frames)))
    })
    .await;
    let t = builder()
        .response_body_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let resp = t.send(get(addr, "/stall")).await.unwrap();
    let mut body = resp.into_body();
    assert_eq!(body.chunk().await.unwrap().unwrap(), "first");
    let start = Instant::now();
    let err = body.chunk().await.unwrap().unwrap_err();
    assert_eq!(
        err.kind(),
        TransportErrorKind::Timeout(TimeoutKind::ResponseBodyIdle)
    );
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(body.chunk().await.is_none(), "a failed body ends");
}

#[tokio::test]
async fn request_body_idle_timeout_fires_when_the_server_stops_reading() {
    // a server that accepts and never reads: the socket buffers fill, the body stalls
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (hold_tx, mut hold_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = hold_tx.send(stream);
        }
    });
    let t = builder()
        .request_body_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut req = get(addr, "/upload");
    *req.method_mut() = http::Method::PUT;
    let sent = SentCounter::new();
    *req.body_mut() =
        Body::from(Bytes::from(vec![0u8; 64 * 1024 * 1024])).with_observer(Arc::new(sent.clone()));
    let start = Instant::now();
    let err = t.send(req).await.unwrap_err();
    assert_eq!(
        err.kind(),
        TransportErrorKind::Timeout(TimeoutKind::RequestBodyIdle)
    );
    assert!(err.may_have_reached_server());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // some of the body went out before the socket filled up, far from all of it
    assert!(
        sent.get() > 0 && sent.get() < 64 * 1024 * 1024,
        "{}",
        sent.get()
    );
    drop(hold_rx.recv().await);
}

#[tokio::test]
async fn connect_timeout_fires_when_the_listener_backlog_is_full() {
    // a listener that never accepts, with a backlog of one: once the queue is full the kernel
    // drops new SYNs and connecting hangs
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let t = builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = t.send(get(addr, "/")).await.unwrap_err();
    assert_eq!(
        err.kind(),
        TransportErrorKind::Timeout(TimeoutKind::Connect),
        "{err}"
    );
    assert_eq!(err.state(), RequestState::NotSent);
    assert!(start.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = transport().send(get(addr, "/")).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err}");
    assert!(!err.may_have_reached_server());
}

#[tokio::test]
async fn response_bodies_stream_as_they_arrive() {
    let finished = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&finished);
    let (addr, _) = serve(move |_req| {
        let done = Arc::clone(&done);
        async move {
            let frames = futures_util::stream::unfold(0u32, move |n| {
                let done = Arc::clone(&done);
                async move {
                    if n == 6 {
                        done.store(true, Ordering::SeqCst);
                        return None;
                    }
                    if n > 0 {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    let chunk = Bytes::from(format!("chunk{n};"));
                    Some((Ok::<_, Infallible>(Frame::data(chunk)), n + 1))
                }
            });
            http::Response::new(BodyExt::boxed_unsync(StreamBody::new(frames)))
        }
    })
    .await;
    // the idle timeout is longer than a gap but shorter than the whole body
    let t = builder()
        .response_body_idle_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let resp = t.send(get(addr, "/stream")).await.unwrap();
    let mut stream = Box::pin(resp.into_body().into_stream());
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first, "chunk0;");
    assert!(
        !finished.load(Ordering::SeqCst),
        "the first chunk came before the last was sent"
    );
    let mut rest = Vec::new();
    while let Some(chunk) = stream.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(rest, b"chunk1;chunk2;chunk3;chunk4;chunk5;");
    assert!(finished.load(Ordering::SeqCst));
}

#[tokio::test]
async fn client_over_hyper_uploads_with_progress() {
    let received = Arc::new(AtomicU64::new(0));
    let got = Arc::clone(&received);
    let (addr, accepted) = serve(move |req: http::Request<Incoming>| {
        let got = Arc::clone(&got);
        async move {
            let auth_ok = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.starts_with("q-sign-algorithm=sha1&q-ak=AKID"));
            let mut body = req.into_body();
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    got.fetch_add(data.len() as u64, Ordering::SeqCst);
                }
            }
            let mut resp = http::Response::new(full(""));
            if auth_ok {
                resp.headers_mut().insert(
                    "etag",
                    http::HeaderValue::from_static("\"0123456789abcdef0123456789abcdef\""),
                );
            } else {
                *resp.status_mut() = http::StatusCode::FORBIDDEN;
            }
            resp
        }
    })
    .await;
    let client =
        Client::builder(cos_model::Endpoint::path_style(&format!("http://{addr}")).unwrap())
            .bucket(common::bucket())
            .credentials(StaticCredentials::from_keys(
                common::SECRET_ID,
                common::SECRET_KEY,
            ))
            .transport(transport())
            .build()
            .unwrap();
    let counter = SentCounter::new();
    let data = Bytes::from(vec![42u8; 4 * 1024 * 1024]);
    for _ in 0..3 {
        client
            .execute_with(
                &cos_model::ops::PutObject::new(common::key("big.bin"), data.clone()),
                &RequestOptions::new().body_observer(Arc::new(counter.clone())),
            )
            .await
            .unwrap();
    }
    assert_eq!(counter.get(), 3 * 4 * 1024 * 1024);
    assert_eq!(received.load(Ordering::SeqCst), 3 * 4 * 1024 * 1024);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

const VHOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

/// A server that answers `<name> host=<Host header> target=<request target>`.
async fn serve_named(name: &'static str) -> SocketAddr {
    let (addr, _) = serve(move |req: http::Request<Incoming>| async move {
        let host = req
            .headers()
            .get(http::header::HOST)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        http::Response::new(full(format!("{name} host={host} target={}", req.uri())))
    })
    .await;
    addr
}

async fn answer(t: &HyperTransport, uri: &str) -> String {
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = uri.parse().unwrap();
    let resp = t.send(req).await.unwrap();
    let body = resp.into_body().collect_limited(1000).await.unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn resolve_sends_a_virtual_host_to_loopback_with_its_host_header() {
    let addr = serve_named("server").await;
    let pinned = SocketAddr::from(([127, 0, 0, 1], addr.port()));
    let t = builder().resolve(VHOST, pinned).build().unwrap();
    let port = addr.port();
    // the URI names the server's port: the Host header carries it, as on the wire to COS
    assert_eq!(
        answer(&t, &format!("http://{VHOST}:{port}/")).await,
        format!("server host={VHOST}:{port} target=/")
    );
    // no port in the URI (80): the pinned address's port is used, Host stays bare
    assert_eq!(
        answer(&t, &format!("http://{VHOST}/a%20b?uploads")).await,
        format!("server host={VHOST} target=/a%20b?uploads")
    );
    // the rule ignores case
    let t = builder()
        .resolve(VHOST.to_uppercase(), pinned)
        .build()
        .unwrap();
    assert_eq!(
        answer(&t, &format!("http://{VHOST}/k")).await,
        format!("server host={VHOST} target=/k")
    );
    assert_eq!(
        t.pinned_addr(&format!("http://{VHOST}/").parse().unwrap()),
        Some(pinned)
    );
    assert!(format!("{t:?}").contains(&pinned.to_string()));
}

#[tokio::test]
async fn resolve_leaves_other_hosts_alone_and_connect_to_takes_every_host() {
    let a = serve_named("a").await;
    let b = serve_named("b").await;
    // a rule for another host does not touch this request
    let t = builder().resolve("a.example", a).build().unwrap();
    assert_eq!(
        answer(&t, &format!("http://127.0.0.1:{}/x", b.port())).await,
        format!("b host=127.0.0.1:{} target=/x", b.port())
    );
    assert_eq!(
        answer(&t, "http://a.example/y").await,
        "a host=a.example target=/y"
    );
    // connect_to: every host, IP literals included, except hosts with their own rule
    let t = builder()
        .connect_to(a)
        .resolve("b.example", b)
        .build()
        .unwrap();
    assert_eq!(
        answer(&t, &format!("http://127.0.0.1:{}/x", b.port())).await,
        format!("a host=127.0.0.1:{} target=/x", b.port())
    );
    assert_eq!(
        answer(&t, "http://service.cos.myqcloud.com/").await,
        "a host=service.cos.myqcloud.com target=/"
    );
    assert_eq!(
        answer(&t, "http://b.example/z").await,
        "b host=b.example target=/z"
    );
}

#[tokio::test]
async fn a_refused_pinned_address_is_a_connect_error_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let t = builder().resolve(VHOST, closed).build().unwrap();
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = format!("http://{VHOST}/").parse().unwrap();
    let err = t.send(req).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err}");
    assert!(!err.may_have_reached_server());
}

#[tokio::test]
async fn resolve_keeps_the_tls_server_name() {
    // a TCP listener that reads the TLS ClientHello (SNI travels in clear) and hangs up
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hello = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while seen.len() < 16 * 1024 && !contains(&seen, VHOST.as_bytes()) {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        seen
    });
    let t = builder().resolve(VHOST, addr).build().unwrap();
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = format!("https://{VHOST}/k").parse().unwrap();
    let err = t.send(req).await.unwrap_err();
    let seen = hello.await.unwrap();
    // a TLS handshake record (0x16) whose ClientHello names the virtual host, not 127.0.0.1
    assert_eq!(seen.first(), Some(&0x16), "{seen:?}");
    assert!(contains(&seen, VHOST.as_bytes()), "SNI missing: {seen:?}");
    assert!(!contains(&seen, b"127.0.0.1"));
    assert!(
        matches!(
            err.kind(),
            TransportErrorKind::Connect | TransportErrorKind::Tls | TransportErrorKind::Io
        ),
        "{err}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn resolve_refuses_a_host_with_a_port() {
    let err = builder()
        .resolve(format!("{VHOST}:80"), "127.0.0.1:1".parse().unwrap())
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, cos_transport::HyperBuildError::InvalidResolveHost(h) if h.ends_with(":80")),
        "{err}"
    );
}
