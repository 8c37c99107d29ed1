//! [`Pinned`]: a transport decorator that sends every request to one socket address while
//! keeping its `Host` header — what the Node SDK's `Ip` option does. It lets the Client use
//! COS's real virtual-host addressing (`<bucket>.cos.<region>.myqcloud.com`, signed as such)
//! against an emulator on `127.0.0.1:PORT`.

use std::net::SocketAddr;

use cos_transport::{
    Body, RequestState, Transport, TransportError, TransportErrorKind, TransportResult,
};
use http::header::HOST;

/// Sends requests to `addr` (plain HTTP), leaving `Host` as the request built it.
#[derive(Debug, Clone)]
pub struct Pinned<T> {
    inner: T,
    addr: SocketAddr,
}

impl<T> Pinned<T> {
    /// Pins `inner`'s requests to `addr`.
    pub fn new(inner: T, addr: SocketAddr) -> Self {
        Self { inner, addr }
    }
}

/// Rewrites `request`'s URI authority to `addr` (scheme `http`), setting `Host` from the
/// original authority when the request had none.
pub fn pin_request<B>(request: &mut http::Request<B>, addr: SocketAddr) -> Result<(), String> {
    let uri = request.uri().clone();
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{uri} has no authority to pin"))?
        .clone();
    if !request.headers().contains_key(HOST) {
        let host = http::HeaderValue::from_str(authority.as_str())
            .map_err(|e| format!("{authority} cannot be a Host header: {e}"))?;
        request.headers_mut().insert(HOST, host);
    }
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let pinned = format!("http://{}{}", addr, path_and_query)
        .parse()
        .map_err(|e| format!("cannot pin {uri} to {addr}: {e}"))?;
    *request.uri_mut() = pinned;
    Ok(())
}

impl<T: Transport> Transport for Pinned<T> {
    async fn send(&self, mut request: http::Request<Body>) -> TransportResult {
        pin_request(&mut request, self.addr).map_err(|message| {
            TransportError::new(TransportErrorKind::Other, RequestState::NotSent)
                .with_message(message)
        })?;
        self.inner.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_host_and_path() {
        let mut request = http::Request::builder()
            .uri("http://b-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b?uploads")
            .header(HOST, "b-1250000000.cos.ap-guangzhou.myqcloud.com")
            .body(())
            .unwrap();
        pin_request(&mut request, "127.0.0.1:9000".parse().unwrap()).unwrap();
        assert_eq!(
            request.uri().to_string(),
            "http://127.0.0.1:9000/a%20b?uploads"
        );
        assert_eq!(
            request.headers()[HOST],
            "b-1250000000.cos.ap-guangzhou.myqcloud.com"
        );
    }

    #[test]
    fn sets_host_from_the_uri_when_missing() {
        let mut request = http::Request::builder()
            .uri("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/k")
            .body(())
            .unwrap();
        pin_request(&mut request, "127.0.0.1:1".parse().unwrap()).unwrap();
        assert_eq!(request.uri().to_string(), "http://127.0.0.1:1/k");
        assert_eq!(
            request.headers()[HOST],
            "b-1250000000.cos.ap-guangzhou.myqcloud.com"
        );
    }
}
