//! `GetFederationToken`: temporary keys for a federated caller, bounded by a CAM policy
//! (shared/spec/sts.md, "GetFederationToken"). Only permanent keys may call it.

use super::{StsAction, StsCredentials, StsError, response::parse_credentials};

/// The default lifetime STS gives (seconds).
pub const DEFAULT_DURATION: u32 = 1800;

/// `GetFederationToken` with a name, a policy and a lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetFederationToken {
    name: String,
    policy: String,
    duration_seconds: u32,
}

impl GetFederationToken {
    /// Keys named `name` (letters, digits and `-`, as the SDKs send, e.g. `cos-sts-rust`),
    /// allowed what the CAM `policy` (JSON) allows, for 1800 s.
    pub fn new(name: impl Into<String>, policy: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            policy: policy.into(),
            duration_seconds: DEFAULT_DURATION,
        }
    }

    /// The keys' lifetime (STS allows at most 7200 s to a root account, 129600 s to a
    /// sub-account; it refuses more with `InvalidParameter.OverTimeError`).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// The lifetime asked for.
    pub fn duration(&self) -> u32 {
        self.duration_seconds
    }
}

/// STS's `Policy` parameter: the policy JSON, URL-encoded (the server decodes it).
pub(crate) fn encode_policy(policy: &str) -> String {
    crate::encode::uri_encode(policy)
}

impl StsAction for GetFederationToken {
    type Output = StsCredentials;

    fn action(&self) -> &'static str {
        "GetFederationToken"
    }

    fn body(&self) -> String {
        serde_json::json!({
            "Name": self.name,
            "Policy": encode_policy(&self.policy),
            "DurationSeconds": self.duration_seconds,
        })
        .to_string()
    }

    fn parse(&self, status: http::StatusCode, body: &[u8]) -> Result<StsCredentials, StsError> {
        parse_credentials(status, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_policy_url_encoded() {
        let op =
            GetFederationToken::new("cos-sts-rust", r#"{"version":"2.0"}"#).duration_seconds(900);
        let body: serde_json::Value = serde_json::from_str(&op.body()).unwrap();
        assert_eq!(body["Name"], "cos-sts-rust");
        assert_eq!(body["DurationSeconds"], 900);
        assert_eq!(body["Policy"], "%7B%22version%22%3A%222.0%22%7D");
        assert_eq!(op.action(), "GetFederationToken");
    }
}
