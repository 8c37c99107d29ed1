//! Pre-signed URLs made by the Client and sent by a plain HTTP client: PUT then GET of an
//! awkward key, a tampered signature (SignatureDoesNotMatch), a URL used with another method,
//! and an expired URL (AccessDenied).

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{GetObject, HeadObject, PutObject};
use cos_transport::{PresignedRequest, StaticCredentials};
use std::time::Duration;

use crate::checks::{expect_plain_error, expect_plain_success};
use crate::clock::OffsetClock;
use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

async fn send(
    ctx: &Context,
    presigned: &PresignedRequest,
    method: http::Method,
    url: &str,
    body: Bytes,
) -> Result<crate::plain_http::PlainResponse, SuiteError> {
    ctx.plain()
        .send(method, url, &presigned.headers, body)
        .await
}

/// PUT through a pre-signed URL, then GET through another; both on a key with a space, `+`,
/// `%` and unicode.
pub async fn presigned_put_and_get(ctx: &Context) -> Outcome {
    let key = ctx.key("presigned/a b+c%d/ü.bin")?;
    let body = data::body(20_000, 41);
    let put = ctx
        .client()
        .presign(
            &PutObject::new(key.clone(), Bytes::new()),
            Duration::from_secs(600),
        )
        .await
        .context("presign PutObject")?;
    ensure_eq!(put.method, http::Method::PUT, "pre-signed PutObject method");
    ensure!(
        put.url.contains("q-signature="),
        "pre-signed URL without q-signature: {}",
        put.url
    );
    let response = send(ctx, &put, http::Method::PUT, &put.url, body.clone()).await?;
    expect_plain_success(&response, "PUT through the pre-signed URL")?;
    ensure_eq!(
        response.header("etag"),
        Some(data::etag_of(&body).quoted().as_str()),
        "ETag of the pre-signed PUT"
    );
    let head = ctx
        .client()
        .execute(&HeadObject::new(key.clone()))
        .await
        .context("HeadObject")?;
    ensure_eq!(
        head.content_length,
        Some(body.len() as u64),
        "length stored by the pre-signed PUT"
    );

    let get = ctx
        .client()
        .presign(&GetObject::new(key.clone()), Duration::from_secs(600))
        .await
        .context("presign GetObject")?;
    let response = send(ctx, &get, http::Method::GET, &get.url, Bytes::new()).await?;
    expect_plain_success(&response, "GET through the pre-signed URL")?;
    ensure!(response.body == body, "pre-signed GET body differs");

    // The GET URL used for a DELETE, and the GET URL with its signature altered.
    let response = send(ctx, &get, http::Method::DELETE, &get.url, Bytes::new()).await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::SignatureDoesNotMatch,
        "the GET URL used for DELETE",
    )?;
    let tampered = tamper(&get.url)?;
    let response = send(ctx, &get, http::Method::GET, &tampered, Bytes::new()).await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::SignatureDoesNotMatch,
        "the GET URL with another q-signature",
    )?;
    let still = ctx
        .client()
        .execute(&GetObject::new(key))
        .await
        .context("GetObject after the refusals")?;
    ensure!(
        still.body == body,
        "the object changed after refused requests"
    );
    Ok(())
}

/// A URL whose window has passed: 403 AccessDenied (expired). Signed by a client whose clock
/// is an hour behind, so its 10-minute window ended 50 minutes ago.
pub async fn presigned_url_expired(ctx: &Context) -> Outcome {
    let key = ctx.key("presigned/expired.txt")?;
    ctx.client()
        .execute(&PutObject::new(key.clone(), "old"))
        .await
        .context("PutObject")?;
    let late = ctx
        .client_builder()
        .credentials(StaticCredentials::new(ctx.credentials().clone()))
        .clock(OffsetClock::new(-3600))
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let get = late
        .presign(&GetObject::new(key), Duration::from_secs(600))
        .await
        .context("presign GetObject an hour ago")?;
    ensure!(
        get.key_time.end + 600 < ctx.server_now(),
        "the URL's window {}..{} has not passed (server now {})",
        get.key_time.start,
        get.key_time.end,
        ctx.server_now()
    );
    let response = send(ctx, &get, http::Method::GET, &get.url, Bytes::new()).await?;
    let error = expect_plain_error(
        &response,
        403,
        ErrorCode::AccessDenied,
        "GET through an expired URL",
    )?;
    ensure!(
        error.message.to_ascii_lowercase().contains("expired"),
        "AccessDenied for an expired URL says {:?}",
        error.message
    );
    Ok(())
}

/// Flips the first hex digit of `q-signature`.
fn tamper(url: &str) -> Result<String, SuiteError> {
    let at = url
        .find("q-signature=")
        .ok_or_else(|| SuiteError::check(format!("no q-signature in {url}")))?
        + "q-signature=".len();
    let mut out = url.to_owned();
    let digit = out.as_bytes().get(at).copied().unwrap_or(b'0');
    let replacement = if digit == b'0' { "1" } else { "0" };
    out.replace_range(at..at + 1, replacement);
    Ok(out)
}
