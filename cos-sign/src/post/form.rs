//! [`PostForm`]: a signed POST policy and the form fields a browser posts with the file.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::PolicyError;
use crate::hash;
use crate::{Credentials, KeyTime, SECURITY_TOKEN_NAME, SIGN_ALGORITHM, Signer};

/// A signed POST policy.
///
/// `Debug` redacts the SignKey and the session token.
#[derive(Clone)]
pub struct PostForm {
    policy_json: String,
    fields: Vec<(String, String)>,
    key_time: KeyTime,
    string_to_sign: String,
    sign_key: Zeroizing<String>,
}

impl PostForm {
    /// Signs a policy JSON text exactly as given (whitespace matters: these bytes are both
    /// hashed and Base64-encoded). Use it for a policy built elsewhere; [`PostPolicy`](super::PostPolicy)
    /// builds one.
    ///
    /// The fields are `policy`, `q-sign-algorithm`, `q-ak`, `q-key-time`, `q-signature` and
    /// `x-cos-security-token` when the credentials carry a token.
    pub fn from_policy_json(
        policy_json: impl Into<String>,
        credentials: &Credentials,
        key_time: KeyTime,
    ) -> Result<Self, PolicyError> {
        Self::sign_json(policy_json.into(), credentials, key_time, Vec::new())
    }

    pub(super) fn sign_json(
        policy_json: String,
        credentials: &Credentials,
        key_time: KeyTime,
        extra_fields: Vec<(String, String)>,
    ) -> Result<Self, PolicyError> {
        let signer =
            Signer::new(credentials, key_time).map_err(|_| PolicyError::InvalidKeyTime {
                start: key_time.start,
                end: key_time.end,
            })?;
        let string_to_sign = String::from(hash::hex_str(&hash::sha1_hex(policy_json.as_bytes())));
        let signature = signer.signature_of(string_to_sign.as_bytes());
        let mut fields = Vec::with_capacity(6 + extra_fields.len());
        fields.push((
            "policy".to_string(),
            STANDARD.encode(policy_json.as_bytes()),
        ));
        fields.push(("q-sign-algorithm".to_string(), SIGN_ALGORITHM.to_string()));
        fields.push(("q-ak".to_string(), credentials.secret_id().to_string()));
        fields.push(("q-key-time".to_string(), key_time.to_string()));
        fields.push(("q-signature".to_string(), signature));
        if let Some(token) = credentials.security_token() {
            fields.push((SECURITY_TOKEN_NAME.to_string(), token.to_string()));
        }
        fields.extend(extra_fields);
        Ok(Self {
            policy_json,
            fields,
            key_time,
            string_to_sign,
            sign_key: Zeroizing::new(signer.sign_key().to_string()),
        })
    }

    /// The form fields to post before the `file` field, in order: `policy` (Base64 of the
    /// signed JSON), `q-sign-algorithm`, `q-ak`, `q-key-time`, `q-signature`,
    /// `x-cos-security-token` (with temporary credentials), then the fields the policy pins
    /// exactly (`key`, `Content-Type`, `x-cos-*`, …).
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The value of the form field `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The exact policy JSON that was signed.
    pub fn policy_json(&self) -> &str {
        &self.policy_json
    }

    /// The `policy` field: Base64 of [`policy_json`](Self::policy_json).
    pub fn policy_base64(&self) -> &str {
        self.field("policy").unwrap_or_default()
    }

    /// `q-signature`.
    pub fn signature(&self) -> &str {
        self.field("q-signature").unwrap_or_default()
    }

    /// The StringToSign: hex SHA-1 of the policy JSON.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The SignKey (secret for the window's duration).
    pub fn sign_key(&self) -> &str {
        &self.sign_key
    }

    /// The key time (`q-key-time`).
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }
}

impl fmt::Debug for PostForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Fields<'a>(&'a [(String, String)]);
        impl fmt::Debug for Fields<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(n, v)| {
                        // The Base64 policy may embed the token; the decoded JSON is shown below.
                        let shown: &dyn fmt::Debug = if n.eq_ignore_ascii_case(SECURITY_TOKEN_NAME)
                        {
                            &"[redacted]"
                        } else if n == "policy" {
                            &"[base64 of policy_json]"
                        } else {
                            v
                        };
                        (n, shown)
                    }))
                    .finish()
            }
        }
        let token = self.field(SECURITY_TOKEN_NAME).filter(|t| !t.is_empty());
        let policy_json = match token {
            Some(token) => self.policy_json.replace(token, "[redacted]"),
            None => self.policy_json.clone(),
        };
        f.debug_struct("PostForm")
            .field("policy_json", &policy_json)
            .field("fields", &Fields(&self.fields))
            .field("key_time", &self.key_time)
            .field("string_to_sign", &self.string_to_sign)
            .field("sign_key", &format_args!("[redacted]"))
            .finish()
    }
}
