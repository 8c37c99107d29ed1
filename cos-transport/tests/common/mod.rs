//! Helpers shared by the integration tests: a path-style endpoint on loopback, names, and a
//! signature check done the way a server does it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_sign::Credentials;
use cos_sign::verify::{Verified, VerifyError, verify_header};
use cos_transport::test_util::{MockTransport, RecordedRequest};
use cos_transport::{Body, Client, RetryPolicy, StaticCredentials};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub const SECRET_ID: &str = "AKIDcosrsTESTkey000000000000000000000";
pub const SECRET_KEY: &str = "cosrs-test-secret-key";
pub const T0: u64 = 1_700_000_000;

pub fn endpoint() -> Endpoint {
    Endpoint::path_style("http://127.0.0.1:9").unwrap()
}

pub fn bucket() -> BucketName {
    BucketName::new("examplebucket-1250000000").unwrap()
}

pub fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

pub fn unix(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A retry policy with tiny, seeded backoff (tests run on paused time anyway).
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::builder()
        .backoff(Duration::from_millis(10), Duration::from_millis(100))
        .slow_down_backoff(Duration::from_millis(500), Duration::from_secs(2))
        .rng(StdRng::seed_from_u64(1))
        .build()
}

pub fn static_client(mock: &MockTransport) -> Client {
    Client::builder(endpoint())
        .bucket(bucket())
        .credentials(StaticCredentials::from_keys(SECRET_ID, SECRET_KEY))
        .transport(mock.clone())
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn decode(s: &str) -> String {
    cos_sign::encode::uri_decode(s).unwrap()
}

fn check(
    method: &str,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    lookup: &dyn Fn(&str) -> Option<Credentials>,
    now: u64,
) -> Result<Verified, VerifyError> {
    let path = decode(uri.path());
    let query: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect();
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let header_pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(n, _)| n.as_str() != "authorization")
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
        .collect();
    let req = cos_sign::SignableRequest {
        method,
        path: &path,
        query: &query,
        headers: &header_pairs,
    };
    let authorization = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let lookup = |id: &str| lookup(id);
    verify_header(&authorization, &req, &lookup, now)
}

/// Verifies a live request's Authorization as COS would at `now`.
pub fn verify_live(
    request: &http::Request<Body>,
    lookup: &dyn Fn(&str) -> Option<Credentials>,
    now: u64,
) -> Result<Verified, VerifyError> {
    check(
        request.method().as_str(),
        request.uri(),
        request.headers(),
        lookup,
        now,
    )
}

/// Verifies a recorded request's Authorization as COS would at `now`.
pub fn verify_recorded(
    request: &RecordedRequest,
    lookup: &dyn Fn(&str) -> Option<Credentials>,
    now: u64,
) -> Result<Verified, VerifyError> {
    check(
        request.method.as_str(),
        &request.uri,
        &request.headers,
        lookup,
        now,
    )
}

pub fn static_lookup(id: &str) -> Option<Credentials> {
    (id == SECRET_ID).then(|| Credentials::new(SECRET_ID, SECRET_KEY))
}

/// `q-sign-time` of an Authorization header.
pub fn sign_time(request: &http::Request<Body>) -> Option<(u64, u64)> {
    let auth = request.headers().get("authorization")?.to_str().ok()?;
    let value = auth
        .split('&')
        .find_map(|p| p.strip_prefix("q-sign-time="))?;
    let (a, b) = value.split_once(';')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}
