//! CAM condition blocks (shared/spec/sts.md, "Conditions"): `{operator: {key: value |
//! [values]}}`. Several values for a key are OR-ed, several keys under an operator and several
//! operators are AND-ed; `_if_exist` holds when the key is absent; `for_any_value:` and
//! `for_all_value:` qualify multi-valued keys. Enforced: the string, numeric, bool, IP and
//! null operators. Date operators are refused when the policy is issued (not enforced, so a
//! policy using them is not accepted rather than silently weakened).

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::Value;

use super::PolicyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEqual,
    StringNotEqual,
    StringEqualIgnoreCase,
    StringNotEqualIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEqual,
    NumericNotEqual,
    NumericLessThan,
    NumericLessThanEqual,
    NumericGreaterThan,
    NumericGreaterThanEqual,
    BoolEqual,
    IpEqual,
    IpNotEqual,
    NullEqual,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        use Op::*;
        Some(match name {
            "string_equal" => StringEqual,
            "string_not_equal" => StringNotEqual,
            "string_equal_ignore_case" => StringEqualIgnoreCase,
            "string_not_equal_ignore_case" => StringNotEqualIgnoreCase,
            "string_like" => StringLike,
            "string_not_like" => StringNotLike,
            "numeric_equal" => NumericEqual,
            "numeric_not_equal" => NumericNotEqual,
            "numeric_less_than" => NumericLessThan,
            "numeric_less_than_equal" => NumericLessThanEqual,
            "numeric_greater_than" => NumericGreaterThan,
            "numeric_greater_than_equal" => NumericGreaterThanEqual,
            "bool_equal" => BoolEqual,
            "ip_equal" => IpEqual,
            "ip_not_equal" => IpNotEqual,
            "null_equal" => NullEqual,
            _ => return None,
        })
    }

    /// Whether one request value satisfies one policy value.
    fn holds(self, request: &str, policy: &str) -> bool {
        use Op::*;
        let num = |s: &str| s.trim().parse::<f64>().ok();
        match self {
            StringEqual => request == policy,
            StringNotEqual => request != policy,
            StringEqualIgnoreCase => request.eq_ignore_ascii_case(policy),
            StringNotEqualIgnoreCase => !request.eq_ignore_ascii_case(policy),
            StringLike => super::glob::matches(policy, request),
            StringNotLike => !super::glob::matches(policy, request),
            NumericEqual
            | NumericNotEqual
            | NumericLessThan
            | NumericLessThanEqual
            | NumericGreaterThan
            | NumericGreaterThanEqual => {
                let (Some(r), Some(p)) = (num(request), num(policy)) else {
                    return false;
                };
                match self {
                    NumericEqual => r == p,
                    NumericNotEqual => r != p,
                    NumericLessThan => r < p,
                    NumericLessThanEqual => r <= p,
                    NumericGreaterThan => r > p,
                    _ => r >= p,
                }
            }
            BoolEqual => request.eq_ignore_ascii_case(policy),
            IpEqual => ip_in(request, policy),
            IpNotEqual => !ip_in(request, policy),
            NullEqual => false, // decided on presence, see `Clause::holds`
        }
    }

    /// The negated operators: several policy values must all hold (none may match).
    fn is_negated(self) -> bool {
        matches!(
            self,
            Op::StringNotEqual
                | Op::StringNotEqualIgnoreCase
                | Op::StringNotLike
                | Op::NumericNotEqual
                | Op::IpNotEqual
        )
    }
}

/// Whether `ip` lies in `cidr` (`10.0.0.0/8`, or one address).
fn ip_in(ip: &str, cidr: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    None,
    ForAnyValue,
    ForAllValue,
}

/// One `operator: {key: values}` entry for one key.
#[derive(Debug, Clone)]
pub struct Clause {
    op: Op,
    if_exist: bool,
    qualifier: Qualifier,
    key: String,
    values: Vec<String>,
}

/// The request's condition keys and their values (absent keys are not in the map).
pub type Context = HashMap<&'static str, Vec<String>>;

