//! Authentication failures, each with COS's status and code: a wrong secret key
//! (SignatureDoesNotMatch, with StringToSign), an unknown key id (InvalidAccessKeyId), an
//! expired signature window (AccessDenied "Request has expired"), no signature at all
//! (AccessDenied), a tampered request (SignatureDoesNotMatch).

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{GetObject, PutObject};
use cos_sign::{HeaderPolicy, KeyTime, SignableRequest, sign};
use cos_transport::{RetryPolicy, StaticCredentials};
use http::{HeaderMap, HeaderValue, Method};

use crate::checks::{expect_cos_error, expect_plain_error, expect_plain_success};
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure};

/// Signs `method /key` (host only) by hand with `key_time`; returns the plain headers.
pub fn signed_headers(
    ctx: &Context,
    method: &Method,
    key: &str,
    credentials: &cos_sign::Credentials,
    key_time: KeyTime,
) -> Result<HeaderMap, SuiteError> {
    let host = ctx.bucket_host()?;
    let path = format!("/{key}");
    let headers = [("host", host.as_str())];
    let request = SignableRequest {
        method: method.as_str(),
        path: &path,
        query: &[],
        headers: &headers,
    };
    let signature = sign(&request, credentials, key_time, &HeaderPolicy::Default)
        .map_err(|e| SuiteError::setup(format!("signing: {e}")))?;
    let mut out = HeaderMap::new();
    let authorization = HeaderValue::from_str(signature.authorization())
        .map_err(|e| SuiteError::setup(format!("authorization header: {e}")))?;
    out.insert(http::header::AUTHORIZATION, authorization);
    if let Some(token) = credentials.security_token() {
        let token = HeaderValue::from_str(token)
            .map_err(|e| SuiteError::setup(format!("token header: {e}")))?;
        out.insert("x-cos-security-token", token);
    }
    Ok(out)
}

/// The right key id with a wrong secret: 403 SignatureDoesNotMatch with the StringToSign.
pub async fn wrong_secret_key(ctx: &Context) -> Outcome {
    let client = ctx
        .client_builder()
        .credentials(StaticCredentials::from_keys(
            ctx.credentials().secret_id(),
            "not-the-secret-key",
        ))
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let error = expect_cos_error(
        client
            .execute(&PutObject::new(ctx.key("auth/denied")?, "x"))
            .await,
        403,
        ErrorCode::SignatureDoesNotMatch,
        "PutObject signed with a wrong secret key",
    )?;
    ensure!(
        error
            .string_to_sign
            .as_deref()
            .is_some_and(|s| s.starts_with("sha1\n")),
        "SignatureDoesNotMatch without a StringToSign: {error:?}"
    );
    ensure!(
        error.format_string.is_some(),
        "SignatureDoesNotMatch without a FormatString"
    );
    Ok(())
}

/// A key id COS does not know: 403 InvalidAccessKeyId.
pub async fn unknown_access_key(ctx: &Context) -> Outcome {
    let client = ctx
        .client_builder()
        .credentials(StaticCredentials::from_keys(
            "AKIDcosrsUNKNOWNkey00000000000000000",
            "whatever",
        ))
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    expect_cos_error(
        client.execute(&GetObject::new(ctx.key("auth/x")?)).await,
        403,
        ErrorCode::InvalidAccessKeyId,
        "GetObject with an unknown SecretId",
    )?;
    Ok(())
}

/// A valid signature whose key time ended an hour ago: 403 AccessDenied (expired); the same
/// request signed for now succeeds; no signature at all: 403 AccessDenied; a signature for
/// another key: 403 SignatureDoesNotMatch.
pub async fn expired_and_missing_signatures(ctx: &Context) -> Outcome {
    let key = ctx.key("auth/signed-by-hand.txt")?;
    ctx.client()
        .execute(&PutObject::new(key.clone(), "hand signed"))
        .await
        .context("PutObject")?;
    let url = ctx.url(Some(key.as_str()))?;
    let now = ctx.server_now();

    let expired = signed_headers(
        ctx,
        &Method::GET,
        key.as_str(),
        ctx.credentials(),
        KeyTime::new(now - 7200, now - 3600),
    )?;
    let response = ctx
        .plain()
        .send(Method::GET, &url, &expired, Bytes::new())
        .await?;
    let error = expect_plain_error(
        &response,
        403,
        ErrorCode::AccessDenied,
        "GET signed for an hour ago",
    )?;
    ensure!(
        error.message.to_ascii_lowercase().contains("expired"),
        "AccessDenied for an expired window says {:?}",
        error.message
    );

    let fresh = signed_headers(
        ctx,
        &Method::GET,
        key.as_str(),
        ctx.credentials(),
        KeyTime::new(now - 60, now + 600),
    )?;
    let response = ctx
        .plain()
        .send(Method::GET, &url, &fresh, Bytes::new())
        .await?;
    expect_plain_success(&response, "GET signed by hand for now")?;
    ensure!(
        response.body == "hand signed",
        "hand-signed GET body {:?}",
        response.text()
    );

    let response = ctx
        .plain()
        .send(Method::GET, &url, &HeaderMap::new(), Bytes::new())
        .await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::AccessDenied,
        "GET without any signature",
    )?;

    let other = signed_headers(
        ctx,
        &Method::GET,
        "some/other/key",
        ctx.credentials(),
        KeyTime::new(now - 60, now + 600),
    )?;
    let response = ctx
        .plain()
        .send(Method::GET, &url, &other, Bytes::new())
        .await?;
    expect_plain_error(
        &response,
        403,
        ErrorCode::SignatureDoesNotMatch,
        "GET with a signature for another key",
    )?;
    Ok(())
}

/// The Client (default retry policy) does not retry SignatureDoesNotMatch: one attempt.
pub async fn no_retry_on_auth_errors(ctx: &Context) -> Outcome {
    let client = ctx
        .client_builder()
        .credentials(StaticCredentials::from_keys(
            ctx.credentials().secret_id(),
            "wrong",
        ))
        .retry(RetryPolicy::default())
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let result = client.execute(&GetObject::new(ctx.key("auth/y")?)).await;
    let Err(error) = result else {
        return Err(SuiteError::check("GetObject with a wrong key succeeded"));
    };
    ensure!(
        error.attempts() == 1,
        "SignatureDoesNotMatch was retried: {} attempts",
        error.attempts()
    );
    Ok(())
}
