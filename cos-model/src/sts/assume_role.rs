//! `AssumeRole`: temporary keys of a CAM role, optionally narrowed by a policy (shared/spec/
//! sts.md, "AssumeRole"). Permanent or temporary keys may call it.

use super::federation::encode_policy;
use super::{StsAction, StsCredentials, StsError, response::parse_credentials};

/// `AssumeRole` of a role ARN with a session name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    role_arn: String,
    session_name: String,
    duration_seconds: u32,
    policy: Option<String>,
    external_id: Option<String>,
}

impl AssumeRole {
    /// The role `role_arn` (`qcs::cam::uin/<owner>:roleName/<name>`) for a session named
    /// `session_name` (2–128 characters of `[\w+=,.@-]`), for 7200 s.
    pub fn new(role_arn: impl Into<String>, session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            duration_seconds: 7200,
            policy: None,
            external_id: None,
        }
    }

    /// The keys' lifetime (at most 43200 s).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// Narrows the role's rights to what this CAM policy (JSON) also allows.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The role asked for.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// The session name asked for.
    pub fn session_name(&self) -> &str {
        &self.session_name
    }

    /// The lifetime asked for.
    pub fn duration(&self) -> u32 {
        self.duration_seconds
    }
}

impl StsAction for AssumeRole {
    type Output = StsCredentials;

    fn action(&self) -> &'static str {
        "AssumeRole"
    }

    fn body(&self) -> String {
        let mut body = serde_json::json!({
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration_seconds,
        });
        if let Some(p) = &self.policy {
            body["Policy"] = encode_policy(p).into();
        }
        if let Some(id) = &self.external_id {
            body["ExternalId"] = id.clone().into();
        }
        body.to_string()
    }

    fn parse(&self, status: http::StatusCode, body: &[u8]) -> Result<StsCredentials, StsError> {
        parse_credentials(status, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_are_sent_only_when_set() {
        let op = AssumeRole::new("qcs::cam::uin/100:roleName/uploader", "session-1");
        let body: serde_json::Value = serde_json::from_str(&op.body()).unwrap();
        assert_eq!(body["RoleArn"], "qcs::cam::uin/100:roleName/uploader");
        assert_eq!(body["DurationSeconds"], 7200);
        assert!(body.get("Policy").is_none() && body.get("ExternalId").is_none());
        let op = op.policy("{}").external_id("ext").duration_seconds(600);
        let body: serde_json::Value = serde_json::from_str(&op.body()).unwrap();
        assert_eq!(body["Policy"], "%7B%7D");
        assert_eq!(body["ExternalId"], "ext");
    }
}
