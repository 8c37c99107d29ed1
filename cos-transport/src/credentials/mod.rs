//! Credential providers: where the [`Client`](crate::Client) gets what it signs with.
//!
//! - [`StaticCredentials`]: a fixed key pair (debugging, servers with long-lived keys);
//! - [`TemporaryCredentials`]: STS keys from an async callback, cached, refreshed ahead of
//!   expiry with one refresh in flight however many requests wait;
//! - [`RemoteSigner`]: a ready Authorization (and token) per request from a callback, for
//!   server-side signing where the client never sees a key;
//! - [`DefaultCredentials`]: the default chain — environment, profile file, TKE web identity,
//!   CVM instance role, optionally with a role to assume.

mod chain;
mod remote;
mod static_keys;
mod temporary;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use cos_sign::Credentials;

use crate::error::BoxError;
use crate::transport::BoxFuture;

pub use chain::{
    CREDENTIALS_FILE_VAR, ChainError, DEFAULT_METADATA_ENDPOINT, DefaultCredentials,
    DefaultCredentialsBuilder, Environment, MapEnvironment, ProcessEnvironment, SourceError,
    SourceKind, Tried,
};
pub use remote::{RemoteSignRequest, RemoteSigner};
pub use static_keys::StaticCredentials;
pub use temporary::{TemporaryCredentials, TemporaryCredentialsBuilder, TemporaryKey};

/// What a provider is told about the request it provides for.
#[derive(Debug, Clone, Copy)]
pub struct SigningContext<'a> {
    /// The operation's name (`UploadPart`, …).
    pub operation: &'static str,
    /// The request's method.
    pub method: &'a http::Method,
    /// The request's absolute URI.
    pub uri: &'a http::Uri,
    /// The decoded path to sign.
    pub path: &'a str,
    /// The decoded query pairs to sign.
    pub query: &'a [(String, String)],
    /// The request's headers (with `host`), before `Authorization` is added.
    pub headers: &'a http::HeaderMap,
    /// This machine's clock.
    pub local_now: SystemTime,
    /// The server's estimated time in Unix seconds (`local_now` + the learnt clock offset).
    pub server_now: u64,
}

/// The server's time as seen when credentials were issued: lets a client correct its clock
/// before its first request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockAnchor {
    /// The server's time in Unix seconds (e.g. an STS `StartTime`).
    pub server_unix: u64,
    /// This machine's clock at that moment.
    pub observed_at: SystemTime,
}

/// Keys to sign a request with locally.
#[derive(Debug, Clone)]
pub struct ProvidedKeys {
    /// The key pair (and the session token of temporary keys).
    pub credentials: Credentials,
    /// The keys are not valid before this Unix second (server time).
    pub valid_from: Option<u64>,
    /// The keys are not valid after this Unix second (server time).
    pub expires_at: Option<u64>,
    /// Identifies this set of keys for [`CredentialProvider::invalidate`].
    pub generation: u64,
    /// The server's clock as observed when the keys were issued.
    pub anchor: Option<ClockAnchor>,
}

/// A ready Authorization from a remote signer.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteAuthorization {
    /// The `Authorization` header value (`q-sign-algorithm=sha1&q-ak=…`).
    pub authorization: String,
    /// `x-cos-security-token`, when the signature was made with temporary keys.
    pub security_token: Option<String>,
}

impl fmt::Debug for RemoteAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteAuthorization")
            .field("authorization", &self.authorization)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// What a provider hands the client for one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SigningMaterial {
    /// Sign locally with these keys.
    Keys(ProvidedKeys),
    /// Use this Authorization as it is.
    Signed(RemoteAuthorization),
}

/// Why credentials could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The credential callback failed and no cached key is still usable.
    #[error("fetching temporary credentials failed: {0}")]
    Fetch(#[source] BoxError),
    /// The callback returned something unusable.
    #[error("the credential callback returned an invalid key: {0}")]
    Invalid(String),
    /// The remote signer failed.
    #[error("the remote signer failed: {0}")]
    RemoteSigner(#[source] BoxError),
    /// The provider cannot do what was asked (e.g. pre-sign with a remote signer).
    #[error("the credential provider cannot {0}")]
    Unsupported(&'static str),
    /// No source of the default chain had credentials; lists what was tried.
    #[error(transparent)]
    NotFound(ChainError),
    /// A source of the default chain is configured but failed; names it and why.
    #[error(transparent)]
    Source(SourceError),
}

/// A source of signing material. Implemented by the three providers here; implement it for any
/// other source (a CVM role, a vault, …).
pub trait CredentialProvider: Send + Sync + 'static {
    /// The keys (or the ready signature) for the request described by `ctx`.
    fn provide<'a>(
        &'a self,
        ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>>;

    /// The server rejected keys of `generation` as expired or unknown: drop them so the next
    /// [`provide`](Self::provide) fetches new ones (a no-op when a newer generation is cached).
    fn invalidate(&self, generation: u64) {
        let _ = generation;
    }

    /// Whether asking again can yield different material (so a forced refresh is worth one
    /// retry).
    fn can_refresh(&self) -> bool {
        false
    }
}

/// The keys `provider` would sign a request with at `now` (this machine's clock, taken as the
/// server's too).
pub(crate) async fn keys_at(
    provider: &dyn CredentialProvider,
    now: SystemTime,
) -> Result<ProvidedKeys, CredentialError> {
    let uri = http::Uri::from_static("/");
    let headers = http::HeaderMap::new();
    let ctx = SigningContext {
        operation: "CurrentKeys",
        method: &http::Method::GET,
        uri: &uri,
        path: "/",
        query: &[],
        headers: &headers,
        local_now: now,
        server_now: now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
    };
    match provider.provide(&ctx).await? {
        SigningMaterial::Keys(keys) => Ok(keys),
        _ => Err(CredentialError::Unsupported(
            "hand out keys from a remote signer (it holds none)",
        )),
    }
}
