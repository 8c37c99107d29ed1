//! [`Policy::allows`]: a small evaluator of CAM policies (sts.md §4.4, §4.5), for tests and
//! documentation — what a policy built here grants. Servers that enforce policies (the
//! emulator) keep their own evaluator.

use super::policy::{ConditionValues, Effect, Policy, Statement};
use super::resource::{resource_matches, wildcard_match};

/// What one condition operator concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Yes,
    No,
    /// An operator this evaluator does not know: an `allow` does not apply, a `deny` does.
    Unknown,
}

impl Policy {
    /// Whether the policy allows `action` on `resource` for a request whose condition keys
    /// have the values in `context` (`("cos:content-length", "1024")`; absent keys are
    /// absent): some statement allows it and none denies it (an explicit deny beats an
    /// allow; the default is deny).
    ///
    /// Conditions: the `string_*` (`string_like` with `*`), `numeric_*` and `bool_equal`
    /// operators, each also as `…_if_exist` (true when the key is absent; otherwise an absent
    /// key fails the operator, the negated ones included). Several values of a key: any may
    /// match (for a negated operator: none may). Several keys, several operators: all must
    /// hold. Any other operator is taken to fail closed: its `allow` does not apply, its
    /// `deny` does.
    ///
    /// ```
    /// use cos_sign::cam::{Policy, Statement};
    /// let policy = Policy::new(vec![
    ///     Statement::allow(["name/cos:*"], ["qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/*"])
    ///         .with_condition("numeric_less_than_equal", "cos:content-length", 100u64),
    ///     Statement::allow(["name/cos:DeleteObject"], ["*"]).deny(),
    /// ]);
    /// let key = "qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/a.txt";
    /// assert!(policy.allows("name/cos:PutObject", key, &[("cos:content-length", "100")]));
    /// assert!(!policy.allows("name/cos:PutObject", key, &[("cos:content-length", "101")]));
    /// assert!(!policy.allows("name/cos:PutObject", key, &[]));
    /// assert!(!policy.allows("name/cos:DeleteObject", key, &[("cos:content-length", "0")]));
    /// ```
    pub fn allows(&self, action: &str, resource: &str, context: &[(&str, &str)]) -> bool {
        let mut allowed = false;
        for statement in &self.statement {
            if !statement.action.iter().any(|a| wildcard_match(a, action))
                || !statement
                    .resource
                    .iter()
                    .any(|r| resource_matches(r, resource))
            {
                continue;
            }
            match (statement.effect, conditions_hold(statement, context)) {
                (Effect::Deny, Holds::Yes | Holds::Unknown) => return false,
                (Effect::Allow, Holds::Yes) => allowed = true,
                _ => {}
            }
        }
        allowed
    }
}

fn conditions_hold(statement: &Statement, context: &[(&str, &str)]) -> Holds {
    let mut result = Holds::Yes;
    for (operator, keys) in &statement.condition {
        for (key, values) in keys {
            let value = context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|&(_, v)| v);
            match operator_holds(operator, value, values) {
                Holds::No => return Holds::No,
                Holds::Unknown => result = Holds::Unknown,
                Holds::Yes => {}
            }
        }
    }
    result
}

fn operator_holds(operator: &str, value: Option<&str>, values: &ConditionValues) -> Holds {
    let (base, if_exist) = match operator.strip_suffix("_if_exist") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let Some(compare) = comparison(base) else {
        return Holds::Unknown;
    };
    let Some(value) = value else {
        return if if_exist { Holds::Yes } else { Holds::No };
    };
    let any = values
        .0
        .iter()
        .any(|expected| compare.positive(value, &expected.as_text()));
    if any != compare.negated {
        Holds::Yes
    } else {
        Holds::No
    }
}

/// A comparison: the positive test and whether the operator negates it.
struct Comparison {
    test: fn(&str, &str) -> bool,
    negated: bool,
}

impl Comparison {
    fn positive(&self, request: &str, policy: &str) -> bool {
        (self.test)(request, policy)
    }
}

