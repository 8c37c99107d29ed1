//! [`RemoteSigner`]: server-side signing. For every request the callback receives what is to be
//! signed and returns a ready Authorization (plus the token of the temporary keys it signed
//! with); the client never holds a key.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{
    CredentialError, CredentialProvider, RemoteAuthorization, SigningContext, SigningMaterial,
};
use crate::error::BoxError;
use crate::transport::BoxFuture;

/// What a remote signer is asked to sign (everything owned, ready to serialise to a backend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSignRequest {
    /// The operation's name (`UploadPart`, …), for the backend's authorisation decision.
    pub operation: &'static str,
    /// The method, upper case.
    pub method: String,
    /// The decoded path to sign (`/` + key, or `/<bucket>/<key>` path style).
    pub path: String,
    /// The decoded query pairs to sign.
    pub query: Vec<(String, String)>,
    /// The headers the SDKs sign by default (`host`, `content-length`, `content-md5`,
    /// `content-type`, every `x-cos-*`, …), names lowercase, in request order.
    pub headers: Vec<(String, String)>,
    /// The server's estimated time in Unix seconds (a signer may use it for the key time).
    pub server_now: u64,
}

impl RemoteSignRequest {
    /// The request described by `ctx`.
    pub fn from_context(ctx: &SigningContext<'_>) -> Self {
        let policy = cos_sign::HeaderPolicy::Default;
        let headers = ctx
            .headers
            .iter()
            .filter(|(name, _)| policy.signs(name.as_str()))
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        Self {
            operation: ctx.operation,
            method: ctx.method.as_str().to_owned(),
            path: ctx.path.to_owned(),
            query: ctx.query.to_vec(),
            headers,
            server_now: ctx.server_now,
        }
    }
}

type SignFn = dyn Fn(RemoteSignRequest) -> BoxFuture<'static, Result<RemoteAuthorization, BoxError>>
    + Send
    + Sync;

/// Asks a callback for a ready Authorization for every request.
#[derive(Clone)]
pub struct RemoteSigner {
    sign: Arc<SignFn>,
    calls: Arc<AtomicU64>,
}

impl fmt::Debug for RemoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteSigner")
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl RemoteSigner {
    /// A provider calling `sign` for each request (each attempt of a retried request too).
    pub fn new<F, Fut>(sign: F) -> Self
    where
        F: Fn(RemoteSignRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<RemoteAuthorization, BoxError>> + Send + 'static,
    {
        Self {
            sign: Arc::new(move |req| Box::pin(sign(req))),
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many signatures have been asked for.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

impl CredentialProvider for RemoteSigner {
    fn provide<'a>(
        &'a self,
        ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>> {
        let request = RemoteSignRequest::from_context(ctx);
        self.calls.fetch_add(1, Ordering::Relaxed);
        let fut = (self.sign)(request);
        Box::pin(async move {
            let auth = fut.await.map_err(CredentialError::RemoteSigner)?;
            if !auth.authorization.contains("q-signature=") {
                return Err(CredentialError::Invalid(
                    "the remote signer's Authorization has no q-signature".into(),
                ));
            }
            Ok(SigningMaterial::Signed(auth))
        })
    }

    fn can_refresh(&self) -> bool {
        true
    }
}