impl Clause {
    fn holds(&self, context: &Context) -> bool {
        let present = context.get(self.key.as_str()).filter(|v| !v.is_empty());
        if self.op == Op::NullEqual {
            // null_equal true: the key must be absent; false: present
            let want_null = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return want_null == present.is_none();
        }
        let Some(request_values) = present else {
            return self.if_exist;
        };
        let one = |r: &str| {
            if self.op.is_negated() {
                self.values.iter().all(|p| self.op.holds(r, p))
            } else {
                self.values.iter().any(|p| self.op.holds(r, p))
            }
        };
        match self.qualifier {
            Qualifier::ForAllValue => request_values.iter().all(|r| one(r)),
            Qualifier::ForAnyValue | Qualifier::None => request_values.iter().any(|r| one(r)),
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses a statement's `condition` object.
pub fn parse(block: &Value) -> Result<Vec<Clause>, PolicyError> {
    let Value::Object(operators) = block else {
        return Err(PolicyError::new("condition must be an object"));
    };
    let mut clauses = Vec::new();
    for (name, keys) in operators {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("for_any_value:") {
            (Qualifier::ForAnyValue, r)
        } else if let Some(r) = name.strip_prefix("for_all_value:") {
            (Qualifier::ForAllValue, r)
        } else {
            (Qualifier::None, name.as_str())
        };
        let (base, if_exist) = match rest.strip_suffix("_if_exist") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let op = Op::parse(base).ok_or_else(|| {
            PolicyError::new(format!("condition operator `{name}` is not supported"))
        })?;
        let Value::Object(keys) = keys else {
            return Err(PolicyError::new(format!(
                "condition `{name}` must map keys to values"
            )));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Array(a) => a.iter().map(scalar).collect::<Option<Vec<_>>>(),
                v => scalar(v).map(|s| vec![s]),
            }
            .ok_or_else(|| {
                PolicyError::new(format!("condition `{name}` on `{key}` has a bad value"))
            })?;
            clauses.push(Clause {
                op,
                if_exist,
                qualifier,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(clauses)
}

/// Whether every clause holds.
pub fn all_hold(clauses: &[Clause], context: &Context) -> bool {
    clauses.iter().all(|c| c.holds(context))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(pairs: &[(&'static str, &str)]) -> Context {
        pairs
            .iter()
            .map(|(k, v)| (*k, vec![(*v).to_string()]))
            .collect()
    }

    #[test]
    fn numeric_limits_and_if_exist() {
        let c = parse(&json!({"numeric_less_than_equal": {"cos:content-length": 100}})).unwrap();
        assert!(all_hold(&c, &ctx(&[("cos:content-length", "100")])));
        assert!(!all_hold(&c, &ctx(&[("cos:content-length", "101")])));
        assert!(
            !all_hold(&c, &ctx(&[])),
            "absent without _if_exist is false"
        );
        let c =
            parse(&json!({"numeric_greater_than_if_exist": {"cos:content-length": "5"}})).unwrap();
        assert!(all_hold(&c, &ctx(&[])));
        assert!(!all_hold(&c, &ctx(&[("cos:content-length", "5")])));
    }

    #[test]
    fn values_are_ored_keys_and_operators_anded() {
        let c = parse(&json!({
            "string_equal": {"cos:content-type": ["image/jpeg", "image/png"]},
            "ip_equal": {"qcs:ip": "127.0.0.0/8"}
        }))
        .unwrap();
        assert!(all_hold(
            &c,
            &ctx(&[("cos:content-type", "image/png"), ("qcs:ip", "127.0.0.1")])
        ));
        assert!(!all_hold(
            &c,
            &ctx(&[("cos:content-type", "text/plain"), ("qcs:ip", "127.0.0.1")])
        ));
        assert!(!all_hold(
            &c,
            &ctx(&[("cos:content-type", "image/png"), ("qcs:ip", "10.0.0.1")])
        ));
        let c = parse(
            &json!({"string_not_equal": {"cos:x-cos-acl": ["public-read", "public-read-write"]}}),
        )
        .unwrap();
        assert!(all_hold(&c, &ctx(&[("cos:x-cos-acl", "private")])));
        assert!(!all_hold(&c, &ctx(&[("cos:x-cos-acl", "public-read")])));
    }

    #[test]
    fn unknown_operators_are_refused() {
        assert!(
            parse(&json!({"date_less_than": {"qcs:current_time": "2026-01-01T00:00:00Z"}}))
                .is_err()
        );
        assert!(parse(&json!({"string_equal": {"k": {"nested": 1}}})).is_err());
    }
}