fn comparison(operator: &str) -> Option<Comparison> {
    fn number(text: &str) -> Option<f64> {
        text.trim().parse().ok()
    }
    fn numeric(request: &str, policy: &str, ord: fn(f64, f64) -> bool) -> bool {
        matches!((number(request), number(policy)), (Some(r), Some(p)) if ord(r, p))
    }
    let (test, negated): (fn(&str, &str) -> bool, bool) = match operator {
        "string_equal" => (|r, p| r == p, false),
        "string_not_equal" => (|r, p| r == p, true),
        "string_equal_ignore_case" => (|r, p| r.to_lowercase() == p.to_lowercase(), false),
        "string_not_equal_ignore_case" => (|r, p| r.to_lowercase() == p.to_lowercase(), true),
        "string_like" => (|r, p| wildcard_match(p, r), false),
        "string_not_like" => (|r, p| wildcard_match(p, r), true),
        "numeric_equal" => (|r, p| numeric(r, p, |a, b| a == b), false),
        "numeric_not_equal" => (|r, p| numeric(r, p, |a, b| a == b), true),
        "numeric_less_than" => (|r, p| numeric(r, p, |a, b| a < b), false),
        "numeric_less_than_equal" => (|r, p| numeric(r, p, |a, b| a <= b), false),
        "numeric_greater_than" => (|r, p| numeric(r, p, |a, b| a > b), false),
        "numeric_greater_than_equal" => (|r, p| numeric(r, p, |a, b| a >= b), false),
        "bool_equal" => (|r, p| r.eq_ignore_ascii_case(p), false),
        _ => return None,
    };
    Some(Comparison { test, negated })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const R: &str = "qcs::cos:ap-guangzhou:uid/1:b-1/k";

    fn with(operator: &str, key: &str, values: impl Into<ConditionValues>) -> Policy {
        Policy::new(vec![
            Statement::allow(["*"], ["*"]).with_condition(operator, key, values),
        ])
    }

    #[test]
    fn operators_and_absence() {
        let ct = "cos:content-type";
        let cases: &[(&str, ConditionValues, Option<&str>, bool)] = &[
            ("string_equal", "a/b".into(), Some("a/b"), true),
            ("string_equal", "a/b".into(), Some("A/B"), false),
            ("string_equal", "a/b".into(), None, false),
            ("string_equal_if_exist", "a/b".into(), None, true),
            ("string_equal_if_exist", "a/b".into(), Some("x"), false),
            (
                "string_equal",
                ["a", "b"].into_iter().collect(),
                Some("b"),
                true,
            ),
            (
                "string_not_equal",
                ["a", "b"].into_iter().collect(),
                Some("b"),
                false,
            ),
            (
                "string_not_equal",
                ["a", "b"].into_iter().collect(),
                Some("c"),
                true,
            ),
            ("string_not_equal", "a".into(), None, false),
            ("string_equal_ignore_case", "A/B".into(), Some("a/b"), true),
            ("string_like", "image/*".into(), Some("image/png"), true),
            ("string_like", "image/*".into(), Some("text/plain"), false),
            (
                "string_not_like",
                "image/*".into(),
                Some("text/plain"),
                true,
            ),
            ("numeric_less_than_equal", 5u64.into(), Some("5"), true),
            ("numeric_less_than_equal", 5u64.into(), Some("6"), false),
            ("numeric_less_than_equal", "5".into(), Some("4"), true),
            ("numeric_less_than_equal", 5u64.into(), Some("five"), false),
            ("numeric_less_than", 5u64.into(), Some("5"), false),
            ("numeric_greater_than", 5u64.into(), Some("6"), true),
            ("numeric_greater_than_equal", 5u64.into(), Some("5"), true),
            ("numeric_equal", 5u64.into(), Some("5.0"), true),
            ("numeric_not_equal", 5u64.into(), Some("5"), false),
            ("bool_equal", true.into(), Some("true"), true),
            ("bool_equal", true.into(), Some("false"), false),
        ];
        for (op, values, value, expected) in cases {
            let context: alloc::vec::Vec<(&str, &str)> = value.iter().map(|v| (ct, *v)).collect();
            assert_eq!(
                with(op, ct, values.clone()).allows("x", R, &context),
                *expected,
                "{op} {values:?} {value:?}"
            );
        }
    }

    #[test]
    fn keys_and_operators_are_and_ed() {
        let p = Policy::new(vec![
            Statement::allow(["*"], ["*"])
                .with_condition("string_equal", "a", "1")
                .with_condition("string_equal", "b", "2")
                .with_condition("numeric_less_than", "c", 3u64),
        ]);
        assert!(p.allows("x", R, &[("a", "1"), ("b", "2"), ("c", "2")]));
        assert!(!p.allows("x", R, &[("a", "1"), ("b", "2"), ("c", "3")]));
        assert!(!p.allows("x", R, &[("a", "1"), ("c", "2")]));
    }

    #[test]
    fn unknown_operators_fail_closed() {
        let allow = with("ip_equal", "qcs:ip", "10.0.0.0/8");
        assert!(!allow.allows("x", R, &[("qcs:ip", "10.0.0.1")]));
        let mut deny = with("for_any_value:string_equal", "k", "v");
        deny.statement[0] = deny.statement[0].clone().deny();
        deny.statement.push(Statement::allow(["*"], ["*"]));
        assert!(!deny.allows("x", R, &[]));
    }

    #[test]
    fn deny_beats_allow_and_default_is_deny() {
        let p = Policy::new(vec![
            Statement::allow(["name/cos:*"], ["*"]),
            Statement::allow(["name/cos:DeleteObject"], [R]).deny(),
        ]);
        assert!(p.allows("name/cos:GetObject", R, &[]));
        assert!(!p.allows("name/cos:DeleteObject", R, &[]));
        assert!(p.allows(
            "name/cos:DeleteObject",
            "qcs::cos:ap-guangzhou:uid/1:b-1/other",
            &[]
        ));
        assert!(!p.allows("name/ci:GetObject", R, &[]));
        assert!(!Policy::default().allows("name/cos:GetObject", R, &[]));
    }
}
