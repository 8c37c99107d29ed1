//! [`AssumedRole`]: a CAM role's keys from STS `AssumeRole`, signed with the keys of any other
//! provider (a profile's, an instance role's, …) — the wrapper tencentcloud-sdk-go
//! (`role_arn_provider.go`) and tencentcloud-sdk-python (`STSAssumeRoleCredential`) offer
//! around a fixed key pair, here around any source. Cached and refreshed ahead of expiry, one
//! refresh in flight; each refresh asks the source for its current keys.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use cos_model::sts::AssumeRole;

use super::SourceError;
use crate::credentials::{
    CredentialError, CredentialProvider, SigningContext, SigningMaterial, TemporaryCredentials,
    keys_at,
};
use crate::error::BoxError;
use crate::sts::{StsClient, key_of};
use crate::transport::BoxFuture;

pub(crate) const NAME: &str = "assumed role";

/// A role's keys, assumed with a source's keys. Cheap to clone; clones share the cache.
///
/// ```no_run
/// use std::sync::Arc;
/// use cos_model::sts::AssumeRole;
/// use cos_transport::credentials::{AssumedRole, DefaultCredentials};
/// use cos_transport::StsClient;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let role = AssumedRole::new(
///     Arc::new(DefaultCredentials::new()),
///     StsClient::keyless_builder().build()?,
///     AssumeRole::new("qcs::cam::uin/100000000001:roleName/uploader", "nightly-backup")
///         .duration_seconds(3600),
/// );
/// # let _ = role;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AssumedRole {
    keys: TemporaryCredentials,
    role_arn: Arc<str>,
}

impl fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumedRole")
            .field("role_arn", &self.role_arn)
            .field("keys", &self.keys)
            .finish()
    }
}

impl AssumedRole {
    /// Assumes `action`'s role through `sts`, signing each call with `source`'s current keys.
    pub fn new(source: Arc<dyn CredentialProvider>, sts: StsClient, action: AssumeRole) -> Self {
        let role_arn: Arc<str> = Arc::from(action.role_arn());
        let action = Arc::new(action);
        let keys = TemporaryCredentials::new(move || {
            let source = Arc::clone(&source);
            let sts = sts.clone();
            let action = Arc::clone(&action);
            async move {
                let keys = keys_at(source.as_ref(), SystemTime::now()).await;
                let credentials = keys.map(|k| k.credentials).map_err(|e| {
                    SourceError::caused_by(NAME, "getting the keys to assume the role with", e)
                })?;
                let duration = action.duration();
                let out = sts
                    .call_with(action.as_ref(), &credentials)
                    .await
                    .map_err(|e| {
                        SourceError::caused_by(
                            NAME,
                            format!("AssumeRole of {}", action.role_arn()),
                            e,
                        )
                    })?;
                tracing::info!(
                    source = NAME,
                    role = action.role_arn(),
                    expires = out.expired_time,
                    "assumed the role"
                );
                Ok::<_, BoxError>(key_of(out, duration))
            }
        });
        Self { keys, role_arn }
    }

    /// The role assumed.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

impl CredentialProvider for AssumedRole {
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
