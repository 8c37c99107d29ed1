//! CAM policies as COS enforces them on temporary keys (shared/spec/sts.md, "CAM policy
//! semantics as COS enforces them"): the policy a key was issued with is parsed once —
//! `action`, `resource` and `principal.qcs` as a string or an array, modern and legacy COS
//! resources normalised to one form — and every request made with the key is evaluated:
//! an explicit deny beats an allow, which beats the implicit default deny. The emulator keeps
//! its own evaluator (not cos-sign's policy builder), so it checks what clients produce
//! instead of sharing their mistakes.

mod condition;
pub(crate) mod glob;
mod request;

use serde_json::Value;

use crate::error::{CosError, ErrorCode};
use crate::ops::Ctx;

pub use condition::Context;
pub use request::Need;

/// A policy the emulator cannot take, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(String);

impl PolicyError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Vec<String>,
    /// Resource patterns in the modern form, `*` wildcards kept.
    resources: Vec<String>,
    conditions: Vec<condition::Clause>,
}

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    statements: Vec<Statement>,
}

/// What the policy says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some statement allows every (action, resource) the request needs, and none denies.
    Allow,
    /// A statement denies it.
    ExplicitDeny,
    /// No statement allows it.
    DefaultDeny,
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| PolicyError::new(format!("{what} must be strings"))),
        Some(_) => Err(PolicyError::new(format!(
            "{what} must be a string or an array"
        ))),
        None => Err(PolicyError::new(format!("a statement lacks {what}"))),
    }
}

