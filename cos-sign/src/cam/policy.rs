//! The CAM policy document: [`Policy`] (version `2.0`), its [`Statement`]s and their
//! conditions, to and from the JSON that STS takes, reading every shape the SDKs send
//! (sts.md §0 item 6, §4.1).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::CamError;

/// The only policy language version CAM has.
pub const VERSION: &str = "2.0";

/// A CAM policy: `{"version":"2.0","statement":[…]}`.
///
/// Serialises compactly with `action` and `resource` as arrays; parses `action`, `resource`,
/// `principal.qcs` and `statement` given as a single value or an array, and `effect` in any
/// letter case. Unknown element names are refused (CAM wants them lower case and known).
///
/// ```
/// use cos_sign::cam::Policy;
/// // The Node SDK's getPolicy shape: strings, a principal, the legacy resource form.
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[{"action":"name/cos:PutObject",
///     "effect":"allow","principal":{"qcs":"*"},
///     "resource":"qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/dir/1.txt"}]}"#)?;
/// assert_eq!(policy.statement[0].action, ["name/cos:PutObject"]);
/// assert!(policy.allows(
///     "name/cos:PutObject",
///     "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/1.txt",
///     &[],
/// ));
/// # Ok::<(), cos_sign::cam::CamError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The statements, in order (order does not change the outcome).
    pub statement: Vec<Statement>,
}

/// One statement: the effect of its actions on its resources, when its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// `allow` or `deny`.
    pub effect: Effect,
    /// `name/cos:PutObject`, `name/cos:*`, `*` … (case-sensitive; `*` is a wildcard).
    #[serde(deserialize_with = "one_or_many")]
    pub action: Vec<String>,
    /// `qcs::cos:<region>:uid/<appid>:<bucket>/<key>`, `*` … (`*` is a wildcard).
    #[serde(deserialize_with = "one_or_many")]
    pub resource: Vec<String>,
    /// `{operator: {key: value or values}}`; empty when the statement has none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Conditions,
    /// Bucket policies only; STS documents it as forbidden, yet the Node SDK's `getPolicy`
    /// sends `{"qcs":"*"}`, so it is read and kept, never added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
}

impl Statement {
    /// An `allow` statement without conditions.
    pub fn allow<A, R>(actions: A, resources: R) -> Self
    where
        A: IntoIterator,
        A::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        Self {
            effect: Effect::Allow,
            action: actions.into_iter().map(Into::into).collect(),
            resource: resources.into_iter().map(Into::into).collect(),
            condition: Conditions::new(),
            principal: None,
        }
    }

    /// The same statement as a `deny`.
    #[must_use]
    pub fn deny(mut self) -> Self {
        self.effect = Effect::Deny;
        self
    }

    /// Adds `operator: {key: values}` to the conditions (values for a key already there are
    /// added to its list).
    #[must_use]
    pub fn with_condition(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        values: impl Into<ConditionValues>,
    ) -> Self {
        add_condition(&mut self.condition, operator, key, values);
        self
    }
}

/// Adds `operator: {key: values}` to `conditions` (values for a key already there join its
/// list): what both a statement and a scope do when given a condition.
pub(crate) fn add_condition(
    conditions: &mut Conditions,
    operator: impl Into<String>,
    key: impl Into<String>,
    values: impl Into<ConditionValues>,
) {
    conditions
        .entry(operator.into())
        .or_default()
        .entry(key.into())
        .or_default()
        .0
        .extend(values.into().0);
}

/// What a statement does to the requests it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `allow`.
    Allow,
    /// `deny`: beats any `allow`.
    Deny,
}

impl Effect {
    /// `allow` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }
}

impl Serialize for Effect {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Effect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.eq_ignore_ascii_case("allow") {
            Ok(Self::Allow)
        } else if text.eq_ignore_ascii_case("deny") {
            Ok(Self::Deny)
        } else {
            Err(de::Error::invalid_value(
                de::Unexpected::Str(&text),
                &"`allow` or `deny`",
            ))
        }
    }
}

/// `principal`: `{"qcs": "*" | [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// The principals (`*`, `qcs::cam::uin/…`).
    #[serde(deserialize_with = "one_or_many")]
    pub qcs: Vec<String>,
}

/// `{operator: {key: values}}`, e.g. `{"numeric_less_than_equal": {"cos:content-length": 5242880}}`.
pub type Conditions = BTreeMap<String, BTreeMap<String, ConditionValues>>;

/// The values of one condition key: one value (written as a scalar) or several (an array;
/// the key holds when the request's value matches any of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionValues(pub Vec<ConditionValue>);

/// One condition value: CAM takes strings, numbers and booleans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConditionValue {
    /// `"image/png"`, `"10.0.0.0/8"`, and numbers written as strings.
    String(String),
    /// `5242880`.
    Number(serde_json::Number),
    /// `true` (`bool_equal`).
    Bool(bool),
}

