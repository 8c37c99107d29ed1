//! Who sent an STS request: the TC3 `Authorization` or the v1 `Signature` is checked with
//! cos-sign's verifiers against the emulator's keys, within Tencent's 5-minute window; a
//! temporary key must come with its own token (`X-TC-Token` or `Token`).

use std::sync::Arc;

use http::request::Parts;

use super::StsFailure;
use super::params::{Scheme, StsRequest};
use crate::keys::KeyEntry;
use crate::shared::{Shared, read};

/// The key that signed a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Its SecretId.
    pub secret_id: String,
    /// Whether it is a temporary key.
    pub temporary: bool,
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the request's signature (and a temporary caller's token); returns the caller.
pub fn authenticate(
    sh: &Arc<Shared>,
    parts: &Parts,
    body: &[u8],
    request: &StsRequest,
) -> Result<Caller, StsFailure> {
    let now = u64::try_from(sh.now().secs()).unwrap_or(0);
    let keys = read(&sh.keys);
    // with its token for a temporary key: cos-sign compares the one presented
    let lookup = |id: &str| {
        keys.get(id).map(|entry| match entry {
            KeyEntry::Temporary(t) => t.credentials(),
            KeyEntry::Permanent(c) => c.clone(),
        })
    };
    let refused = |e: cos_sign::cloud_api::ApiVerifyError| StsFailure::new(e.code(), e.to_string());
    let secret_id = match &request.scheme {
        Scheme::Tc3 { authorization } => {
            let headers: Vec<(&str, &str)> = parts
                .headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
                .collect();
            let incoming = cos_sign::tc3::Tc3Incoming {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query().unwrap_or(""),
                headers: &headers,
                payload: body,
            };
            cos_sign::tc3::verify(
                &incoming,
                authorization,
                header(parts, "x-tc-timestamp"),
                &lookup,
                now,
            )
            .map_err(refused)?
            .secret_id
        }
        Scheme::V1 => {
            let params: Vec<(&str, &str)> = request
                .v1_pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let incoming = cos_sign::sts_v1::V1Incoming {
                method: parts.method.as_str(),
                host: header(parts, "host").unwrap_or(""),
                path: parts.uri.path(),
                params: &params,
            };
            cos_sign::sts_v1::verify(&incoming, &lookup, now)
                .map_err(refused)?
                .secret_id
        }
    };
    let temporary = match keys.get(&secret_id) {
        Some(KeyEntry::Temporary(t)) => {
            if t.expired_time < sh.now().secs() {
                return Err(StsFailure::new(
                    "AuthFailure.TokenFailure",
                    "The temporary key has expired.",
                ));
            }
            true
        }
        Some(KeyEntry::Permanent(_)) | None => false,
    };
    Ok(Caller {
        secret_id,
        temporary,
    })
}
