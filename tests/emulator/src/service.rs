//! One request from arrival to answer: request id, addressing, the operation, faults,
//! authentication, the handler, the bucket's CORS (preflights answered from it, its headers
//! added to other answers), and the headers every answer carries (`x-cos-request-id`,
//! `Date` on the server's clock, `Server: tencent-cos`). Errors become COS `<Error>` documents
//! (no body for HEAD); a request body left unread is drained so the connection stays usable.

use crate::addressing::{AddressError, resolve};
use crate::auth;
use crate::error::{CosError, ErrorCode};
use crate::ingest::{BodyReadError, BodyStream, drain};
use crate::operation::Operation;
use crate::ops::{self, Ctx, Failure, classify, content_length};
use crate::query::Query;
use crate::reply::{BodyError, Reply, ResBody, error_document, set, xml};
use crate::shared::Shared;
use bytes::Bytes;
use futures_util::StreamExt;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body::Body as _;
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use std::net::SocketAddr;
use std::sync::Arc;

/// How much of an unread request body is drained before an error answer (beyond it the
/// connection is closed instead).
pub const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

/// The connection is dropped without an answer (a `reset` fault, or the client broke off).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped")]
pub struct Dropped;

/// A hyper request body as a [`BodyStream`].
pub fn body_stream(b: Incoming) -> BodyStream {
    http_body_util::BodyStream::new(b)
        .filter_map(|r| async move {
            match r {
                Ok(frame) => frame.into_data().ok().map(Ok),
                Err(e) => Some(Err(BodyReadError(e.to_string()))),
            }
        })
        .boxed()
}

