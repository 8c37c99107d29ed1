//! Temporary (STS) keys from the emulator's `POST /-/sts`: they work with their session
//! token (headers and pre-signed URLs), are refused without it or with another one
//! (InvalidAccessKeyId), expire (ExpiredToken), and a `TemporaryCredentials` provider
//! fetches new ones when they do.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{GetObject, PutObject};
use cos_sign::Credentials;
use cos_transport::{BoxError, StaticCredentials, TemporaryCredentials, TemporaryKey};
use http::{HeaderMap, Method};

use crate::checks::{expect_cos_error, expect_plain_success};
use crate::error::Context as _;
use crate::plain_http::PlainHttp;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// How long the keys of these cases live: long enough for the requests made before the
/// expiry checks even on a loaded machine, short enough to wait out.
const LIFETIME: u64 = 5;

const NEEDS_STS: &str = "temporary keys come from the emulator's STS endpoint (POST /-/sts); \
real COS needs Tencent's STS service, which this suite does not call";

/// Asks the emulator's STS endpoint for a key valid for `seconds`.
pub async fn fetch_sts(
    plain: &PlainHttp,
    endpoint: &str,
    seconds: u64,
) -> Result<TemporaryKey, SuiteError> {
    let url = format!("{endpoint}/-/sts?duration={seconds}");
    let response = plain
        .send(Method::POST, &url, &HeaderMap::new(), Bytes::new())
        .await?;
    if !response.status.is_success() {
        return Err(SuiteError::check(format!(
            "POST /-/sts: HTTP {}: {}",
            response.status,
            response.text()
        )));
    }
    let json: serde_json::Value = serde_json::from_slice(&response.body).map_err(|e| {
        SuiteError::check(format!(
            "POST /-/sts answered invalid JSON ({e}): {}",
            response.text()
        ))
    })?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let key = (|| {
        let credentials = json.get("credentials")?;
        Some(
            TemporaryKey::new(
                text(credentials.get("tmpSecretId")?)?,
                text(credentials.get("tmpSecretKey")?)?,
            )
            .with_security_token(text(credentials.get("sessionToken")?)?)
            .with_start_time(json.get("startTime")?.as_u64()?)
            .with_expired_time(json.get("expiredTime")?.as_u64()?),
        )
    })();
    key.ok_or_else(|| SuiteError::check(format!("POST /-/sts lacks a field: {json}")))
}

fn with_token(key: &TemporaryKey) -> Credentials {
    let credentials = Credentials::new(key.secret_id(), key.secret_key());
    match key.security_token() {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    }
}

/// The key's `ExpiredTime` (`fetch_sts` refuses keys without one).
fn expiry(key: &TemporaryKey) -> Result<u64, SuiteError> {
    key.expired_time()
        .ok_or_else(|| SuiteError::check("the STS key has no ExpiredTime"))
}

/// A temporary key works with its token, fails without it or with another, then expires.
pub async fn temporary_key_lifecycle(ctx: &Context) -> Outcome {
    let emulator = ctx.emulator(NEEDS_STS)?;
    let key = fetch_sts(ctx.plain(), &emulator.endpoint_url(), LIFETIME).await?;
    ensure_eq!(
        key.start_time()
            .zip(key.expired_time())
            .map(|(start, end)| end.saturating_sub(start)),
        Some(LIFETIME),
        "STS key lifetime"
    );
    let client_with = |credentials: Credentials| {
        ctx.client_builder()
            .credentials(StaticCredentials::new(credentials))
            .build()
            .map_err(|e| SuiteError::setup(format!("client: {e}")))
    };
    let temporary = client_with(with_token(&key))?;
    let object = ctx.key("sts/object.txt")?;
    temporary
        .execute(&PutObject::new(
            object.clone(),
            "written with a temporary key",
        ))
        .await
        .context("PutObject with a temporary key")?;
    let get = temporary
        .execute(&GetObject::new(object.clone()))
        .await
        .context("GetObject with a temporary key")?;
    ensure!(
        get.body == "written with a temporary key",
        "content differs"
    );

    let presigned = temporary
        .presign(&GetObject::new(object.clone()), Duration::from_secs(60))
        .await
        .context("presign with a temporary key")?;
    ensure!(
        presigned.url.contains("x-cos-security-token="),
        "a URL pre-signed with a temporary key lacks x-cos-security-token: {}",
        presigned.url
    );
    let response = ctx
        .plain()
        .send(
            Method::GET,
            &presigned.url,
            &presigned.headers,
            Bytes::new(),
        )
        .await?;
    expect_plain_success(
        &response,
        "GET through a URL pre-signed with a temporary key",
    )?;

    let without = client_with(Credentials::new(key.secret_id(), key.secret_key()))?;
    expect_cos_error(
        without.execute(&GetObject::new(object.clone())).await,
        403,
        ErrorCode::InvalidAccessKeyId,
        "a temporary key without its session token",
    )?;
    let other = fetch_sts(ctx.plain(), &emulator.endpoint_url(), 60).await?;
    let mixed = client_with(
        Credentials::new(key.secret_id(), key.secret_key())
            .with_security_token(other.security_token().unwrap_or_default()),
    )?;
    expect_cos_error(
        mixed.execute(&GetObject::new(object.clone())).await,
        403,
        ErrorCode::InvalidAccessKeyId,
        "a temporary key with another key's session token",
    )?;

    wait_past(ctx, expiry(&key)?).await;
    let error = expect_cos_error(
        temporary.execute(&GetObject::new(object)).await,
        400,
        ErrorCode::ExpiredToken,
        "a temporary key after its expiry",
    )?;
    ensure!(
        error.is_credential_expired(),
        "ExpiredToken is not seen as expired credentials"
    );
    Ok(())
}

/// `TemporaryCredentials` calls its callback again once the key expires, and requests go on.
pub async fn temporary_credentials_refresh(ctx: &Context) -> Outcome {
    let emulator = ctx.emulator(NEEDS_STS)?;
    let endpoint = emulator.endpoint_url();
    let plain = ctx.plain().clone();
    let last_expiry = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = Arc::clone(&last_expiry);
    let provider = TemporaryCredentials::new(move || {
        let plain = plain.clone();
        let endpoint = endpoint.clone();
        let seen = Arc::clone(&seen);
        async move {
            let key = fetch_sts(&plain, &endpoint, LIFETIME)
                .await
                .map_err(|e| -> BoxError { Box::new(e) })?;
            let expired_time = expiry(&key).map_err(|e| -> BoxError { Box::new(e) })?;
            seen.store(expired_time, std::sync::atomic::Ordering::SeqCst);
            Ok(key)
        }
    });
    let client = ctx
        .client_builder()
        .credentials(provider.clone())
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let object = ctx.key("sts/refreshed.txt")?;
    client
        .execute(&PutObject::new(object.clone(), "one"))
        .await
        .context("PutObject with the first key")?;
    ensure_eq!(provider.fetches(), 1, "fetches after the first request");
    wait_past(ctx, last_expiry.load(std::sync::atomic::Ordering::SeqCst)).await;
    client
        .execute(&PutObject::new(object.clone(), "two"))
        .await
        .context("PutObject after the first key expired")?;
    ensure_eq!(provider.fetches(), 2, "fetches after the first key expired");
    let get = client
        .execute(&GetObject::new(object))
        .await
        .context("GetObject")?;
    ensure!(get.body == "two", "content {:?}", get.body);
    Ok(())
}

/// Sleeps until the server clock is past `unix` (a key expiring at `unix` is refused after).
async fn wait_past(ctx: &Context, unix: u64) {
    while ctx.server_now() <= unix {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
