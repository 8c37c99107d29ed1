//! `AssumeRoleWithWebIdentity`: temporary keys of a CAM role for the holder of an OIDC token
//! (a TKE pod's service-account token), with no Tencent Cloud key at all. Tencent's SDKs send
//! it unsigned: `Authorization: SKIP` (tencentcloud-sdk-go `oidc_role_arn_provider.go` with
//! `SetSkipSign(true)`, tencentcloud-sdk-python `OIDCRoleArnCredential` with `SkipSign`).

use std::fmt;

use super::{StsAction, StsCredentials, StsError, response::parse_credentials};

/// `AssumeRoleWithWebIdentity` of a role for an identity provider's token.
///
/// `Debug` never shows the token (it is a bearer credential).
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRoleWithWebIdentity {
    provider_id: String,
    web_identity_token: String,
    role_arn: String,
    session_name: String,
    duration_seconds: u32,
}

impl fmt::Debug for AssumeRoleWithWebIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleWithWebIdentity")
            .field("provider_id", &self.provider_id)
            .field("web_identity_token", &"<redacted>")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl AssumeRoleWithWebIdentity {
    /// The role `role_arn` for the holder of `web_identity_token`, issued by the identity
    /// provider `provider_id` (CAM's name of it, e.g. TKE's `TKE_PROVIDER_ID`), for a session
    /// named `session_name`, for 7200 s (the SDKs' default).
    pub fn new(
        provider_id: impl Into<String>,
        web_identity_token: impl Into<String>,
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Self {
        Self {
            provider_id: provider_id.into(),
            web_identity_token: web_identity_token.into(),
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            duration_seconds: 7200,
        }
    }

    /// The keys' lifetime (at most 43200 s).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// The lifetime asked for.
    pub fn duration(&self) -> u32 {
        self.duration_seconds
    }
}

impl StsAction for AssumeRoleWithWebIdentity {
    type Output = StsCredentials;

    fn action(&self) -> &'static str {
        "AssumeRoleWithWebIdentity"
    }

    fn body(&self) -> String {
        serde_json::json!({
            "ProviderId": self.provider_id,
            "WebIdentityToken": self.web_identity_token,
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration_seconds,
        })
        .to_string()
    }

    fn signed(&self) -> bool {
        false
    }

    fn parse(&self, status: http::StatusCode, body: &[u8]) -> Result<StsCredentials, StsError> {
        parse_credentials(status, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_token_and_debug_does_not() {
        let op = AssumeRoleWithWebIdentity::new(
            "OIDC-provider",
            "eyJ-secret-token",
            "qcs::cam::uin/100:roleName/pod",
            "s-1",
        )
        .duration_seconds(900);
        let body: serde_json::Value = serde_json::from_str(&op.body()).unwrap();
        assert_eq!(body["ProviderId"], "OIDC-provider");
        assert_eq!(body["WebIdentityToken"], "eyJ-secret-token");
        assert_eq!(body["RoleArn"], "qcs::cam::uin/100:roleName/pod");
        assert_eq!(body["RoleSessionName"], "s-1");
        assert_eq!(body["DurationSeconds"], 900);
        assert!(!op.signed());
        assert!(!format!("{op:?}").contains("eyJ-secret-token"));
    }
}
