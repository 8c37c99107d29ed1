//! Signing one attempt: asking the provider, applying a clock anchor, choosing the key time,
//! adding `x-cos-security-token` (before signing, so it is signed) and `Authorization`.

use std::sync::atomic::Ordering;

use cos_model::SigningInput;
use cos_sign::{HeaderPolicy, KeyTime, SECURITY_TOKEN_NAME, SignableRequest};
use http::HeaderValue;
use http::header::AUTHORIZATION;

use super::error::ErrorKind;
use super::{Client, Shared};
use crate::credentials::{ProvidedKeys, SigningContext, SigningMaterial};

/// What the client remembers about how an attempt was authorised.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AuthInfo {
    /// The generation of the keys used (local signing).
    pub(crate) generation: Option<u64>,
    /// Whether a security token was sent (temporary keys).
    pub(crate) had_token: bool,
    /// Whether a remote signer made the signature.
    pub(crate) remote: bool,
    /// The clock offset in force when signing.
    pub(crate) offset_used: i64,
}

/// The signature window for a request signed at `server_now`: from `backdate` before it to
/// `validity` after it, inside the keys' own validity.
pub(crate) fn key_time(shared: &Shared, server_now: u64, keys: &ProvidedKeys) -> KeyTime {
    let mut start = server_now.saturating_sub(shared.key_backdate.as_secs());
    if let Some(from) = keys.valid_from {
        start = start.max(from);
    }
    let mut end = server_now.saturating_add(shared.key_validity.as_secs());
    if let Some(until) = keys.expires_at {
        end = end.min(until);
    }
    KeyTime::new(start, end.max(start))
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, ErrorKind> {
    HeaderValue::from_str(value)
        .map_err(|_| ErrorKind::InvalidRequest(format!("{name} is not a valid header value")))
}

impl Client {
    /// Applies the server-time anchor of freshly issued keys once per key generation.
    fn apply_anchor(&self, keys: &ProvidedKeys) {
        let Some(anchor) = keys.anchor else { return };
        let previous = self
            .shared
            .anchored_generation
            .swap(keys.generation, Ordering::AcqRel);
        if previous != keys.generation {
            self.shared.offset.learn(
                anchor.server_unix,
                anchor.observed_at,
                self.shared.skew_threshold,
            );
        }
    }

    /// The material for a request from the provider.
    pub(crate) async fn material(
        &self,
        operation: &'static str,
        parts: &http::request::Parts,
        headers: &http::HeaderMap,
        signing: &SigningInput,
    ) -> Result<(SigningMaterial, u64, i64), ErrorKind> {
        let local_now = self.shared.clock.now();
        let server_now = self.shared.offset.corrected_unix_secs(local_now);
        let ctx = SigningContext {
            operation,
            method: &parts.method,
            uri: &parts.uri,
            path: &signing.path,
            query: &signing.query,
            headers,
            local_now,
            server_now,
        };
        let material = self
            .shared
            .credentials
            .provide(&ctx)
            .await
            .map_err(ErrorKind::Credentials)?;
        if let SigningMaterial::Keys(keys) = &material {
            self.apply_anchor(keys);
            super::trace::new_keys(
                &self.shared.seen_generation,
                self.shared.credential_source,
                keys,
                server_now,
            );
        }
        // the anchor may have moved the offset: sign with the corrected time
        let offset_now = self.shared.offset.millis();
        let server_now = self.shared.offset.corrected_unix_secs(local_now);
        Ok((material, server_now, offset_now))
    }

    /// Adds the token and the Authorization for one attempt to `headers`.
    pub(crate) async fn authorize(
        &self,
        operation: &'static str,
        parts: &http::request::Parts,
        signing: &SigningInput,
        headers: &mut http::HeaderMap,
    ) -> Result<AuthInfo, ErrorKind> {
        let (material, server_now, offset_used) =
            self.material(operation, parts, headers, signing).await?;
        let mut info = AuthInfo {
            offset_used,
            ..AuthInfo::default()
        };
        match material {
            SigningMaterial::Keys(keys) => {
                info.generation = Some(keys.generation);
                if let Some(token) = keys.credentials.security_token() {
                    headers.insert(
                        SECURITY_TOKEN_NAME,
                        header_value(SECURITY_TOKEN_NAME, token)?,
                    );
                    info.had_token = true;
                }
                let pairs: Vec<(&str, &str)> = headers
                    .iter()
                    .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)))
                    .collect();
                let query = signing.query_pairs();
                let request = SignableRequest {
                    method: parts.method.as_str(),
                    path: &signing.path,
                    query: &query,
                    headers: &pairs,
                };
                let window = key_time(&self.shared, server_now, &keys);
                let signature =
                    cos_sign::sign(&request, &keys.credentials, window, &HeaderPolicy::Default)
                        .map_err(ErrorKind::Sign)?;
                let authorization = header_value("Authorization", signature.authorization())?;
                headers.insert(AUTHORIZATION, authorization);
            }
            SigningMaterial::Signed(remote) => {
                info.remote = true;
                if let Some(token) = &remote.security_token {
                    headers.insert(
                        SECURITY_TOKEN_NAME,
                        header_value(SECURITY_TOKEN_NAME, token)?,
                    );
                    info.had_token = true;
                }
                headers.insert(
                    AUTHORIZATION,
                    header_value("Authorization", &remote.authorization)?,
                );
            }
        }
        Ok(info)
    }
}