/// Serves one request.
pub async fn handle(
    sh: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Reply, Dropped> {
    let request_id = sh.request_id();
    let (parts, incoming) = req.into_parts();
    let mut body = body_stream(incoming);
    let head = parts.method == Method::HEAD;
    let host = host_of(&parts).unwrap_or_default();
    let resource = format!("{host}{}", parts.uri.path());
    // A preflight is answered from the bucket's CORS rules alone, before any signature check.
    let preflight = parts.method == Method::OPTIONS;
    let result = if preflight {
        ops::cors::preflight(&sh, &parts)
            .map(|r| (r, false, None))
            .map_err(|e| (e.into(), None))
    } else {
        serve(&sh, peer, &parts, &mut body, &request_id).await
    };
    let (mut reply, reset_response, op) = match result {
        Ok(x) => x,
        Err((Failure::Drop, op)) => {
            tracing::info!(%request_id, method = %parts.method, uri = %parts.uri, ?op, "connection dropped");
            return Err(Dropped);
        }
        Err((Failure::Cos(e), op)) => {
            let drained = drain(&mut body, DRAIN_LIMIT).await;
            let trace_id = sh.trace_id();
            let mut r = if head {
                let mut r = crate::reply::empty(e.status());
                set(&mut r, header::CONTENT_TYPE, "application/xml");
                r
            } else {
                let mut r = xml(
                    e.status(),
                    error_document(&e, &resource, &request_id, &trace_id),
                );
                *r.status_mut() = e.status();
                r
            };
            set(&mut r, HeaderName::from_static("x-cos-trace-id"), &trace_id);
            if !drained {
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            tracing::info!(%request_id, method = %parts.method, uri = %parts.uri, ?op, code = %e.code, message = %e.message, "error");
            (r, false, op)
        }
    };
    if !preflight {
        ops::cors::decorate(&sh, &parts, &mut reply);
    }
    set(
        &mut reply,
        HeaderName::from_static("x-cos-request-id"),
        &request_id,
    );
    set(&mut reply, header::DATE, &sh.now().http_date());
    set(&mut reply, header::SERVER, "tencent-cos");
    tracing::debug!(%request_id, method = %parts.method, uri = %parts.uri, ?op, status = %reply.status(), "answered");
    if reset_response {
        let size = reply.body().size_hint().exact().or_else(|| {
            reply
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok())
        });
        if size == Some(0) || head {
            tracing::info!(%request_id, "fault: dropping the connection instead of answering");
            return Err(Dropped);
        }
        tracing::info!(%request_id, "fault: dropping the connection mid-response");
        let limit = size.map_or(1, |s| (s / 2).max(1));
        let (p, b) = reply.into_parts();
        return Ok(Reply::from_parts(p, cut_after(b, limit)));
    }
    Ok(reply)
}

fn host_of(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
}

type Served = Result<(Reply, bool, Option<Operation>), (Failure, Option<Operation>)>;

async fn serve(
    sh: &Arc<Shared>,
    peer: SocketAddr,
    parts: &Parts,
    body: &mut BodyStream,
    request_id: &str,
) -> Served {
    let now = sh.now();
    let host = host_of(parts);
    let target = resolve(
        host.as_deref(),
        parts.uri.path(),
        sh.pinned_region.as_deref(),
    )
    .map_err(|e| (address_error(e).into(), None))?;
    let query = Query::parse(parts.uri.query())
        .ok_or_else(|| (CosError::new(ErrorCode::InvalidURI).into(), None))?;
    let op =
        classify(&parts.method, &target, &query, &parts.headers).map_err(|e| (e.into(), None))?;
    let fail = |f: Failure| (f, Some(op));
    let identity = format!(
        "{}/{}?{}",
        target.bucket.as_deref().unwrap_or(""),
        target.key.as_deref().unwrap_or(""),
        query.get("partNumber").unwrap_or("")
    );
    let plan = if op == Operation::Sts {
        Default::default()
    } else {
        sh.draw_faults(op, &identity)
    };
    if let Some(d) = plan.delay
        && op != Operation::CompleteMultipartUpload
    {
        tracing::info!(%request_id, ms = d.as_millis() as u64, "fault: delay");
        tokio::time::sleep(d).await;
    }
    if plan.reset_request {
        tracing::info!(%request_id, %op, "fault: dropping the connection mid-request-body");
        cut_request(body, content_length(&parts.headers)).await;
        return Err(fail(Failure::Drop));
    }
    let injected = || {
        if plan.server_error {
            CosError::new(ErrorCode::InternalError)
        } else {
            CosError::new(ErrorCode::SlowDown)
        }
    };
    if plan.fails() && !plan.error_in_body {
        tracing::info!(%request_id, %op, "fault: injected error");
        return Err(fail(injected().into()));
    }
    let mut ctx = Ctx {
        sh,
        request_id,
        op,
        method: &parts.method,
        headers: &parts.headers,
        target: &target,
        query: &query,
        now,
        peer,
        plan,
        policy: None,
    };
    if op != Operation::Sts && op != Operation::PostObject {
        ctx.policy = auth::authenticate_request(&ctx).map_err(|e| fail(e.into()))?;
        // From the headers, before the body: PostObject and DeleteMultipleObjects name their
        // keys in it and are checked once those are read.
        if op != Operation::DeleteMultipleObjects {
            crate::policy::authorize(&ctx, ctx.policy.as_ref(), None, &[])
                .map_err(|e| fail(e.into()))?;
        }
    }
    let ctx = ctx;
    if plan.fails() {
        tracing::info!(%request_id, %op, "fault: injected error in a 200 body");
        drain(body, u64::MAX).await;
        let resource = format!("{}{}", host.unwrap_or_default(), parts.uri.path());
        let doc = error_document(&injected(), &resource, request_id, &sh.trace_id());
        return Ok((xml(StatusCode::OK, doc), false, Some(op)));
    }
    let reply = ops::dispatch(&ctx, body).await.map_err(fail)?;
    Ok((reply, plan.reset_response, Some(op)))
}

fn address_error(e: AddressError) -> CosError {
    match e {
        AddressError::MissingHost => {
            CosError::with_message(ErrorCode::InvalidRequest, "Missing Host header.")
        }
        AddressError::BadPath => CosError::new(ErrorCode::InvalidURI),
        AddressError::BadBucket(b) => CosError::with_message(
            ErrorCode::InvalidBucketName,
            format!("The bucket name `{b}` is not <name>-<appid>."),
        ),
        AddressError::BadRegion(r) => CosError::with_message(
            ErrorCode::InvalidRegionName,
            format!("The region `{r}` is not served here."),
        ),
    }
}

/// Reads about half of the body (so the client is mid-upload) before the connection drops.
async fn cut_request(body: &mut BodyStream, declared: Option<u64>) {
    let target = declared.map_or(1, |n| n / 2);
    let mut seen = 0u64;
    while seen < target {
        match body.next().await {
            Some(Ok(c)) => seen += c.len() as u64,
            _ => break,
        }
    }
}

/// A body that breaks off (with an error, so the connection is aborted) after `limit` bytes.
fn cut_after(body: ResBody, limit: u64) -> ResBody {
    let mut sent = 0u64;
    let mut done = false;
    let s = http_body_util::BodyStream::new(body).flat_map(move |r| {
        let items: Vec<Result<Frame<Bytes>, BodyError>> = if done {
            Vec::new()
        } else {
            match r {
                Err(e) => {
                    done = true;
                    vec![Err(e)]
                }
                Ok(frame) => match frame.into_data() {
                    Ok(data) => {
                        let room = limit.saturating_sub(sent);
                        if (data.len() as u64) < room {
                            sent += data.len() as u64;
                            vec![Ok(Frame::data(data))]
                        } else {
                            done = true;
                            let piece = data.slice(..usize::try_from(room).unwrap_or(0));
                            vec![
                                Ok(Frame::data(piece)),
                                Err("fault: connection dropped mid-response".into()),
                            ]
                        }
                    }
                    Err(frame) => vec![Ok(frame)],
                },
            }
        };
        futures_util::stream::iter(items)
    });
    BodyExt::boxed_unsync(http_body_util::StreamBody::new(s.boxed()))
}
