//! Least privilege: a temporary key whose CAM policy allows uploads under one prefix can do
//! exactly that against the emulator — PUT, a POST form and a resumable multipart upload
//! inside it succeed; a PUT under another prefix, a GET, a DELETE and a listing of the bucket
//! are refused with 403 AccessDenied, as COS answers; a `cos:content-length` condition refuses
//! a larger object; the key without its token is refused with COS's code.

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{
    CompleteMultipartUpload, CompletedParts, DeleteObject, GetBucket, GetObject,
    InitiateMultipartUpload, ListMultipartUploads, ListParts, PartNumberMarker, PutObject,
    UploadPart,
};
use cos_model::{ObjectKey, PartNumber};
use cos_sign::{Credentials, KeyTime, post::PostPolicy};
use cos_transport::{Client, StaticCredentials};
use http::{HeaderMap, HeaderValue, Method};
use std::time::Duration;

use super::post_object::{BOUNDARY, form_body};
use crate::checks::{expect_cos_error, expect_plain_success};
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

const NEEDS_SCOPED_KEYS: &str = "keys bound to a CAM policy come from the emulator (real COS \
needs Tencent's STS service, which this suite does not call)";

/// The largest simple upload the policy allows.
const MAX_PUT: u64 = 1024 * 1024;

/// Uploads under `prefix` only: PutObject and PostObject up to `MAX_PUT` bytes, and every
/// call of a resumable multipart upload.
fn upload_prefix_policy(ctx: &Context, prefix: &str) -> String {
    let bucket = ctx.bucket().as_str();
    let appid = ctx.bucket().app_id();
    let region = ctx.region().as_str();
    let resource = format!("qcs::cos:{region}:uid/{appid}:{bucket}/{prefix}*");
    serde_json::json!({
        "version": "2.0",
        "statement": [
            {
                "effect": "allow",
                "action": ["name/cos:PutObject", "name/cos:PostObject"],
                "resource": [resource],
                "condition": {"numeric_less_than_equal": {"cos:content-length": MAX_PUT}}
            },
            {
                "effect": "allow",
                "action": [
                    "name/cos:InitiateMultipartUpload", "name/cos:UploadPart",
                    "name/cos:ListParts", "name/cos:CompleteMultipartUpload",
                    "name/cos:AbortMultipartUpload", "name/cos:ListMultipartUploads"
                ],
                "resource": [resource]
            }
        ]
    })
    .to_string()
}

fn client(ctx: &Context, credentials: Credentials) -> Result<Client, SuiteError> {
    ctx.client_builder()
        .credentials(StaticCredentials::new(credentials))
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))
}

fn denied<T: std::fmt::Debug>(result: Result<T, cos_transport::Error>, what: &str) -> Outcome {
    expect_cos_error(result, 403, ErrorCode::AccessDenied, what).map(|_| ())
}

/// A multipart upload of two parts (1 MiB and 7 bytes) to `key`, with the calls a resume
/// makes (List Multipart Uploads on the key, List Parts) in between.
async fn multipart(client: &Client, key: &ObjectKey) -> Outcome {
    let init = client
        .execute(&InitiateMultipartUpload::new(key.clone()))
        .await
        .context("InitiateMultipartUpload with the scoped key")?;
    let mut parts = CompletedParts::new();
    for (n, body) in [(1u32, vec![b'a'; 1024 * 1024]), (2, b"the end".to_vec())] {
        let number = PartNumber::new(n).map_err(|e| SuiteError::setup(e.to_string()))?;
        let out = client
            .execute(&UploadPart::new(
                key.clone(),
                init.upload_id.clone(),
                number,
                Bytes::from(body),
            ))
            .await
            .context("UploadPart with the scoped key")?;
        parts.insert(number, out.etag);
    }
    let listed = client
        .execute(&ListMultipartUploads::new().prefix(key.as_str()))
        .await
        .context("ListMultipartUploads of the key with the scoped key")?;
    ensure!(
        listed
            .uploads
            .iter()
            .any(|u| u.upload_id == init.upload_id.as_str()),
        "the upload is not listed"
    );
    let listed = client
        .execute(&ListParts::new(key.clone(), init.upload_id.clone()).marker(PartNumberMarker(0)))
        .await
        .context("ListParts with the scoped key")?;
    ensure_eq!(listed.parts.len(), 2, "parts listed");
    client
        .execute(&CompleteMultipartUpload::new(
            key.clone(),
            init.upload_id,
            parts,
        ))
        .await
        .context("CompleteMultipartUpload with the scoped key")?;
    Ok(())
}

