//! [`PostPolicy`]: the builder of a POST policy's JSON, and [`parse_policy`] to read one back.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::Value;

use super::{Condition, PolicyError, PostForm, format_expiration, parse_expiration_millis};
use crate::{Credentials, KeyTime, SECURITY_TOKEN_NAME, SIGN_ALGORITHM};

/// One slot of the conditions list, in the order the caller built it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Condition(Condition),
    /// `{"q-sign-algorithm": "sha1"}, {"q-ak": …}, {"q-sign-time": …}`, filled at signing.
    SignFields,
    /// `{"x-cos-security-token": …}` when the credentials carry a token, filled at signing.
    SecurityToken,
}

/// A POST Object policy under construction. Conditions keep the order they are added in; the
/// mandatory `q-sign-algorithm`/`q-ak`/`q-sign-time` conditions go where
/// [`sign_fields`](Self::sign_fields) is called, or at the end if it never is.
///
/// Exact-match conditions on fields other than `bucket` (key, Content-Type, `x-cos-*`, …)
/// also become form fields of the [`PostForm`], since COS requires every such field to be
/// posted with the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy {
    expiration: u64,
    items: Vec<Item>,
    /// Names given to [`cos_field`](Self::cos_field) that do not start with `x-cos-`.
    bad_names: Vec<String>,
}

#[derive(Serialize)]
struct Document<'a> {
    expiration: &'a str,
    conditions: &'a [Condition],
}

impl PostPolicy {
    /// A policy that expires at `expiration` (Unix seconds, written as ISO-8601 UTC).
    pub fn new(expiration: u64) -> Self {
        Self {
            expiration,
            items: Vec::new(),
            bad_names: Vec::new(),
        }
    }

    /// The expiration, Unix seconds.
    pub fn expiration(&self) -> u64 {
        self.expiration
    }

    /// Adds any condition.
    #[must_use]
    pub fn condition(mut self, condition: Condition) -> Self {
        self.items.push(Item::Condition(condition));
        self
    }

    /// `{"bucket": "<name-appid>"}`.
    #[must_use]
    pub fn bucket(self, bucket: impl Into<String>) -> Self {
        self.condition(Condition::exact("bucket", bucket))
    }

    /// `{"key": "<key>"}`: exactly this object key (also a form field).
    #[must_use]
    pub fn key(self, key: impl Into<String>) -> Self {
        self.condition(Condition::exact("key", key))
    }

    /// `["starts-with", "$key", "<prefix>"]`: any key under `prefix` (the browser posts `key`).
    #[must_use]
    pub fn key_prefix(self, prefix: impl Into<String>) -> Self {
        self.condition(Condition::starts_with("key", prefix))
    }

    /// `{"Content-Type": "<type>"}` (also a form field; COS ignores the file part's own type).
    #[must_use]
    pub fn content_type(self, content_type: impl Into<String>) -> Self {
        self.condition(Condition::exact("Content-Type", content_type))
    }

    /// `["starts-with", "$Content-Type", "<prefix>"]`.
    #[must_use]
    pub fn content_type_prefix(self, prefix: impl Into<String>) -> Self {
        self.condition(Condition::starts_with("Content-Type", prefix))
    }

    /// `["content-length-range", min, max]` (bytes, inclusive).
    #[must_use]
    pub fn content_length_range(self, min: u64, max: u64) -> Self {
        self.condition(Condition::ContentLengthRange { min, max })
    }

