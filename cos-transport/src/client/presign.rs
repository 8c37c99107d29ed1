//! Pre-signed URLs: a request signed into its query string (`q-*` pairs, plus the security
//! token), so a browser or `curl` can GET or PUT without credentials until it expires.

use std::time::Duration;

use cos_model::{Operation, SigningInput};
use cos_sign::encode::uri_encode;
use cos_sign::{HeaderPolicy, KeyTime, SignableRequest};
use http::header::HOST;

use super::Client;
use super::error::{Error, ErrorKind};
use super::sign::key_time;
use crate::credentials::{CredentialError, SigningMaterial};

/// A pre-signed request: send `method` to `url` with `headers` (the signed ones; `host` is what
/// any HTTP client sends for the URL) before `key_time.end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    /// The method the signature covers.
    pub method: http::Method,
    /// The URL with the signature in its query.
    pub url: String,
    /// The headers the signature covers (only `host`).
    pub headers: http::HeaderMap,
    /// The signature's validity window (server time, Unix seconds).
    pub key_time: KeyTime,
}

impl Client {
    /// Pre-signs `op` (typically GetObject or PutObject) for `expires_in`, signing only `host`
    /// so any client can use the URL. Needs local keys: a remote signer cannot pre-sign.
    pub async fn presign<O>(&self, op: &O, expires_in: Duration) -> Result<PresignedRequest, Error>
    where
        O: Operation + Sync,
    {
        let name = op.name();
        let fail = |kind| Error::new(kind, name, 0);
        let request = op
            .build(&self.shared.endpoint, self.bucket.as_ref())
            .map_err(|e| fail(ErrorKind::Build(e)))?;
        let (parts, _payload) = request.into_parts();
        let signing = parts
            .extensions
            .get::<SigningInput>()
            .cloned()
            .ok_or_else(|| fail(ErrorKind::InvalidRequest("no SigningInput".into())))?;
        let (material, server_now, _) = self
            .material(name, &parts, &parts.headers, &signing)
            .await
            .map_err(fail)?;
        let SigningMaterial::Keys(keys) = material else {
            return Err(fail(ErrorKind::Credentials(CredentialError::Unsupported(
                "pre-sign with a remote signer",
            ))));
        };
        let mut window = key_time(&self.shared, server_now, &keys);
        window.end = server_now
            .saturating_add(expires_in.as_secs())
            .max(window.start);
        if let Some(until) = keys.expires_at {
            window.end = window.end.min(until).max(window.start);
        }

        let host = parts
            .headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
            .ok_or_else(|| fail(ErrorKind::InvalidRequest("the request has no host".into())))?;
        let headers = [("host", host.as_str())];
        let query = signing.query_pairs();
        let signable = SignableRequest {
            method: parts.method.as_str(),
            path: &signing.path,
            query: &query,
            headers: &headers,
        };
        let policy = HeaderPolicy::Only(vec!["host".to_owned()]);
        let signature = cos_sign::sign(&signable, &keys.credentials, window, &policy)
            .map_err(|e| fail(ErrorKind::Sign(e)))?;

        let mut url = parts.uri.to_string();
        let mut separator = if parts.uri.query().is_some_and(|q| !q.is_empty()) {
            '&'
        } else {
            '?'
        };
        if url.ends_with('?') {
            separator = '\0';
        }
        for (name, value) in signature.presigned_query() {
            if separator != '\0' {
                url.push(separator);
            }
            separator = '&';
            url.push_str(&name);
            url.push('=');
            url.push_str(&uri_encode(&value));
        }
        let mut signed_headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(&host) {
            signed_headers.insert(HOST, value);
        }
        Ok(PresignedRequest {
            method: parts.method.clone(),
            url,
            headers: signed_headers,
            key_time: window,
        })
    }
}
