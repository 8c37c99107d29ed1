//! [`Condition`]: one entry of a POST policy's `conditions`, with its JSON form both ways.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use super::PolicyError;

/// A POST policy condition. Field names are compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `{"field": "value"}`: the form field equals `value`.
    Exact {
        /// The field name, without `$`.
        field: String,
        /// The required value.
        value: String,
    },
    /// `["eq", "$field", "value"]`: the same check as [`Condition::Exact`], array form.
    Eq {
        /// The field name, without `$`.
        field: String,
        /// The required value.
        value: String,
    },
    /// `["starts-with", "$field", "prefix"]`; an empty prefix allows any value.
    StartsWith {
        /// The field name, without `$`.
        field: String,
        /// The required prefix.
        prefix: String,
    },
    /// `["content-length-range", min, max]`: the file's size in bytes, both ends inclusive.
    ContentLengthRange {
        /// Smallest size allowed.
        min: u64,
        /// Largest size allowed.
        max: u64,
    },
}

impl Condition {
    /// `{"field": "value"}`.
    pub fn exact(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Exact {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `["starts-with", "$field", "prefix"]`.
    pub fn starts_with(field: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::StartsWith {
            field: field.into(),
            prefix: prefix.into(),
        }
    }

    /// The form field this condition constrains (`None` for the content-length range).
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Exact { field, .. } | Self::Eq { field, .. } | Self::StartsWith { field, .. } => {
                Some(field)
            }
            Self::ContentLengthRange { .. } => None,
        }
    }

    /// Does a field with `value` (`None` when absent) satisfy this condition? Always `true`
    /// for the content-length range, which is checked against the file instead.
    pub fn accepts(&self, value: Option<&str>) -> bool {
        match self {
            Self::Exact { value: want, .. } | Self::Eq { value: want, .. } => {
                value == Some(want.as_str())
            }
            Self::StartsWith { prefix, .. } => value.unwrap_or("").starts_with(prefix.as_str()),
            Self::ContentLengthRange { .. } => true,
        }
    }

    /// Reads one element of a policy's `conditions` array.
    pub fn from_json(value: &Value) -> Result<Vec<Self>, PolicyError> {
        match value {
            Value::Object(map) if !map.is_empty() => map
                .iter()
                .map(|(field, v)| {
                    Ok(Self::Exact {
                        field: field.clone(),
                        value: scalar_text(v).ok_or_else(|| malformed(value))?,
                    })
                })
                .collect(),
            Value::Array(items) if items.len() == 3 => {
                let op = items[0].as_str().ok_or_else(|| malformed(value))?;
                if op.eq_ignore_ascii_case("content-length-range") {
                    let min = number(&items[1]).ok_or_else(|| malformed(value))?;
                    let max = number(&items[2]).ok_or_else(|| malformed(value))?;
                    return Ok(alloc::vec![Self::ContentLengthRange { min, max }]);
                }
                let field = items[1]
                    .as_str()
                    .and_then(|f| f.strip_prefix('$'))
                    .ok_or_else(|| malformed(value))?
                    .to_string();
                let operand = scalar_text(&items[2]).ok_or_else(|| malformed(value))?;
                if op.eq_ignore_ascii_case("eq") {
                    Ok(alloc::vec![Self::Eq {
                        field,
                        value: operand
                    }])
                } else if op.eq_ignore_ascii_case("starts-with") {
                    Ok(alloc::vec![Self::StartsWith {
                        field,
                        prefix: operand
                    }])
                } else {
                    Err(malformed(value))
                }
            }
            _ => Err(malformed(value)),
        }
    }
}

fn malformed(value: &Value) -> PolicyError {
    PolicyError::MalformedCondition(value.to_string())
}

/// A string, or a number written as text (`{"success_action_status": 201}`).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A non-negative integer, or one written as a decimal string.
fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

/// `$field` as a serializable value.
struct Dollar<'a>(&'a str);

impl Serialize for Dollar<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("${}", self.0))
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Exact { field, value } => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(field, value)?;
                map.end()
            }
            Self::Eq { field, value } => {
                let mut seq = serializer.serialize_seq(Some(3))?;
                seq.serialize_element("eq")?;
                seq.serialize_element(&Dollar(field))?;
                seq.serialize_element(value)?;
                seq.end()
            }
            Self::StartsWith { field, prefix } => {
                let mut seq = serializer.serialize_seq(Some(3))?;
                seq.serialize_element("starts-with")?;
                seq.serialize_element(&Dollar(field))?;
                seq.serialize_element(prefix)?;
                seq.end()
            }
            Self::ContentLengthRange { min, max } => {
                let mut seq = serializer.serialize_seq(Some(3))?;
                seq.serialize_element("content-length-range")?;
                seq.serialize_element(min)?;
                seq.serialize_element(max)?;
                seq.end()
            }
        }
    }
}

/// The compact JSON of the condition, e.g. `["starts-with","$key","uploads/"]`.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn json_round_trip_of_every_form() {
        let conditions = [
            Condition::exact("bucket", "b-1250000000"),
            Condition::Eq {
                field: "x-cos-server-side-encryption".into(),
                value: "AES256".into(),
            },
            Condition::starts_with("key", "uploads/\"quoted\" 中"),
            Condition::ContentLengthRange {
                min: 1,
                max: 10_485_760,
            },
        ];
        let texts: Vec<String> = conditions.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                r#"{"bucket":"b-1250000000"}"#,
                r#"["eq","$x-cos-server-side-encryption","AES256"]"#,
                r#"["starts-with","$key","uploads/\"quoted\" 中"]"#,
                r#"["content-length-range",1,10485760]"#,
            ]
        );
        for (c, text) in conditions.iter().zip(&texts) {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(Condition::from_json(&value).unwrap(), vec![c.clone()]);
        }
    }

    #[test]
    fn lenient_reading_and_rejections() {
        let v: Value = serde_json::from_str(r#"["Content-Length-Range","1","20"]"#).unwrap();
        assert_eq!(
            Condition::from_json(&v).unwrap(),
            vec![Condition::ContentLengthRange { min: 1, max: 20 }]
        );
        let v: Value = serde_json::from_str(r#"{"success_action_status":201}"#).unwrap();
        assert_eq!(
            Condition::from_json(&v).unwrap(),
            vec![Condition::exact("success_action_status", "201")]
        );
        for bad in [
            r#"["in","$key","a"]"#,
            r#"["eq","key","a"]"#,
            r#"{}"#,
            r#"[1,2]"#,
            r#""x""#,
            r#"["content-length-range",-1,2]"#,
        ] {
            let v: Value = serde_json::from_str(bad).unwrap();
            assert!(
                matches!(
                    Condition::from_json(&v),
                    Err(PolicyError::MalformedCondition(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn accepts() {
        assert!(Condition::starts_with("key", "").accepts(None));
        assert!(Condition::starts_with("key", "a/").accepts(Some("a/b")));
        assert!(!Condition::starts_with("key", "a/").accepts(Some("b/a")));
        assert!(!Condition::exact("acl", "default").accepts(None));
        assert!(Condition::exact("acl", "default").accepts(Some("default")));
    }
}
