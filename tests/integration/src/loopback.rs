//! Pinning: every connection goes to one socket address while requests keep their URI and
//! `Host` header — what the Node SDK's `Ip` option does. It lets the Client use COS's real
//! virtual-host addressing (`<bucket>.cos.<region>.myqcloud.com`, signed as such) against an
//! emulator on `127.0.0.1:PORT`, or against one COS IP (`COS_IP`).
//!
//! cos-transport does the pinning in its connector ([`HyperTransportBuilder::connect_to`]); this
//! module builds the suite's transports with it.
//!
//! [`HyperTransportBuilder::connect_to`]: cos_transport::HyperTransportBuilder::connect_to

use std::net::SocketAddr;

use cos_transport::{HyperBuildError, HyperTransport};

/// A `HyperTransport`; with `pin`, every connection is opened to that address, whatever the
/// request's host, and the request's URI and `Host` header are sent as they are.
pub fn pinned_transport(pin: Option<SocketAddr>) -> Result<HyperTransport, HyperBuildError> {
    let builder = HyperTransport::builder();
    let builder = match pin {
        Some(addr) => builder.connect_to(addr),
        None => builder,
    };
    builder.build()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use cos_transport::{Body, Transport};
    use http::header::HOST;

    /// An HTTP/1.1 server on a loopback port (its own thread, blocking IO) that answers every
    /// request with the request's head (request line and headers) as the body.
    fn echo_head_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
                    head.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        addr
    }

    async fn head_seen(pin: SocketAddr, request: http::Request<Body>) -> String {
        let transport = pinned_transport(Some(pin)).unwrap();
        let response = transport.send(request).await.unwrap();
        let body = response
            .into_body()
            .collect_limited(64 * 1024)
            .await
            .unwrap();
        String::from_utf8(body.to_vec())
            .unwrap()
            .to_ascii_lowercase()
    }

    #[tokio::test]
    async fn keeps_host_and_path() {
        let pin = echo_head_server();
        let request = http::Request::builder()
            .uri("http://b-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b?uploads")
            .header(HOST, "b-1250000000.cos.ap-guangzhou.myqcloud.com")
            .body(Body::empty())
            .unwrap();
        let head = head_seen(pin, request).await;
        assert!(
            head.starts_with("get /a%20b?uploads http/1.1\r\n"),
            "{head}"
        );
        assert_eq!(
            head.matches("\r\nhost: ").count(),
            1,
            "one Host header: {head}"
        );
        assert!(
            head.contains("\r\nhost: b-1250000000.cos.ap-guangzhou.myqcloud.com\r\n"),
            "{head}"
        );
    }

    #[tokio::test]
    async fn sets_host_from_the_uri_when_missing() {
        let pin = echo_head_server();
        let request = http::Request::builder()
            .uri("http://b-1250000000.cos.ap-guangzhou.myqcloud.com/k")
            .body(Body::empty())
            .unwrap();
        let head = head_seen(pin, request).await;
        assert!(head.starts_with("get /k http/1.1\r\n"), "{head}");
        assert!(
            head.contains("\r\nhost: b-1250000000.cos.ap-guangzhou.myqcloud.com\r\n"),
            "{head}"
        );
    }

    #[test]
    fn without_a_pin_nothing_is_redirected() {
        let transport = pinned_transport(None).unwrap();
        let uri = "http://b-1250000000.cos.ap-guangzhou.myqcloud.com/k"
            .parse()
            .unwrap();
        assert_eq!(transport.pinned_addr(&uri), None);
        let pin: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(
            pinned_transport(Some(pin)).unwrap().pinned_addr(&uri),
            Some(pin)
        );
    }
}
