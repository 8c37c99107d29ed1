//! TKE web identity: a pod's OIDC token exchanged for a CAM role's keys with STS
//! `AssumeRoleWithWebIdentity`, sent unsigned (`Authorization: SKIP`), as tencentcloud-sdk-go
//! (`oidc_role_arn_provider.go`, `DefaultTkeOIDCRoleArnProvider`), tencentcloud-sdk-python
//! (`DefaultTkeOIDCRoleArnProvider`) and reqsign's tencent-cos
//! (`assume_role_with_web_identity.rs`) do. The variables, first name first:
//!
//! - the region: `TKE_REGION` (SDKs), `TENCENTCLOUD_REGION` (reqsign);
//! - the identity provider: `TKE_PROVIDER_ID` (SDKs), `TENCENTCLOUD_PROVIDER_ID` (reqsign);
//! - the token file: `TKE_WEB_IDENTITY_TOKEN_FILE` (SDKs), `TKE_IDENTITY_TOKEN_FILE` and
//!   `TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE` (reqsign);
//! - the role: `TKE_ROLE_ARN` (SDKs), `TENCENTCLOUD_ROLE_ARN` (reqsign);
//! - the session name, optional: `TKE_ROLE_SESSSION_NAME`, `TENCENTCLOUD_ROLE_SESSSION_NAME`
//!   (reqsign's spelling, three S), else `cos-rs-<unix microseconds>` (the SDKs' pattern).
//!
//! The token file is read again for every refresh: the kubelet rotates it. Keys last 7200 s
//! (the SDKs' default) and are refreshed ahead of expiry, one refresh in flight.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cos_model::sts::AssumeRoleWithWebIdentity;

use super::environment::{Environment, first_of};
use super::{Config, Loaded, SourceError};
use crate::credentials::{TemporaryCredentials, TemporaryKey};
use crate::error::BoxError;
use crate::sts::{StsClient, key_of};

pub(crate) const NAME: &str = "TKE web identity";

const REGION: &[&str] = &["TKE_REGION", "TENCENTCLOUD_REGION"];
const PROVIDER_ID: &[&str] = &["TKE_PROVIDER_ID", "TENCENTCLOUD_PROVIDER_ID"];
const TOKEN_FILE: &[&str] = &[
    "TKE_WEB_IDENTITY_TOKEN_FILE",
    "TKE_IDENTITY_TOKEN_FILE",
    "TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE",
];
const ROLE_ARN: &[&str] = &["TKE_ROLE_ARN", "TENCENTCLOUD_ROLE_ARN"];
const SESSION_NAME: &[&str] = &["TKE_ROLE_SESSSION_NAME", "TENCENTCLOUD_ROLE_SESSSION_NAME"];

/// The lifetime asked for (the SDKs' default).
const DURATION_SECONDS: u32 = 7200;

struct Settings {
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
    session_name: Option<String>,
}

pub(crate) fn load(config: &Config) -> Result<Loaded, SourceError> {
    let env: &dyn Environment = config.env.as_ref();
    let provider_id = first_of(env, PROVIDER_ID);
    let token_file = first_of(env, TOKEN_FILE);
    let role_arn = first_of(env, ROLE_ARN);
    let parts = [
        (&provider_id, PROVIDER_ID[0]),
        (&token_file, TOKEN_FILE[0]),
        (&role_arn, ROLE_ARN[0]),
    ];
    let Some(set) = parts
        .iter()
        .find_map(|(v, _)| v.as_ref().map(|(name, _)| *name))
    else {
        return Ok(Loaded::Nothing(format!(
            "{}, {} and {} are not set",
            ROLE_ARN[0], PROVIDER_ID[0], TOKEN_FILE[0]
        )));
    };
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(v, _)| v.is_none())
        .map(|(_, name)| *name)
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => {
            return Err(SourceError::new(
                NAME,
                format!("{set} is set but {one} is not"),
            ));
        }
        several => {
            return Err(SourceError::new(
                NAME,
                format!("{set} is set but {} are not", several.join(" and ")),
            ));
        }
    }
    let Some((_, region)) = first_of(env, REGION) else {
        return Err(SourceError::new(
            NAME,
            format!("{set} is set but {} is not", REGION[0]),
        ));
    };
    let (Some((_, provider_id)), Some((_, token_file)), Some((_, role_arn))) =
        (provider_id, token_file, role_arn)
    else {
        return Err(SourceError::new(NAME, "incomplete settings"));
    };
    let settings = Arc::new(Settings {
        provider_id,
        token_file: PathBuf::from(token_file),
        role_arn,
        session_name: first_of(env, SESSION_NAME).map(|(_, v)| v),
    });
    let mut builder = StsClient::keyless_builder().region(region);
    if let Some(url) = &config.sts_endpoint {
        builder = builder.endpoint(url.clone());
    }
    if let Some(t) = &config.transport {
        builder = builder.transport_arc(Arc::clone(t));
    }
    let client = builder
        .build()
        .map_err(|e| SourceError::caused_by(NAME, "building the STS client", e))?;
    let detail = format!("role {} through {}", settings.role_arn, client.url());
    let provider = TemporaryCredentials::builder(move || {
        let client = client.clone();
        let settings = Arc::clone(&settings);
        async move { fetch(&client, &settings).await.map_err(BoxError::from) }
    })
    .refresh_before(config.refresh_before)
    .build();
    Ok(Loaded::Found {
        provider: Arc::new(provider),
        detail,
    })
}

async fn fetch(client: &StsClient, settings: &Settings) -> Result<TemporaryKey, SourceError> {
    let path = &settings.token_file;
    let token = tokio::fs::read_to_string(path).await.map_err(|e| {
        SourceError::caused_by(
            NAME,
            format!("reading the token file {}", path.display()),
            e,
        )
    })?;
    let token = token.trim();
    if token.is_empty() {
        return Err(SourceError::new(
            NAME,
            format!("the token file {} is empty", path.display()),
        ));
    }
    let session_name = settings.session_name.clone().unwrap_or_else(|| {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        format!("cos-rs-{micros}")
    });
    let action = AssumeRoleWithWebIdentity::new(
        settings.provider_id.clone(),
        token,
        settings.role_arn.clone(),
        session_name,
    )
    .duration_seconds(DURATION_SECONDS);
    let out = client.call(&action).await.map_err(|e| {
        SourceError::caused_by(
            NAME,
            format!("AssumeRoleWithWebIdentity of {}", settings.role_arn),
            e,
        )
    })?;
    tracing::info!(
        source = NAME,
        role = %settings.role_arn,
        expires = out.expired_time,
        "exchanged the web identity token for role keys"
    );
    Ok(key_of(out, DURATION_SECONDS))
}
