//! What a user reads when an operation fails, pinned for six kinds of failure over the real
//! `HyperTransport` against loopback servers: a COS error, a refused connection, TLS spoken to
//! a plain-HTTP port, a server that never answers, a 200 carrying an HTML page and a 200
//! carrying an `<Error>` document. Each text names the method and URL once, what COS or the
//! OS said once, and how many sends it took; and the number of sends is the client's policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cos_model::ops::{CompleteMultipartUpload, CompletedParts, PutObject};
use cos_model::{BucketName, ETag, Endpoint, PartNumber, UploadId};
use cos_transport::{Client, ErrorKind, HyperTransport, StaticCredentials, TransportErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::{fast_retry, key};

/// A server that answers every request on 127.0.0.1 with `response` (or never, for `None`),
/// counting the requests whose head it read.
async fn canned(response: Option<String>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, response.clone(), count.clone()));
        }
    });
    (addr, requests)
}

async fn answer(mut stream: TcpStream, response: Option<String>, requests: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        // read one head and its Content-Length body
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            // not HTTP (a TLS ClientHello starts with 0x16): answer at once, as HTTP servers
            // answer garbage with a 400
            if buf.first() == Some(&0x16) {
                if let Some(r) = &response {
                    let _ = stream.write_all(r.as_bytes()).await;
                }
                return;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        requests.fetch_add(1, Ordering::SeqCst);
        match &response {
            Some(r) => {
                if stream.write_all(r.as_bytes()).await.is_err() {
                    return;
                }
            }
            None => std::future::pending::<()>().await,
        }
    }
}

fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

fn cos_error_body(code: &str, message: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <Resource>/videos/a.mp4</Resource><RequestId>NjQ1</RequestId></Error>"
    )
}

fn client(base: &str, header_timeout: Duration) -> Client {
    let transport = HyperTransport::builder()
        .response_header_timeout(header_timeout)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    Client::builder(Endpoint::path_style(base).unwrap())
        .bucket(BucketName::new("examplebucket-1250000000").unwrap())
        .credentials(StaticCredentials::from_keys("AKIDexample", "secret"))
        .transport(transport)
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn put() -> PutObject {
    PutObject::new(key("videos/a.mp4"), "0123456789")
}

#[tokio::test]
async fn a_cos_error_names_the_url_status_code_message_and_request_id_once() {
    let body = cos_error_body(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    );
    let (addr, requests) = canned(Some(http_response(
        "403 Forbidden",
        &[
            ("content-type", "application/xml"),
            ("x-cos-request-id", "NjQ1"),
        ],
        &body,
    )))
    .await;
    let err = client(&format!("http://{addr}"), Duration::from_secs(5))
        .execute(&put())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "PUT http://{addr}/examplebucket-1250000000/videos/a.mp4: 403 SignatureDoesNotMatch: \
             The request signature we calculated does not match the signature you provided. \
             (request id NjQ1)"
        )
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1, "a 403 is final");
}

#[tokio::test]
async fn a_refused_connection_names_the_address_and_the_os_reason() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = client(&format!("http://{addr}"), Duration::from_secs(5))
        .execute(&put())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "PUT http://{addr}/examplebucket-1250000000/videos/a.mp4: could not connect to \
             {addr}: Connection refused (os error 111), 4 attempts"
        )
    );
    assert_eq!(err.transport().unwrap().kind(), TransportErrorKind::Connect);
}

#[tokio::test]
async fn tls_spoken_to_a_plain_http_port_says_so() {
    let (addr, _) = canned(Some(http_response("400 Bad Request", &[], "plain"))).await;
    let err = client(&format!("https://{addr}"), Duration::from_secs(5))
        .execute(&put())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "PUT https://{addr}/examplebucket-1250000000/videos/a.mp4: TLS failed with {addr}: \
             received corrupt message of type InvalidContentType"
        )
    );
    assert_eq!(err.attempts(), 1, "a TLS failure is not retried");
}

#[tokio::test]
async fn a_server_that_never_answers_is_reported_after_attempts_times_the_timeout() {
    let (addr, requests) = canned(None).await;
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = client(&format!("http://{addr}"), timeout)
        .execute(&put())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        err.to_string(),
        format!(
            "PUT http://{addr}/examplebucket-1250000000/videos/a.mp4: no response from {addr} \
             within 300 ms, 4 attempts"
        )
    );
    assert_eq!(requests.load(Ordering::SeqCst), 4);
    // 4 × 300 ms plus the (10–100 ms) backoffs; never the 16 sends of stacked retries
    assert!(took >= timeout * 4, "{took:?}");
    assert!(took < timeout * 4 + Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_200_html_page_says_what_the_body_was() {
    let page = "<!DOCTYPE html>\n<html><head><title>Wi-Fi login</title></head>\n<body>Sign in to continue</body></html>";
    let (addr, requests) = canned(Some(http_response(
        "200 OK",
        &[("content-type", "text/html")],
        page,
    )))
    .await;
    let err = client(&format!("http://{addr}"), Duration::from_secs(5))
        .execute(&put())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "PUT http://{addr}/examplebucket-1250000000/videos/a.mp4: cannot decode the response \
             body (HTTP 200): an HTML page of {} bytes where COS sends no body: \"<!DOCTYPE html> \
             <html><head><title>Wi-Fi login</title></head> <body>Sign in to continue</body></html\", 4 attempts",
            page.len()
        )
    );
    assert!(matches!(err.kind(), ErrorKind::Response(_)));
    assert_eq!(requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_200_error_document_on_complete_is_cos_error_sent_at_most_four_times() {
    let body = cos_error_body(
        "InternalError",
        "We encountered an internal error. Please try again.",
    );
    let (addr, requests) = canned(Some(http_response(
        "200 OK",
        &[
            ("content-type", "application/xml"),
            ("x-cos-request-id", "NjQ1"),
        ],
        &body,
    )))
    .await;
    let mut parts = CompletedParts::new();
    parts.insert(PartNumber::new(1).unwrap(), ETag::new("\"abc\""));
    let op =
        CompleteMultipartUpload::new(key("videos/a.mp4"), UploadId::new("1700-u").unwrap(), parts);
    let err = client(&format!("http://{addr}"), Duration::from_secs(5))
        .execute(&op)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "POST http://{addr}/examplebucket-1250000000/videos/a.mp4?uploadId=1700-u: 200 \
             InternalError: We encountered an internal error. Please try again. (request id NjQ1), \
             4 attempts"
        )
    );
    assert_eq!(requests.load(Ordering::SeqCst), 4);
}
