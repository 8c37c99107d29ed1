//! Cross-origin access to the STS listener: a page on an origin given with `--allow-origin`
//! may call it from script (its preflight is answered, its answers carry
//! `Access-Control-Allow-Origin`); any other origin gets a 403 preflight and answers without
//! CORS headers, so the browser keeps them from the page. Origins compare exactly.

use crate::reply::{ResBody, empty, set};
use crate::shared::Shared;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves one request of the STS listener with the CORS of the allowed origins around it.
pub async fn handle(
    sh: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<ResBody>, std::convert::Infallible> {
    let allowed = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| sh.allowed_origins.iter().any(|a| a == o))
        .map(str::to_string);
    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if is_preflight {
        let Some(origin) = allowed else {
            return Ok(empty(StatusCode::FORBIDDEN));
        };
        let mut r = empty(StatusCode::NO_CONTENT);
        let requested = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned();
        set(&mut r, header::ACCESS_CONTROL_ALLOW_ORIGIN, &origin);
        set(&mut r, header::ACCESS_CONTROL_ALLOW_METHODS, "POST");
        if let Some(h) = requested {
            r.headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_HEADERS, h);
        }
        set(&mut r, header::ACCESS_CONTROL_MAX_AGE, "600");
        set(&mut r, header::VARY, "Origin");
        return Ok(r);
    }
    let mut r = crate::sts_api::handle(sh, peer, req).await?;
    if let Some(origin) = allowed {
        set(&mut r, header::ACCESS_CONTROL_ALLOW_ORIGIN, &origin);
        r.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(r)
}