impl ConditionValue {
    /// The value as the text a request value is compared with (`5242880`, `true`).
    pub fn as_text(&self) -> alloc::borrow::Cow<'_, str> {
        use alloc::string::ToString;
        match self {
            Self::String(s) => s.as_str().into(),
            Self::Number(n) => n.to_string().into(),
            Self::Bool(b) => if *b { "true" } else { "false" }.into(),
        }
    }
}

impl From<&str> for ConditionValue {
    fn from(value: &str) -> Self {
        Self::String(value.into())
    }
}

impl From<String> for ConditionValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

impl From<u64> for ConditionValue {
    fn from(value: u64) -> Self {
        Self::Number(value.into())
    }
}

impl From<bool> for ConditionValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl<T: Into<ConditionValue>> From<T> for ConditionValues {
    fn from(value: T) -> Self {
        Self(vec![value.into()])
    }
}

impl<T: Into<ConditionValue>> FromIterator<T> for ConditionValues {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().map(Into::into).collect())
    }
}

impl Serialize for ConditionValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ConditionValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_or_many(deserializer).map(Self)
    }
}

/// A value or an array of values.
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(many) => many,
        OneOrMany::One(one) => vec![one],
    })
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Policy", 2)?;
        s.serialize_field("version", VERSION)?;
        s.serialize_field("statement", &self.statement)?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            version: String,
            #[serde(deserialize_with = "one_or_many")]
            statement: Vec<Statement>,
        }
        let wire = Wire::deserialize(deserializer)?;
        if wire.version != VERSION {
            return Err(de::Error::invalid_value(
                de::Unexpected::Str(&wire.version),
                &"version \"2.0\"",
            ));
        }
        Ok(Self {
            statement: wire.statement,
        })
    }
}

impl Policy {
    /// A policy of these statements.
    pub fn new(statement: Vec<Statement>) -> Self {
        Self { statement }
    }

    /// Parses a policy document (already URL-decoded). A statement without actions or
    /// resources is refused, as CAM refuses it.
    pub fn from_json(json: &str) -> Result<Self, CamError> {
        let policy: Self =
            serde_json::from_str(json).map_err(|e| CamError::Json(alloc::format!("{e}")))?;
        for statement in &policy.statement {
            if statement.action.is_empty() {
                return Err(CamError::EmptyList("action"));
            }
            if statement.resource.is_empty() {
                return Err(CamError::EmptyList("resource"));
            }
        }
        Ok(policy)
    }

    /// The compact JSON STS takes as `Policy` (URL-encode it for the request).
    pub fn to_json(&self) -> String {
        alloc::string::ToString::to_string(self)
    }
}

/// The compact JSON.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Strings, numbers and maps with string keys: serde_json cannot fail on them.
        let json = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_compactly_with_arrays() {
        let policy = Policy::new(vec![
            Statement::allow(
                ["name/cos:PutObject"],
                ["qcs::cos:ap-guangzhou:uid/1:b-1/k"],
            )
            .with_condition("numeric_less_than_equal", "cos:content-length", 5u64)
            .with_condition("string_equal", "cos:content-type", "image/png")
            .with_condition("string_equal", "cos:content-type", "image/jpeg"),
        ]);
        assert_eq!(
            policy.to_json(),
            r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1:b-1/k"],"condition":{"numeric_less_than_equal":{"cos:content-length":5},"string_equal":{"cos:content-type":["image/png","image/jpeg"]}}}]}"#
        );
        assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
    }

    #[test]
    fn reads_single_values_any_effect_case_and_a_lone_statement() {
        let p = Policy::from_json(
            r#"{"version":"2.0","statement":{"effect":"Deny","action":"*","resource":"*","principal":{"qcs":["*"]},"condition":{"bool_equal":{"cos:secure-transport":true}}}}"#,
        )
        .unwrap();
        let s = &p.statement[0];
        assert_eq!(s.effect, Effect::Deny);
        assert_eq!(
            (s.action.as_slice(), s.resource.as_slice()),
            (&["*".into()][..], &["*".into()][..])
        );
        assert_eq!(s.principal.as_ref().unwrap().qcs, ["*"]);
        assert_eq!(
            s.condition["bool_equal"]["cos:secure-transport"],
            ConditionValues(vec![ConditionValue::Bool(true)])
        );
    }

    #[test]
    fn refuses_what_cam_refuses() {
        for bad in [
            r#"{"version":"1.0","statement":[]}"#,
            r#"{"statement":[]}"#,
            r#"{"Version":"2.0","statement":[]}"#,
            r#"{"version":"2.0","statement":[{"effect":"maybe","action":"*","resource":"*"}]}"#,
            r#"{"version":"2.0","statement":[{"effect":"allow","resource":"*"}]}"#,
            r#"{"version":"2.0","statement":[{"effect":"allow","action":[],"resource":"*"}]}"#,
            r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":[]}]}"#,
            r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*","Condition":{}}]}"#,
            r#"{"version":"2.0","statement":[{"effect":"allow","action":1,"resource":"*"}]}"#,
            "not json",
        ] {
            assert!(Policy::from_json(bad).is_err(), "{bad}");
        }
    }
}
