//! The default credential chain against local stand-ins (a metadata service and STS on
//! 127.0.0.1, profile and token files in temp directories, the environment as a map): every
//! source, the order between them, refresh ahead of expiry, a service that is down, and no
//! secret in any Debug, log line or error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod order;
mod secrets;
mod sources;
mod stand_in;

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use cos_transport::credentials::{
    DefaultCredentials, DefaultCredentialsBuilder, MapEnvironment, ProvidedKeys, SigningContext,
    SigningMaterial,
};
use cos_transport::{CredentialError, CredentialProvider};

/// The fake "now" of the tests (server and local clock alike).
pub const T0: u64 = 1_700_000_000;

/// A request context at `secs` on both clocks.
#[derive(Default)]
pub struct Ctx {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
}

impl Ctx {
    /// The context at `secs`.
    pub fn at(&self, secs: u64) -> SigningContext<'_> {
        SigningContext {
            operation: "PutObject",
            method: &self.method,
            uri: &self.uri,
            path: "/object",
            query: &[],
            headers: &self.headers,
            local_now: UNIX_EPOCH + Duration::from_secs(secs),
            server_now: secs,
        }
    }
}

/// The keys `provider` gives at `secs`.
pub async fn keys_at(
    provider: &impl CredentialProvider,
    secs: u64,
) -> Result<ProvidedKeys, CredentialError> {
    let ctx = Ctx::default();
    match provider.provide(&ctx.at(secs)).await? {
        SigningMaterial::Keys(k) => Ok(k),
        other => panic!("expected keys, got {other:?}"),
    }
}

/// A chain over `env` only: no process variables, metadata and STS nowhere unless set.
pub fn chain(env: MapEnvironment) -> DefaultCredentialsBuilder {
    DefaultCredentials::builder()
        .environment(env)
        .metadata_endpoint(format!("http://{}", stand_in::unused_addr()))
        .sts_endpoint(format!("http://{}", stand_in::unused_addr()))
}

/// An environment whose home is `home` (with no profile file unless one is written).
pub fn home_env(home: &Path) -> MapEnvironment {
    MapEnvironment::new().with("HOME", home.to_str().unwrap())
}

/// Writes `~/.tencentcloud/credentials` under `home`.
pub fn write_profile(home: &Path, text: &str) {
    let dir = home.join(".tencentcloud");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("credentials"), text).unwrap();
}

/// A profile file with `[default]` and `[ci]`.
pub const TWO_PROFILES: &str = "\
# two profiles, as `tccli configure` style tools write them
[default]
secret_id = AKIDprofileDEFAULT
secret_key = profile-default-s3cr3t

[ci]
secret_id = AKIDprofileCI
secret_key = profile-ci-s3cr3t
";