/// The matrix: what the key may do succeeds, everything else is refused as COS refuses it.
pub async fn least_privilege_matrix(ctx: &Context) -> Outcome {
    let emulator = ctx.emulator(NEEDS_SCOPED_KEYS)?;
    let prefix = ctx.raw_key("uploads/u1/");
    let key = emulator
        .issue_scoped_key(
            Duration::from_secs(600),
            &upload_prefix_policy(ctx, &prefix),
        )
        .map_err(|e| SuiteError::setup(format!("scoped key: {e}")))?;
    let scoped = client(ctx, key.credentials())?;

    // allowed: PUT, POST form, multipart inside the prefix
    let inside = ctx.key("uploads/u1/photo.jpg")?;
    scoped
        .execute(&PutObject::new(inside.clone(), "inside the scope"))
        .await
        .context("PutObject inside the scope")?;
    let now = ctx.server_now();
    let form = PostPolicy::new(now + 600)
        .bucket(ctx.bucket().as_str())
        .key_prefix(&prefix)
        .content_length_range(1, 1024)
        .sign(&key.credentials(), KeyTime::new(now - 60, now + 600))
        .map_err(|e| SuiteError::setup(format!("signing the policy: {e}")))?;
    let mut fields = vec![("key".to_owned(), ctx.raw_key("uploads/u1/form.txt"))];
    fields.extend(form.fields().iter().cloned());
    let mut headers = HeaderMap::new();
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
        .map_err(|e| SuiteError::setup(format!("content type: {e}")))?;
    headers.insert(http::header::CONTENT_TYPE, content_type);
    let response = ctx
        .plain()
        .send(
            Method::POST,
            &ctx.url(None)?,
            &headers,
            form_body(&fields, "form.txt", b"posted with a scoped key"),
        )
        .await?;
    expect_plain_success(&response, "POST form inside the scope")?;
    multipart(&scoped, &ctx.key("uploads/u1/video.mp4")?).await?;

    // refused: another prefix, reads, deletes, listings, a larger object
    denied(
        scoped
            .execute(&PutObject::new(ctx.key("uploads/u2/photo.jpg")?, "outside"))
            .await,
        "PutObject under another prefix",
    )?;
    denied(
        scoped.execute(&GetObject::new(inside.clone())).await,
        "GetObject of an object the key wrote",
    )?;
    denied(
        scoped.execute(&DeleteObject::new(inside.clone())).await,
        "DeleteObject inside the scope",
    )?;
    denied(
        scoped.execute(&GetBucket::new().prefix(&prefix)).await,
        "GetBucket (listing the bucket)",
    )?;
    let big = vec![b'x'; usize::try_from(MAX_PUT).unwrap_or(0) + 1];
    denied(
        scoped
            .execute(&PutObject::new(
                ctx.key("uploads/u1/big.bin")?,
                Bytes::from(big),
            ))
            .await,
        "PutObject over the content-length condition",
    )?;
    // what the account's own key sees: the refused writes stored nothing
    expect_cos_error(
        ctx.client()
            .execute(&GetObject::new(ctx.key("uploads/u2/photo.jpg")?))
            .await,
        404,
        ErrorCode::NoSuchKey,
        "the refused PUT under another prefix",
    )?;

    // the key without its token is not a scoped key at all
    let tokenless = client(
        ctx,
        Credentials::new(&key.tmp_secret_id, &key.tmp_secret_key),
    )?;
    expect_cos_error(
        tokenless
            .execute(&PutObject::new(inside.clone(), "no token"))
            .await,
        403,
        ErrorCode::InvalidAccessKeyId,
        "the scoped key without its session token",
    )?;
    Ok(())
}

/// An STS client of the emulator signed with `credentials`, stamping `X-TC-Timestamp` from
/// `clock`.
fn sts_client(
    ctx: &Context,
    credentials: Credentials,
    clock: cos_transport::clock::ManualClock,
) -> Result<cos_transport::StsClient, SuiteError> {
    let emulator = ctx.emulator(NEEDS_SCOPED_KEYS)?;
    let url = emulator
        .sts_url()
        .ok_or_else(|| SuiteError::setup("the emulator serves no STS API"))?;
    cos_transport::StsClient::builder(credentials)
        .endpoint(url)
        .region(ctx.region().as_str())
        .clock(clock)
        .build()
        .map_err(|e| SuiteError::setup(format!("STS client: {e}")))
}

