//! Where the signing keys come from: a permanent key pair, the default credential chain
//! (`TENCENTCLOUD_SECRET_ID`/`_KEY`, `~/.tencentcloud/credentials`, TKE web identity, the CVM
//! instance role; temporary keys refreshed by cos-transport), or temporary keys fetched from
//! an STS-style endpoint (the emulator's `POST /-/sts`) and refreshed before they expire.

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use cos_sign::Credentials;
use cos_transport::{Body, DefaultCredentials, HyperTransport, Transport};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::SignServerError;

/// Refresh temporary keys when fewer than this many seconds of validity remain, so that no
/// credential we hand out expires before the client can use it.
const REFRESH_MARGIN_SECS: u64 = 300;

/// The keys the server signs with, plus the server-side clock anchor of temporary keys.
#[derive(Clone)]
pub struct SigningKeys {
    /// The key pair (and session token for temporary keys).
    pub credentials: Credentials,
    /// When temporary keys stop working (Unix seconds); `None` for permanent keys.
    pub expires_at: Option<u64>,
}

/// A source of signing keys.
pub enum CredentialSource {
    /// A permanent key pair (`COS_SECRET_ID` / `COS_SECRET_KEY`).
    Static(Credentials),
    /// Temporary keys from `POST <url>?duration=<secs>`, cached until close to expiry.
    Sts(Box<StsSource>),
    /// Whatever the default credential chain finds.
    Chain(DefaultCredentials),
}

impl CredentialSource {
    /// Keys valid for at least the refresh margin at `now` (Unix seconds).
    pub async fn keys(&self, now: u64) -> Result<SigningKeys, SignServerError> {
        match self {
            Self::Static(credentials) => Ok(SigningKeys {
                credentials: credentials.clone(),
                expires_at: None,
            }),
            Self::Sts(sts) => sts.keys(now).await,
            Self::Chain(chain) => {
                // cos-transport refreshes temporary keys 5 minutes ahead of expiry, the same
                // margin as ours
                let keys = chain
                    .keys(UNIX_EPOCH + Duration::from_secs(now))
                    .await
                    .map_err(|e| {
                        SignServerError::Config(format!("the default credential chain: {e}"))
                    })?;
                Ok(SigningKeys {
                    credentials: keys.credentials,
                    expires_at: keys.expires_at,
                })
            }
        }
    }
}

/// Temporary keys fetched over plain HTTP from a loopback STS endpoint such as the emulator's.
pub struct StsSource {
    url: String,
    duration_secs: u64,
    http: HyperTransport,
    // One refresh at a time: concurrent signing requests wait for the same fetch.
    cached: Mutex<Option<SigningKeys>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StsAnswer {
    credentials: StsCredentials,
    expired_time: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StsCredentials {
    tmp_secret_id: String,
    tmp_secret_key: String,
    session_token: String,
}

impl StsSource {
    /// A source asking `url` (e.g. `http://127.0.0.1:9000/-/sts`) for keys valid `duration_secs`.
    pub fn new(url: impl Into<String>, duration_secs: u64) -> Result<Self, SignServerError> {
        let http = HyperTransport::builder()
            .connect_timeout(Duration::from_secs(5))
            .response_header_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SignServerError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            url: url.into(),
            duration_secs,
            http,
            cached: Mutex::new(None),
        })
    }

    async fn keys(&self, now: u64) -> Result<SigningKeys, SignServerError> {
        let mut cached = self.cached.lock().await;
        if let Some(keys) = cached.as_ref()
            && keys
                .expires_at
                .is_some_and(|e| e > now + REFRESH_MARGIN_SECS)
        {
            return Ok(keys.clone());
        }
        let fresh = self.fetch().await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    async fn fetch(&self) -> Result<SigningKeys, SignServerError> {
        let fail = |reason: String| SignServerError::Sts {
            url: self.url.clone(),
            reason,
        };
        let uri = format!("{}?duration={}", self.url, self.duration_secs);
        let request = http::Request::post(uri)
            .body(Body::from(Bytes::new()))
            .map_err(|e| fail(e.to_string()))?;
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect_limited(64 * 1024)
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !status.is_success() {
            return Err(fail(format!("status {status}")));
        }
        let answer: StsAnswer =
            serde_json::from_slice(&body).map_err(|e| fail(format!("bad JSON: {e}")))?;
        let c = answer.credentials;
        Ok(SigningKeys {
            credentials: Credentials::new(c.tmp_secret_id, c.tmp_secret_key)
                .with_security_token(c.session_token),
            expires_at: Some(answer.expired_time),
        })
    }
}

#[cfg(test)]
mod tests {
    use cos_transport::credentials::MapEnvironment;

    use super::*;

    #[tokio::test]
    async fn the_chain_hands_over_what_it_finds() {
        let env = MapEnvironment::new()
            .with("TENCENTCLOUD_SECRET_ID", "AKIDchain")
            .with("TENCENTCLOUD_SECRET_KEY", "chain-key");
        let source =
            CredentialSource::Chain(DefaultCredentials::builder().environment(env).build());
        let keys = source.keys(1_700_000_000).await.unwrap();
        assert_eq!(keys.credentials.secret_id(), "AKIDchain");
        assert_eq!(keys.expires_at, None);

        let half = MapEnvironment::new().with("TENCENTCLOUD_SECRET_ID", "AKIDchain");
        let source =
            CredentialSource::Chain(DefaultCredentials::builder().environment(half).build());
        let Err(e) = source.keys(1_700_000_000).await else {
            panic!("half a pair gave keys");
        };
        assert!(
            e.to_string()
                .contains("TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not"),
            "{e}"
        );
    }
}
