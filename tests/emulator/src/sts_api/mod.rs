//! The emulator's STS API (`--sts-listen`), on a listener of its own because COS's `POST /`
//! is PostObject: `GetFederationToken` and `AssumeRole` signed with TC3-HMAC-SHA256 (JSON body,
//! as Tencent's Cloud API SDKs send) or with signature v1 (a form, as the COS STS SDKs send),
//! made with the `--credential` keys (the account's own), answered in the `{"Response": …}`
//! envelope with Tencent's error codes — always HTTP 200 (shared/spec/sts.md, "Tencent Cloud
//! API 3.0 request signing", "STS actions"). The keys it issues are bound to the policy asked
//! for, which every COS request made with them is checked against.

mod actions;
mod envelope;
mod params;
mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::reply::{ResBody, full};
use crate::shared::Shared;

pub use envelope::StsFailure;

/// The largest request body read (Tencent allows 1 MB with v1 and 10 MB with v3; a policy is
/// a few KB).
const MAX_BODY: usize = 1024 * 1024;

/// Serves one request of the STS API.
pub async fn handle(
    sh: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<ResBody>, std::convert::Infallible> {
    let request_id = uuid_like(&sh.request_id());
    let (parts, body) = req.into_parts();
    let answer = match read_body(body).await {
        Ok(body) => serve(&sh, peer, &parts, &body, &request_id),
        Err(failure) => Err(failure),
    };
    let json = match answer {
        Ok(fields) => envelope::success(fields, &request_id),
        Err(failure) => {
            tracing::info!(%request_id, code = failure.code, message = %failure.message, "STS refused");
            envelope::error(&failure, &request_id)
        }
    };
    let mut r = Response::new(full(json));
    *r.status_mut() = StatusCode::OK;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

/// Tencent's RequestIds are UUIDs; the emulator's request ids are made into that shape.
fn uuid_like(id: &str) -> String {
    let hex: String = id
        .bytes()
        .flat_map(|b| [b >> 4, b & 0xf])
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0'))
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

async fn read_body(body: Incoming) -> Result<Bytes, StsFailure> {
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    limited.collect().await.map(|c| c.to_bytes()).map_err(|_| {
        StsFailure::new(
            "InvalidParameter",
            "The request body is too large or broken.",
        )
    })
}

fn serve(
    sh: &Arc<Shared>,
    peer: SocketAddr,
    parts: &http::request::Parts,
    body: &[u8],
    request_id: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, StsFailure> {
    if parts.method != Method::POST && parts.method != Method::GET {
        return Err(StsFailure::new(
            "UnsupportedProtocol",
            "Only GET and POST are supported.",
        ));
    }
    if parts.uri.path() != "/" {
        return Err(StsFailure::new(
            "InvalidAction",
            "The request path must be /.",
        ));
    }
    let request = params::read(parts, body)?;
    let caller = verify::authenticate(sh, parts, body, &request)?;
    tracing::debug!(%request_id, %peer, action = %request.action, caller = %caller.secret_id, "STS request");
    actions::run(sh, &request, &caller)
}

#[cfg(test)]
mod tests {
    use super::uuid_like;

    #[test]
    fn request_ids_look_like_uuids() {
        let id = uuid_like("NjQ1ZjA4MmFfYWJj");
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