fn server_clock(ctx: &Context) -> cos_transport::clock::ManualClock {
    cos_transport::clock::ManualClock::at_unix(ctx.server_now())
}

/// Expects an STS call to fail with Tencent's `code`.
fn sts_refused<T: std::fmt::Debug>(
    result: Result<T, cos_transport::StsCallError>,
    code: &str,
    what: &str,
) -> Outcome {
    match result {
        Err(e) if e.code() == Some(code) => Ok(()),
        Err(e) => Err(SuiteError::check(format!("{what}: {e}, want STS {code}"))),
        Ok(v) => Err(SuiteError::check(format!(
            "{what}: succeeded ({v:?}), want STS {code}"
        ))),
    }
}

/// The emulator's STS API mints keys bound to the policy built from a scope (TC3-signed
/// GetFederationToken through cos-transport), the keys do exactly what the scope allows, and
/// STS refuses what Tencent refuses with Tencent's codes.
pub async fn sts_mints_scoped_keys(ctx: &Context) -> Outcome {
    use cos_model::sts::GetFederationToken;
    use cos_sign::cam::UploadPolicy;
    use cos_transport::MintedCredentials;

    let prefix = ctx.raw_key("minted/u1/");
    let policy = UploadPolicy::prefix(ctx.bucket().as_str(), ctx.region().as_str(), &prefix)
        .map_err(|e| SuiteError::setup(format!("policy: {e}")))?
        .max_content_length(MAX_PUT)
        .policy()
        .to_json();
    let account = ctx.credentials().clone();
    let sts = sts_client(ctx, account.clone(), server_clock(ctx))?;
    let minted = MintedCredentials::federation(
        sts.clone(),
        GetFederationToken::new("cos-rs-suite", policy.clone()).duration_seconds(900),
    );
    let key = minted
        .current(std::time::SystemTime::now())
        .await
        .map_err(|e| SuiteError::check(format!("minting keys: {e}")))?;
    ensure_eq!(
        key.start_time()
            .zip(key.expired_time())
            .map(|(s, e)| e.saturating_sub(s)),
        Some(900),
        "minted key lifetime"
    );
    ensure!(key.security_token().is_some(), "minted keys lack a token");

    let scoped = ctx
        .client_builder()
        .credentials(minted)
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let inside = ctx.key("minted/u1/a.jpg")?;
    scoped
        .execute(&PutObject::new(inside.clone(), "minted"))
        .await
        .context("PutObject with minted keys inside the scope")?;
    denied(
        scoped
            .execute(&PutObject::new(ctx.key("minted/u2/a.jpg")?, "outside"))
            .await,
        "PutObject with minted keys outside the scope",
    )?;
    denied(
        scoped.execute(&GetObject::new(inside)).await,
        "GetObject with minted keys",
    )?;

    // what Tencent's STS refuses, and its codes
    let federation = GetFederationToken::new("cos-rs-suite", policy.clone());
    sts_refused(
        sts_client(
            ctx,
            Credentials::new(account.secret_id(), "not-the-secret"),
            server_clock(ctx),
        )?
        .call(&federation)
        .await,
        "AuthFailure.SignatureFailure",
        "GetFederationToken signed with the wrong secret",
    )?;
    sts_refused(
        sts_client(ctx, Credentials::new("AKIDnobody", "x"), server_clock(ctx))?
            .call(&federation)
            .await,
        "AuthFailure.SecretIdNotFound",
        "GetFederationToken from an unknown SecretId",
    )?;
    let late = cos_transport::clock::ManualClock::at_unix(ctx.server_now() + 600);
    sts_refused(
        sts_client(ctx, account.clone(), late)?
            .call(&federation)
            .await,
        "AuthFailure.SignatureExpire",
        "GetFederationToken stamped 10 minutes ahead",
    )?;
    sts_refused(
        sts.call(&federation.clone().duration_seconds(7201)).await,
        "InvalidParameter.OverTimeError",
        "GetFederationToken for 7201 s",
    )?;
    sts_refused(
        sts.call(&GetFederationToken::new("cos-rs-suite", "{not json"))
            .await,
        "InvalidParameter.StrategyFormatError",
        "GetFederationToken with a policy that is not JSON",
    )?;
    let temporary = Credentials::new(key.secret_id(), key.secret_key())
        .with_security_token(key.security_token().unwrap_or_default());
    sts_refused(
        sts_client(ctx, temporary, server_clock(ctx))?
            .call(&federation)
            .await,
        "FailedOperation.TempKeyNotAllowed",
        "GetFederationToken called with temporary keys",
    )?;
    Ok(())
}
