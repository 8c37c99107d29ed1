//! [`verify_post_form`]: checking a POST Object form's policy signature and conditions.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{SecretLookup, VerifyError, check_window, signatures_equal};
use crate::hash;
use crate::post::{Condition, parse_policy};
use crate::{KeyTime, SIGN_ALGORITHM, Signer};

/// A POST form whose signature, window, expiration and field conditions checked out. The
/// file's size is checked once the body is read: [`check_content_length`](Self::check_content_length).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedPost {
    /// `q-ak`.
    pub access_key_id: String,
    /// `q-key-time`.
    pub key_time: KeyTime,
    /// The policy's expiration, milliseconds since the epoch.
    pub expiration_millis: u64,
    /// The decoded policy JSON.
    pub policy_json: String,
    /// The policy's conditions.
    pub conditions: Vec<Condition>,
}

impl VerifiedPost {
    /// Checks the uploaded file's size against every `content-length-range` of the policy.
    pub fn check_content_length(&self, len: u64) -> Result<(), VerifyError> {
        for condition in &self.conditions {
            if let Condition::ContentLengthRange { min, max } = condition
                && (len < *min || len > *max)
            {
                return Err(VerifyError::PolicyConditionFailed {
                    condition: condition.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn field<'a>(fields: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, v)| v)
}

fn required<'a>(fields: &[(&str, &'a str)], name: &str) -> Result<&'a str, VerifyError> {
    field(fields, name)
        .ok_or_else(|| VerifyError::Malformed(alloc::format!("no `{name}` form field")))
}

/// Verifies a POST Object form posted to `bucket` at `now`: `fields` are the form fields
/// (names any case) other than the file.
///
/// Checks the `q-*` fields, the key-time window, the signature over the policy's exact bytes,
/// the policy's expiration and every condition except `content-length-range` (checked
/// afterwards with [`VerifiedPost::check_content_length`]). A condition on `bucket` compares
/// with `bucket`; one on `q-sign-time` with the `q-key-time` field; any other with the form
/// field of that name, which must be present.
pub fn verify_post_form(
    fields: &[(&str, &str)],
    bucket: &str,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<VerifiedPost, VerifyError> {
    let policy_b64 = required(fields, "policy")?;
    let algorithm = required(fields, "q-sign-algorithm")?;
    if !algorithm.eq_ignore_ascii_case(SIGN_ALGORITHM) {
        return Err(VerifyError::Malformed(alloc::format!(
            "unsupported q-sign-algorithm `{algorithm}`"
        )));
    }
    let access_key_id = required(fields, "q-ak")?;
    let key_time_text = required(fields, "q-key-time")?;
    let key_time: KeyTime = key_time_text
        .parse()
        .map_err(|e| VerifyError::Malformed(alloc::format!("`q-key-time`: {e}")))?;
    let given_signature = required(fields, "q-signature")?;

    let credentials = lookup
        .credentials(access_key_id)
        .ok_or_else(|| VerifyError::UnknownAccessKey(access_key_id.to_string()))?;
    check_window(key_time, now)?;

    let policy_bytes = STANDARD
        .decode(policy_b64.trim())
        .map_err(|_| VerifyError::Malformed("`policy` is not Base64".into()))?;
    let policy_json = String::from_utf8(policy_bytes)
        .map_err(|_| VerifyError::Malformed("`policy` is not UTF-8".into()))?;
    let signer =
        Signer::new(&credentials, key_time).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let string_to_sign = String::from(hash::hex_str(&hash::sha1_hex(policy_json.as_bytes())));
    let computed = signer.signature_of(string_to_sign.as_bytes());
    if !signatures_equal(&computed, given_signature) {
        return Err(VerifyError::SignatureMismatch {
            http_string: policy_json,
            string_to_sign,
        });
    }

    let policy = parse_policy(&policy_json).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if u128::from(now) * 1000 > u128::from(policy.expiration_millis) {
        return Err(VerifyError::PolicyExpired);
    }
    for condition in &policy.conditions {
        let Some(name) = condition.field() else {
            continue;
        };
        let value = if name.eq_ignore_ascii_case("bucket") {
            Some(bucket)
        } else if name.eq_ignore_ascii_case("q-sign-time") {
            field(fields, "q-sign-time").or(Some(key_time_text))
        } else {
            field(fields, name)
        };
        if !condition.accepts(value) {
            return Err(VerifyError::PolicyConditionFailed {
                condition: condition.to_string(),
            });
        }
    }
    Ok(VerifiedPost {
        access_key_id: access_key_id.to_string(),
        key_time,
        expiration_millis: policy.expiration_millis,
        policy_json,
        conditions: policy.conditions,
    })
}
