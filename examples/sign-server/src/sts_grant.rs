//! `GET|POST /sts`: temporary keys for one upload, the recommended path of Tencent's direct-
//! upload guide (its `sts.php`). The server decides the scope, never the client: by default
//! one fresh key chosen as for `/put-auth`; with an allowed prefix, any key under it. Keys come
//! from STS `GetFederationToken` with cos-sign's upload policy for that scope (uploads only,
//! at most `max_bytes` a request). The answer carries both shapes frontends use: the flat
//! `TmpSecretId`/`TmpSecretKey`/`SecurityToken`/`StartTime`/`ExpiredTime` that a
//! `getAuthorization` callback passes straight to cos-js-sdk-v5 and cos-wx-sdk-v5, and the
//! qcloud-cos-sts shape `credentials{tmpSecretId,tmpSecretKey,sessionToken}`, `startTime`,
//! `expiredTime`, `expiration`, `requestId`; plus `bucket`, `region` and `key` or `prefix`.

use cos_model::sts::GetFederationToken;
use cos_sign::cam::UploadPolicy;
use cos_transport::StsClient;

use crate::error::{RequestError, SignServerError};

/// What `/sts` needs: an STS client signed with the account's keys, and the scope rule.
#[derive(Debug, Clone)]
pub struct StsGrant {
    /// The client (endpoint `sts.tencentcloudapi.com`, or the emulator's STS listener).
    pub client: StsClient,
    /// The bucket's region (in the policy's resources).
    pub region: String,
    /// With a prefix, the keys may upload anything under it; without, one fresh key.
    pub allow_prefix: Option<String>,
    /// The keys' lifetime, in seconds (STS allows up to 7200 to a root account).
    pub duration_seconds: u32,
}

/// What the keys may write.
pub(crate) enum StsScope<'a> {
    /// Exactly this key.
    Key(&'a str),
    /// Anything under this prefix.
    Prefix(&'a str),
}

/// Mints keys for `scope` on `bucket` and answers with them.
pub(crate) async fn grant(
    sts: &StsGrant,
    bucket: &str,
    max_bytes: u64,
    scope: StsScope<'_>,
) -> Result<serde_json::Value, RequestError> {
    let config = |e: cos_sign::cam::CamError| SignServerError::Config(e.to_string());
    let policy = match scope {
        StsScope::Key(key) => UploadPolicy::key(bucket, &sts.region, key),
        StsScope::Prefix(prefix) => UploadPolicy::prefix(bucket, &sts.region, prefix),
    }
    .map_err(config)?
    .max_content_length(max_bytes)
    .policy()
    .to_json();
    let action = GetFederationToken::new("cos-rs-sign-server", policy)
        .duration_seconds(sts.duration_seconds);
    let out = sts
        .client
        .call(&action)
        .await
        .map_err(|e| SignServerError::Sts {
            url: sts.client.url(),
            reason: e.to_string(),
        })?;
    let mut answer = out.frontend_json(sts.duration_seconds);
    answer["bucket"] = bucket.into();
    answer["region"] = sts.region.clone().into();
    match scope {
        StsScope::Key(key) => answer["key"] = key.into(),
        StsScope::Prefix(prefix) => answer["prefix"] = prefix.into(),
    }
    Ok(answer)
}
