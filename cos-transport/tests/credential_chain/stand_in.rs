//! Small stand-in servers on 127.0.0.1 for the metadata service and STS: each records what it
//! was asked and answers from a closure the test can change; `set_down` makes it drop every
//! connection (a service that is down), `unused_addr` is a port nobody listens on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

type Answer = dyn Fn(&Seen) -> (u16, String) + Send + Sync;

/// A running stand-in.
#[derive(Clone)]
pub struct StandIn {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<Mutex<Arc<Answer>>>,
    down: Arc<AtomicBool>,
}

impl StandIn {
    pub async fn start(answer: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stand_in = StandIn {
            addr: listener.local_addr().unwrap(),
            seen: Arc::default(),
            answer: Arc::new(Mutex::new(Arc::new(answer))),
            down: Arc::default(),
        };
        let server = stand_in.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                if server.down.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let server = server.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<Incoming>| {
                        let server = server.clone();
                        async move { server.handle(req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        stand_in
    }

    async fn handle(
        &self,
        req: http::Request<Incoming>,
    ) -> Result<http::Response<Full<Bytes>>, std::io::Error> {
        if self.down.load(Ordering::SeqCst) {
            // an error from the service makes hyper drop the connection
            return Err(std::io::Error::other("down"));
        }
        let (head, body) = req.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        let seen = Seen {
            method: head.method.to_string(),
            path: head.uri.path().to_owned(),
            headers: head.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let answer = Arc::clone(&self.answer.lock().unwrap());
        let (status, text) = answer(&seen);
        self.seen.lock().unwrap().push(seen);
        Ok(http::Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(text)))
            .unwrap())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// A loopback address nobody listens on.
pub fn unused_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

pub const ROLE: &str = "cvm-uploader";

/// The metadata service of an instance with `ROLE` bound, issuing keys numbered from 1 that
/// expire at `expires(n)`.
pub async fn metadata(expires: impl Fn(usize) -> u64 + Send + Sync + 'static) -> StandIn {
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    StandIn::start(move |seen| match seen.path.as_str() {
        "/latest/meta-data/cam/security-credentials/" => (200, ROLE.to_owned()),
        p if p == format!("/latest/meta-data/cam/security-credentials/{ROLE}") => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            (200, role_keys(n, expires(n)))
        }
        _ => (404, "not found".into()),
    })
    .await
}

pub fn role_keys(n: usize, expires: u64) -> String {
    serde_json::json!({
        "TmpSecretId": format!("AKIDrole{n}"),
        "TmpSecretKey": format!("role-key-s3cr3t-{n}"),
        "ExpiredTime": expires,
        "Expiration": "2023-11-15T00:00:00Z",
        "Token": format!("role-token-s3cr3t-{n}"),
        "Code": "Success",
    })
    .to_string()
}

/// STS answering every key-issuing action with keys numbered from 1 that expire at
/// `expires(n)`.
pub async fn sts(expires: impl Fn(usize) -> u64 + Send + Sync + 'static) -> StandIn {
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    StandIn::start(move |_| {
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        (200, sts_keys(n, expires(n)))
    })
    .await
}

pub fn sts_keys(n: usize, expires: u64) -> String {
    serde_json::json!({"Response": {
        "Credentials": {
            "TmpSecretId": format!("AKIDsts{n}"),
            "TmpSecretKey": format!("sts-key-s3cr3t-{n}"),
            "Token": format!("sts-token-s3cr3t-{n}"),
        },
        "ExpiredTime": expires,
        "Expiration": "2023-11-15T00:00:00Z",
        "RequestId": format!("req-{n}"),
    }})
    .to_string()
}