/// The modern form of a COS resource: the legacy `…:prefix//<appid>/<short>/<key>` becomes
/// `…:<short>-<appid>/<key>`; an empty region or account matches any (`*`).
fn normalise_resource(resource: &str) -> String {
    if resource == "*" {
        return resource.to_string();
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [qcs, project, service, region, account, rest] = parts[..] else {
        return resource.to_string();
    };
    if qcs != "qcs" {
        return resource.to_string();
    }
    let region = if region.is_empty() { "*" } else { region };
    let account = if account.is_empty() { "*" } else { account };
    let rest = match rest.strip_prefix("prefix//") {
        Some(legacy) => match legacy.split_once('/') {
            Some((appid, tail)) => match tail.split_once('/') {
                Some((short, key)) => format!("{short}-{appid}/{key}"),
                None => format!("{tail}-{appid}/"),
            },
            None => legacy.to_string(),
        },
        None => rest.to_string(),
    };
    format!("{qcs}:{project}:{service}:{region}:{account}:{rest}")
}

impl Policy {
    /// Parses a policy document (`{"version":"2.0","statement":[…]}`).
    pub fn parse(doc: &Value) -> Result<Policy, PolicyError> {
        let Value::Object(top) = doc else {
            return Err(PolicyError::new("the policy must be a JSON object"));
        };
        if top
            .keys()
            .any(|k| k.chars().any(|c| c.is_ascii_uppercase()))
        {
            return Err(PolicyError::new("policy element names must be lower case"));
        }
        let statements = match top.get("statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(s @ Value::Object(_)) => vec![s.clone()],
            _ => return Err(PolicyError::new("the policy has no statement")),
        };
        if statements.is_empty() {
            return Err(PolicyError::new("the policy has no statement"));
        }
        let mut out = Vec::with_capacity(statements.len());
        for s in &statements {
            let Value::Object(s) = s else {
                return Err(PolicyError::new("a statement must be an object"));
            };
            let effect = match s.get("effect").and_then(Value::as_str) {
                Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
                Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
                _ => {
                    return Err(PolicyError::new(
                        "a statement's effect must be allow or deny",
                    ));
                }
            };
            let actions = strings(s.get("action"), "action")?;
            let resources = strings(s.get("resource"), "resource")?
                .iter()
                .map(|r| normalise_resource(r))
                .collect();
            let conditions = match s.get("condition") {
                Some(block) => condition::parse(block)?,
                None => Vec::new(),
            };
            out.push(Statement {
                effect,
                actions,
                resources,
                conditions,
            });
        }
        Ok(Policy { statements: out })
    }

    /// Decides one request: every `(action, resource)` it needs must be allowed, under the
    /// request's condition `context`.
    pub fn decide(&self, needs: &[Need], context: &Context) -> Decision {
        let mut all_allowed = true;
        for need in needs {
            let applicable = self.statements.iter().filter(|s| {
                s.actions.iter().any(|a| glob::matches(a, &need.action))
                    && s.resources.iter().any(|r| glob::matches(r, &need.resource))
                    && condition::all_hold(&s.conditions, context)
            });
            let mut allowed = false;
            for s in applicable {
                match s.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
            all_allowed &= allowed;
        }
        if all_allowed && !needs.is_empty() {
            Decision::Allow
        } else {
            Decision::DefaultDeny
        }
    }
}

/// Checks `ctx`'s request against `policy`, the policy of the temporary key that signed it
/// (none: the key may do anything). `post` is PostObject's key and form fields, `deleted` the
/// keys of a DeleteMultipleObjects to check. Refused → 403 AccessDenied "Access Denied.",
/// whichever of the action, the resource or a condition refused it, as COS answers.
pub fn authorize(
    ctx: &Ctx<'_>,
    policy: Option<&std::sync::Arc<Policy>>,
    post: Option<(&str, &[(String, String)])>,
    deleted: &[String],
) -> Result<(), CosError> {
    let Some(policy) = policy else {
        return Ok(());
    };
    let needs = request::needs(ctx, post.map(|(k, _)| k), deleted);
    let context = request::context(ctx, post.map_or(&[], |(_, f)| f));
    match policy.decide(&needs, &context) {
        Decision::Allow => Ok(()),
        decision => {
            tracing::info!(
                request_id = ctx.request_id,
                op = %ctx.op,
                ?decision,
                needs = ?needs,
                "refused by the temporary key's policy"
            );
            Err(CosError::with_message(
                ErrorCode::AccessDenied,
                "Access Denied.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn need(action: &str, resource: &str) -> Need {
        Need {
            action: format!("name/cos:{action}"),
            resource: resource.to_string(),
        }
    }

    const OBJ: &str =
        "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/a.mp4";

    #[test]
    fn allow_prefix_and_default_deny() {
        let p = Policy::parse(&json!({"version":"2.0","statement":[{
            "effect":"allow","action":["name/cos:PutObject","name/cos:UploadPart"],
            "resource":"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/*"}]}))
        .unwrap();
        let ctx = Context::new();
        assert_eq!(p.decide(&[need("PutObject", OBJ)], &ctx), Decision::Allow);
        assert_eq!(
            p.decide(&[need("GetObject", OBJ)], &ctx),
            Decision::DefaultDeny
        );
        let other = OBJ.replace("/u1/", "/u2/");
        assert_eq!(
            p.decide(&[need("PutObject", &other)], &ctx),
            Decision::DefaultDeny
        );
        let elsewhere = OBJ.replace("ap-guangzhou", "ap-beijing");
        assert_eq!(
            p.decide(&[need("PutObject", &elsewhere)], &ctx),
            Decision::DefaultDeny
        );
    }

    #[test]
    fn explicit_deny_beats_allow() {
        let p = Policy::parse(&json!({"version":"2.0","statement":[
            {"effect":"allow","action":"name/cos:*","resource":"*"},
            {"effect":"deny","action":"name/cos:DeleteObject","resource":"*"}]}))
        .unwrap();
        let ctx = Context::new();
        assert_eq!(p.decide(&[need("GetObject", OBJ)], &ctx), Decision::Allow);
        assert_eq!(
            p.decide(&[need("DeleteObject", OBJ)], &ctx),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn legacy_resources_and_string_forms_are_accepted() {
        // what qcloud-cos-sts' getPolicy still emits (with a principal)
        let p = Policy::parse(&json!({"version":"2.0","statement":[{
            "action":"name/cos:PutObject","effect":"allow","principal":{"qcs":"*"},
            "resource":"qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/uploads/u1/*"}]}))
        .unwrap();
        assert_eq!(
            p.decide(&[need("PutObject", OBJ)], &Context::new()),
            Decision::Allow
        );
        assert_eq!(
            normalise_resource("qcs::cos::uid/1250000000:b-1250000000/*"),
            "qcs::cos:*:uid/1250000000:b-1250000000/*"
        );
    }

    #[test]
    fn malformed_policies_are_refused() {
        assert!(Policy::parse(&json!({"version":"2.0"})).is_err());
        assert!(Policy::parse(&json!({"Version":"2.0","statement":[]})).is_err());
        assert!(Policy::parse(&json!({"version":"2.0","statement":[{"effect":"maybe","action":"*","resource":"*"}]})).is_err());
        assert!(
            Policy::parse(
                &json!({"version":"2.0","statement":[{"effect":"allow","resource":"*"}]})
            )
            .is_err()
        );
        assert!(Policy::parse(&json!("not an object")).is_err());
    }

    #[test]
    fn every_need_must_be_allowed() {
        let p = Policy::parse(&json!({"version":"2.0","statement":[{
            "effect":"allow","action":"name/cos:PutObject","resource":"*"}]}))
        .unwrap();
        let copy = [need("PutObject", OBJ), need("GetObject", OBJ)];
        assert_eq!(p.decide(&copy, &Context::new()), Decision::DefaultDeny);
    }
}
