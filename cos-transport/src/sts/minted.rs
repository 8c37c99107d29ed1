//! [`MintedCredentials`]: the credential provider that mints temporary keys for a scope from
//! STS (`GetFederationToken` with a policy, or `AssumeRole` — signed with the client's keys or
//! with any other provider's), over
//! [`TemporaryCredentials`](crate::TemporaryCredentials): cached, refreshed ahead of expiry,
//! one refresh in flight, and the key time anchored at STS's own start of the key
//! (`ExpiredTime − DurationSeconds`, as Tencent's COS STS SDKs compute `startTime`).

use std::sync::Arc;
use std::time::SystemTime;

use cos_model::sts::{AssumeRole, GetFederationToken, StsAction, StsCredentials};

use super::client::StsClient;
use crate::credentials::{
    CredentialError, CredentialProvider, SigningContext, SigningMaterial, SourceError,
    TemporaryCredentials, TemporaryKey, keys_at,
};
use crate::error::BoxError;
use crate::transport::BoxFuture;

/// Temporary keys minted from STS for one scope. Cheap to clone; clones share the cache.
#[derive(Clone, Debug)]
pub struct MintedCredentials {
    keys: TemporaryCredentials,
}

/// The source name errors give when a role assumed with another provider's keys fails.
pub(crate) const ASSUMED_ROLE: &str = "assumed role";

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
        Self::minting(client, action, duration, None)
    }

    /// Keys from `AssumeRole` through `client`, signed with the client's own keys.
    pub fn assume_role(client: StsClient, action: AssumeRole) -> Self {
        let duration = action.duration();
        Self::minting(client, action, duration, None)
    }

    /// Keys from `AssumeRole` through `client`, each call signed with `source`'s current keys:
    /// a role assumed with keys that change (an instance role's, a profile's, the default
    /// chain's) — the wrapper tencentcloud-sdk-go (`role_arn_provider.go`) and -python
    /// (`STSAssumeRoleCredential`) offer around a fixed key pair, here around any provider.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use cos_model::sts::AssumeRole;
    /// use cos_transport::{DefaultCredentials, MintedCredentials, StsClient};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let role = MintedCredentials::assume_role_with(
    ///     Arc::new(DefaultCredentials::new()),
    ///     StsClient::keyless_builder().build()?,
    ///     AssumeRole::new("qcs::cam::uin/100000000001:roleName/uploader", "nightly-backup")
    ///         .duration_seconds(3600),
    /// );
    /// # let _ = role;
    /// # Ok(())
    /// # }
    /// ```
    pub fn assume_role_with(
        source: Arc<dyn CredentialProvider>,
        client: StsClient,
        action: AssumeRole,
    ) -> Self {
        let duration = action.duration();
        let what = format!("AssumeRole of {}", action.role_arn());
        Self::minting(client, action, duration, Some((source, what)))
    }

    /// `signer`: the provider whose keys sign each call (instead of the client's), and what
    /// the call is, for its errors.
    fn minting<A>(
        client: StsClient,
        action: A,
        duration: u32,
        signer: Option<(Arc<dyn CredentialProvider>, String)>,
    ) -> Self
    where
        A: StsAction<Output = StsCredentials> + Send + Sync + 'static,
    {
        let action = Arc::new(action);
        let signer = signer.map(Arc::new);
        let keys = TemporaryCredentials::new(move || {
            let client = client.clone();
            let action = Arc::clone(&action);
            let signer = signer.clone();
            async move {
                let out = match signer.as_deref() {
                    None => client
                        .call(action.as_ref())
                        .await
                        .map_err(|e| Box::new(e) as BoxError)?,
                    Some((source, what)) => {
                        let keys =
                            keys_at(source.as_ref(), SystemTime::now())
                                .await
                                .map_err(|e| {
                                    SourceError::caused_by(
                                        ASSUMED_ROLE,
                                        "getting the keys to assume the role with",
                                        e,
                                    )
                                })?;
                        client
                            .call_with(action.as_ref(), &keys.credentials)
                            .await
                            .map_err(|e| SourceError::caused_by(ASSUMED_ROLE, what.clone(), e))?
                    }
                };
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
