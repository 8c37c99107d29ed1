//! [`StaticCredentials`]: one fixed key pair (with an optional token).

use cos_sign::Credentials;

use super::{CredentialError, CredentialProvider, ProvidedKeys, SigningContext, SigningMaterial};
use crate::transport::BoxFuture;

/// A fixed key pair. Never refreshes: an expired-credential answer is final.
#[derive(Debug, Clone)]
pub struct StaticCredentials {
    credentials: Credentials,
}

impl StaticCredentials {
    /// Provides `credentials` for every request.
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }

    /// A permanent key pair from its two halves.
    pub fn from_keys(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self::new(Credentials::new(secret_id, secret_key))
    }

    /// Adds a security token: temporary keys handed over once, with nothing to refresh them
    /// from (COS refusing them is then final, and says so as refused temporary credentials).
    pub fn with_security_token(self, token: impl Into<String>) -> Self {
        Self::new(self.credentials.with_security_token(token))
    }
}

impl CredentialProvider for StaticCredentials {
    fn provide<'a>(
        &'a self,
        _ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>> {
        let keys = ProvidedKeys {
            credentials: self.credentials.clone(),
            valid_from: None,
            expires_at: None,
            generation: 0,
            anchor: None,
        };
        Box::pin(std::future::ready(Ok(SigningMaterial::Keys(keys))))
    }
}
