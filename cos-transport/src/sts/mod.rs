//! Temporary keys from Tencent Cloud STS: [`StsClient`] calls the STS actions of cos-model
//! (`GetFederationToken`, `AssumeRole`, `AssumeRoleWithWebIdentity`) over the same
//! [`Transport`](crate::Transport), signed with TC3-HMAC-SHA256 by cos-sign (with its own keys
//! or keys given per call; unsigned for web identity, as Tencent's SDKs send it), retried
//! under a [`RetryPolicy`](crate::RetryPolicy); and [`MintedCredentials`] is the credential provider that mints keys for a scope through it,
//! caches them and refreshes them ahead of expiry with one refresh in flight. A backend uses
//! the client to hand keys out; an uploader uses the provider to run with least privilege.

mod client;
mod error;
mod minted;

pub use client::{StsClient, StsClientBuilder};
pub use error::{StsCallError, StsCallErrorKind};
pub use minted::MintedCredentials;
pub(crate) use minted::{ASSUMED_ROLE, key_of};
