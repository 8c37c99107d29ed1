//! The key pairs the emulator knows: permanent ones (`--credential ID:KEY`, or the demo pair)
//! and temporary ones issued by `POST /-/sts`, each with its session token and expiry.

use cos_sign::Credentials;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::policy::Policy;

/// The demo SecretId used when no credential is given.
pub const DEMO_SECRET_ID: &str = "AKIDcosrsEMULATORdemo0000000000000000";
/// The demo SecretKey used when no credential is given.
pub const DEMO_SECRET_KEY: &str = "cosrs-emulator-demo-secret-key-0000";

/// Longest temporary key lifetime (36 h, as Tencent's STS).
pub const MAX_STS_DURATION: u64 = 129_600;

/// A temporary key pair as `POST /-/sts` returns it.
#[derive(Clone)]
pub struct TemporaryKey {
    /// `tmpSecretId`.
    pub tmp_secret_id: String,
    /// `tmpSecretKey`.
    pub tmp_secret_key: String,
    /// `sessionToken`, to be sent as `x-cos-security-token`.
    pub session_token: String,
    /// `startTime` (Unix seconds, server clock).
    pub start_time: i64,
    /// `expiredTime` (Unix seconds, server clock).
    pub expired_time: i64,
    /// What the key may do (none: anything, as an account's own key).
    pub(crate) policy: Option<Arc<Policy>>,
}

impl fmt::Debug for TemporaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryKey")
            .field("tmp_secret_id", &self.tmp_secret_id)
            .field("tmp_secret_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("start_time", &self.start_time)
            .field("expired_time", &self.expired_time)
            .field("restricted", &self.policy.is_some())
            .finish()
    }
}

impl PartialEq for TemporaryKey {
    fn eq(&self, other: &Self) -> bool {
        let same_policy = match (&self.policy, &other.policy) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        self.tmp_secret_id == other.tmp_secret_id
            && self.tmp_secret_key == other.tmp_secret_key
            && self.session_token == other.session_token
            && self.start_time == other.start_time
            && self.expired_time == other.expired_time
            && same_policy
    }
}

impl Eq for TemporaryKey {}

impl TemporaryKey {
    /// The JSON body of the STS answer:
    /// `{"credentials":{"tmpSecretId","tmpSecretKey","sessionToken"},"startTime","expiredTime"}`
    /// (plus `expiration`, the expiry as ISO-8601, as Tencent's STS SDK adds).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "credentials": {
                "tmpSecretId": self.tmp_secret_id,
                "tmpSecretKey": self.tmp_secret_key,
                "sessionToken": self.session_token,
            },
            "startTime": self.start_time,
            "expiredTime": self.expired_time,
            "expiration": crate::timefmt::Millis(self.expired_time.saturating_mul(1000)).iso8601(),
        })
        .to_string()
    }

    /// The key as cos-sign credentials (with the token).
    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.tmp_secret_id, &self.tmp_secret_key)
            .with_security_token(&self.session_token)
    }
}

/// What the store knows about an access key id.
#[derive(Clone)]
pub enum KeyEntry {
    /// A permanent pair.
    Permanent(Credentials),
    /// A temporary pair.
    Temporary(TemporaryKey),
}

impl KeyEntry {
    /// The pair for signature checks (without a token: the emulator compares tokens itself).
    pub fn credentials(&self) -> Credentials {
        match self {
            KeyEntry::Permanent(c) => c.clone(),
            KeyEntry::Temporary(t) => Credentials::new(&t.tmp_secret_id, &t.tmp_secret_key),
        }
    }
}

/// Permanent and temporary keys by SecretId.
#[derive(Default)]
pub struct KeyStore {
    keys: HashMap<String, KeyEntry>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl KeyStore {
    /// Adds a permanent pair.
    pub fn add_permanent(&mut self, id: &str, key: &str) {
        self.keys.insert(
            id.to_string(),
            KeyEntry::Permanent(Credentials::new(id, key)),
        );
    }

    /// Looks a SecretId up.
    pub fn get(&self, id: &str) -> Option<&KeyEntry> {
        self.keys.get(id)
    }

    /// Issues a temporary pair valid for `[now, now + duration]` (server clock, seconds),
    /// bound to `policy` (none: unrestricted).
    pub fn issue(&mut self, now: i64, duration: u64, policy: Option<Arc<Policy>>) -> TemporaryKey {
        let key = TemporaryKey {
            tmp_secret_id: format!("AKID{}", random_string(32)),
            tmp_secret_key: random_string(32),
            session_token: random_string(96),
            start_time: now,
            expired_time: now.saturating_add(i64::try_from(duration).unwrap_or(i64::MAX)),
            policy,
        };
        self.keys
            .insert(key.tmp_secret_id.clone(), KeyEntry::Temporary(key.clone()));
        key
    }

    /// The permanent SecretIds.
    pub fn permanent_ids(&self) -> Vec<String> {
        let mut ids: Vec<_> = self
            .keys
            .iter()
            .filter(|(_, e)| matches!(e, KeyEntry::Permanent(_)))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_pair_has_the_contract_shape() {
        // The contract spells the id out (37 characters, though its note says 36).
        assert_eq!(DEMO_SECRET_ID, "AKIDcosrsEMULATORdemo0000000000000000");
        assert!(DEMO_SECRET_ID.starts_with("AKID"));
    }

    #[test]
    fn issues_distinct_temporary_keys() {
        let mut s = KeyStore::default();
        let a = s.issue(100, 60, None);
        let b = s.issue(100, 60, None);
        assert_ne!(a.tmp_secret_id, b.tmp_secret_id);
        assert_eq!(a.expired_time, 160);
        assert!(matches!(
            s.get(&a.tmp_secret_id),
            Some(KeyEntry::Temporary(_))
        ));
        let json: serde_json::Value = serde_json::from_str(&a.to_json()).unwrap();
        assert_eq!(json["credentials"]["tmpSecretId"], a.tmp_secret_id.as_str());
        assert_eq!(json["expiredTime"], 160);
        assert!(!format!("{a:?}").contains(&a.tmp_secret_key));
    }
}
