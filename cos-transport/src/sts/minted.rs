//! [`MintedCredentials`]: the credential provider that mints temporary keys for a scope from
//! STS (`GetFederationToken` with a policy, or `AssumeRole`), over
//! [`TemporaryCredentials`](crate::TemporaryCredentials): cached, refreshed ahead of expiry,
//! one refresh in flight, and the key time anchored at STS's own start of the key
//! (`ExpiredTime − DurationSeconds`, as Tencent's COS STS SDKs compute `startTime`).

use std::sync::Arc;

use cos_model::sts::{AssumeRole, GetFederationToken, StsAction, StsCredentials};

use super::client::StsClient;
use crate::credentials::{
    CredentialError, CredentialProvider, SigningContext, SigningMaterial, TemporaryCredentials,
    TemporaryKey,
};
use crate::error::BoxError;
use crate::transport::BoxFuture;

/// Temporary keys minted from STS for one scope. Cheap to clone; clones share the cache.
#[derive(Clone, Debug)]
pub struct MintedCredentials {
    keys: TemporaryCredentials,
}

pub(crate) fn key_of(out: StsCredentials, duration: u32) -> TemporaryKey {
    let start = out.expired_time.saturating_sub(u64::from(duration));
    TemporaryKey::new(out.tmp_secret_id, out.tmp_secret_key)
        .with_security_token(out.token)
        .with_start_time(start)
        .with_expired_time(out.expired_time)
}

impl MintedCredentials {
    /// Keys from `GetFederationToken` (its policy is the scope) through `client`.
    pub fn federation(client: StsClient, action: GetFederationToken) -> Self {
        let duration = action.duration();
        Self::minting(client, action, duration)
    }

    /// Keys from `AssumeRole` through `client`.
    pub fn assume_role(client: StsClient, action: AssumeRole) -> Self {
        let duration = action.duration();
        Self::minting(client, action, duration)
    }

    fn minting<A>(client: StsClient, action: A, duration: u32) -> Self
    where
        A: StsAction<Output = StsCredentials> + Send + Sync + 'static,
    {
        let action = Arc::new(action);
        let keys = TemporaryCredentials::new(move || {
            let client = client.clone();
            let action = Arc::clone(&action);
            async move {
                let out = client
                    .call(action.as_ref())
                    .await
                    .map_err(|e| Box::new(e) as BoxError)?;
                tracing::info!(
                    source = "sts",
                    action = action.action(),
                    tmp_secret_id = %out.tmp_secret_id,
                    expires = out.expired_time,
                    "minted temporary keys"
                );
                Ok(key_of(out, duration))
            }
        });
        Self { keys }
    }

    /// The current keys, minting them when none are cached or they are due for refresh: what
    /// a backend hands to a frontend. `now` is this machine's clock.
    pub async fn current(
        &self,
        now: std::time::SystemTime,
    ) -> Result<TemporaryKey, CredentialError> {
        self.keys.current_key(now).await
    }
}

impl CredentialProvider for MintedCredentials {
    fn provide<'a>(
        &'a self,
        ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>> {
        self.keys.provide(ctx)
    }

    fn invalidate(&self, generation: u64) {
        self.keys.invalidate(generation);
    }

    fn can_refresh(&self) -> bool {
        true
    }
}
