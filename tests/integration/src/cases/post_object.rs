//! POST Object (a browser form upload) with a signed policy, sent as multipart/form-data by a
//! plain HTTP client: accepted within the policy; refused when the key is outside the
//! policy's prefix (AccessDenied), the file is larger than its content-length-range
//! (EntityTooLarge), or the policy has expired (AccessDenied). Refused forms store nothing.

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{GetObject, HeadObject, PostObject, SuccessActionStatus};
use cos_sign::KeyTime;
use cos_sign::post::PostPolicy;
use http::{HeaderMap, HeaderValue, Method};

use crate::checks::{expect_plain_error, expect_plain_success};
use crate::data;
use crate::error::Context as _;
use crate::plain_http::PlainResponse;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// The form boundary the suite's POST bodies use.
pub const BOUNDARY: &str = "----cos-rs-conformance-7d4a1f";

/// A multipart/form-data body: the text fields in order, then the file.
pub fn form_body(fields: &[(String, String)], file_name: &str, file: &[u8]) -> Bytes {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Bytes::from(body)
}

/// The policy every form here is signed with: this bucket, keys under `<prefix>post/`,
/// 1..=1024 bytes, Content-Type text/plain, valid until `expiration`.
fn policy(ctx: &Context, expiration: u64) -> PostPolicy {
    PostPolicy::new(expiration)
        .bucket(ctx.bucket().as_str())
        .key_prefix(ctx.raw_key("post/"))
        .content_length_range(1, 1024)
        .content_type("text/plain")
}

async fn post(
    ctx: &Context,
    policy: &PostPolicy,
    key: &str,
    file: &[u8],
) -> Result<PlainResponse, SuiteError> {
    let now = ctx.server_now();
    let form = policy
        .sign(ctx.credentials(), KeyTime::new(now - 60, now + 600))
        .map_err(|e| SuiteError::setup(format!("signing the policy: {e}")))?;
    let mut fields = vec![("key".to_owned(), key.to_owned())];
    fields.extend(form.fields().iter().cloned());
    let body = form_body(&fields, "upload.txt", file);
    let mut headers = HeaderMap::new();
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
        .map_err(|e| SuiteError::setup(format!("content type: {e}")))?;
    headers.insert(http::header::CONTENT_TYPE, content_type);
    ctx.plain()
        .send(Method::POST, &ctx.url(None)?, &headers, body)
        .await
}

async fn expect_absent(ctx: &Context, key: &str, after: &str) -> Outcome {
    let key = cos_model::ObjectKey::new(key).map_err(|e| SuiteError::setup(format!("key: {e}")))?;
    match ctx.client().execute(&HeadObject::new(key)).await {
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(()),
        Err(e) => Err(SuiteError::check(format!(
            "HeadObject after {after}: {e}, want 404"
        ))),
        Ok(_) => Err(SuiteError::check(format!(
            "{after}: the refused upload was stored"
        ))),
    }
}

/// A form within the policy is stored: 204, ETag, the content and the Content-Type field.
pub async fn post_object_accepted(ctx: &Context) -> Outcome {
    let key = ctx.raw_key("post/form upload+1.txt");
    let file = b"posted from a browser form";
    let response = post(ctx, &policy(ctx, ctx.server_now() + 600), &key, file).await?;
    expect_plain_success(&response, "POST Object within the policy")?;
    ensure_eq!(
        response.status.as_u16(),
        204,
        "POST Object default success status"
    );
    ensure_eq!(
        response.header("etag"),
        Some(data::etag_of(file).quoted().as_str()),
        "POST Object ETag"
    );
    let object =
        cos_model::ObjectKey::new(key).map_err(|e| SuiteError::setup(format!("key: {e}")))?;
    let get = ctx
        .client()
        .execute(&GetObject::new(object))
        .await
        .context("GetObject of the posted key")?;
    ensure!(
        get.body == file[..],
        "posted content differs: {:?}",
        get.body
    );
    ensure_eq!(
        get.metadata.content_type.as_deref(),
        Some("text/plain"),
        "posted Content-Type"
    );
    Ok(())
}

/// Forms that break the policy are refused and store nothing.
pub async fn post_object_policy_violations(ctx: &Context) -> Outcome {
    let valid = policy(ctx, ctx.server_now() + 600);

    let outside = ctx.raw_key("elsewhere/not-allowed.txt");
    let response = post(ctx, &valid, &outside, b"wrong key").await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::AccessDenied,
        "POST with a key outside the policy's prefix",
    )?;
    expect_absent(ctx, &outside, "a key outside the policy").await?;

    let big = ctx.raw_key("post/too-big.txt");
    let response = post(ctx, &valid, &big, &[b'x'; 1025]).await?;
    expect_plain_error(
        &response,
        400,
        ErrorCode::EntityTooLarge,
        "POST of 1025 bytes with a 1024-byte limit",
    )?;
    expect_absent(ctx, &big, "a file over the content-length-range").await?;

    let late = ctx.raw_key("post/late.txt");
    let expired = policy(ctx, ctx.server_now() - 60);
    let response = post(ctx, &expired, &late, b"too late").await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::AccessDenied,
        "POST with an expired policy",
    )?;
    expect_absent(ctx, &late, "an expired policy").await?;
    Ok(())
}

/// The same form sent through the Client's PostObject operation (201 with a `PostResponse`).
pub async fn post_object_through_client(ctx: &Context) -> Outcome {
    let key = ctx.key("post/through the client.txt")?;
    let file = b"posted through cos-model's PostObject";
    let now = ctx.server_now();
    let form = policy(ctx, now + 600)
        .sign(ctx.credentials(), KeyTime::new(now - 60, now + 600))
        .map_err(|e| SuiteError::setup(format!("signing the policy: {e}")))?;
    let op = PostObject::new(key.clone(), Bytes::from_static(file))
        .fields(form.fields())
        // PostObject sends its own Content-Type field and drops one given among the fields.
        .content_type("text/plain")
        .success_action_status(SuccessActionStatus::Created201);
    let out = ctx.client().execute(&op).await.context("PostObject")?;
    ensure_eq!(
        out.status.as_u16(),
        201,
        "PostObject status with success_action_status=201"
    );
    ensure_eq!(out.etag, Some(data::etag_of(file)), "PostObject ETag");
    let get = ctx
        .client()
        .execute(&GetObject::new(key))
        .await
        .context("GetObject of the posted key")?;
    ensure!(get.body == file[..], "posted content differs");
    ensure_eq!(
        get.metadata.content_type.as_deref(),
        Some("text/plain"),
        "posted Content-Type"
    );
    Ok(())
}