    /// `{"x-cos-…": "<value>"}` (also a form field). The name must start with `x-cos-`.
    #[must_use]
    pub fn cos_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if !name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-cos-"))
            || name.len() == 6
        {
            self.bad_names.push(name.clone());
        }
        self.condition(Condition::Exact {
            field: name,
            value: value.into(),
        })
    }

    /// `{"<name>": "<value>"}` for any other form field (`acl`, `success_action_status`,
    /// `Cache-Control`, …); also a form field.
    #[must_use]
    pub fn field(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.condition(Condition::exact(name, value))
    }

    /// Places the `q-sign-algorithm`, `q-ak` and `q-sign-time` conditions here.
    #[must_use]
    pub fn sign_fields(mut self) -> Self {
        self.items.push(Item::SignFields);
        self
    }

    /// Places `{"x-cos-security-token": …}` here when the signing credentials carry a token
    /// (the token is a form field either way).
    #[must_use]
    pub fn security_token(mut self) -> Self {
        self.items.push(Item::SecurityToken);
        self
    }

    fn validate(&self, key_time: KeyTime) -> Result<(), PolicyError> {
        if key_time.end < key_time.start {
            return Err(PolicyError::InvalidKeyTime {
                start: key_time.start,
                end: key_time.end,
            });
        }
        if let Some(name) = self.bad_names.first() {
            return Err(PolicyError::InvalidFieldName(name.clone()));
        }
        for item in &self.items {
            match item {
                Item::Condition(Condition::ContentLengthRange { min, max }) if min > max => {
                    return Err(PolicyError::InvalidContentLengthRange {
                        min: *min,
                        max: *max,
                    });
                }
                Item::Condition(c) if c.field() == Some("") => {
                    return Err(PolicyError::InvalidFieldName(String::new()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The conditions as they will be signed for `credentials` and `key_time`.
    pub fn conditions(&self, credentials: &Credentials, key_time: KeyTime) -> Vec<Condition> {
        let sign_fields = [
            Condition::exact("q-sign-algorithm", SIGN_ALGORITHM),
            Condition::exact("q-ak", credentials.secret_id()),
            Condition::exact("q-sign-time", key_time.to_string()),
        ];
        let mut out = Vec::with_capacity(self.items.len() + 3);
        let mut placed = false;
        for item in &self.items {
            match item {
                Item::Condition(c) => out.push(c.clone()),
                Item::SignFields if !placed => {
                    out.extend(sign_fields.iter().cloned());
                    placed = true;
                }
                Item::SignFields => {}
                Item::SecurityToken => {
                    if let Some(token) = credentials.security_token() {
                        out.push(Condition::exact(SECURITY_TOKEN_NAME, token));
                    }
                }
            }
        }
        if !placed {
            out.extend(sign_fields);
        }
        out
    }

    /// The exact policy JSON that [`sign`](Self::sign) signs (compact, `expiration` first).
    pub fn to_json(
        &self,
        credentials: &Credentials,
        key_time: KeyTime,
    ) -> Result<String, PolicyError> {
        self.validate(key_time)?;
        let expiration = format_expiration(self.expiration)
            .ok_or(PolicyError::ExpirationOutOfRange(self.expiration))?;
        let conditions = self.conditions(credentials, key_time);
        serde_json::to_string(&Document {
            expiration: &expiration,
            conditions: &conditions,
        })
        .map_err(|e| PolicyError::MalformedPolicy(e.to_string()))
    }

    /// Builds and signs the policy: the form fields a browser posts.
    pub fn sign(
        &self,
        credentials: &Credentials,
        key_time: KeyTime,
    ) -> Result<PostForm, PolicyError> {
        let json = self.to_json(credentials, key_time)?;
        let extra = self
            .conditions(credentials, key_time)
            .into_iter()
            .filter_map(|c| match c {
                Condition::Exact { field, value } | Condition::Eq { field, value } => {
                    Some((field, value))
                }
                _ => None,
            })
            .filter(|(field, _)| {
                ![
                    "bucket",
                    "q-sign-algorithm",
                    "q-ak",
                    "q-sign-time",
                    SECURITY_TOKEN_NAME,
                ]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(field))
            })
            .collect();
        PostForm::sign_json(json, credentials, key_time, extra)
    }
}

/// A policy read back from its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPolicy {
    /// The `expiration` text as written.
    pub expiration: String,
    /// The expiration in milliseconds since the epoch.
    pub expiration_millis: u64,
    /// The conditions, in order (an object with several members gives one condition each).
    pub conditions: Vec<Condition>,
}

/// Reads a policy's JSON (the Base64-decoded `policy` field).
///
/// ```
/// let p = cos_sign::post::parse_policy(r#"{"expiration":"2023-11-14T23:13:20.000Z","conditions":[{"bucket":"b"}]}"#)?;
/// assert_eq!(p.expiration_millis, 1_700_003_600_000);
/// assert_eq!(p.conditions, vec![cos_sign::post::Condition::exact("bucket", "b")]);
/// # Ok::<(), cos_sign::post::PolicyError>(())
/// ```
pub fn parse_policy(json: &str) -> Result<ParsedPolicy, PolicyError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| PolicyError::MalformedPolicy(e.to_string()))?;
    let expiration = value
        .get("expiration")
        .and_then(Value::as_str)
        .ok_or_else(|| PolicyError::MalformedPolicy("no `expiration` string".into()))?;
    let expiration_millis = parse_expiration_millis(expiration).ok_or_else(|| {
        PolicyError::MalformedPolicy(alloc::format!(
            "expiration `{expiration}` is not ISO-8601 UTC"
        ))
    })?;
    let items = value
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or_else(|| PolicyError::MalformedPolicy("no `conditions` array".into()))?;
    let mut conditions = Vec::with_capacity(items.len());
    for item in items {
        conditions.extend(Condition::from_json(item)?);
    }
    Ok(ParsedPolicy {
        expiration: expiration.to_string(),
        expiration_millis,
        conditions,
    })
}
