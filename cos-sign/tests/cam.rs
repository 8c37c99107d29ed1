//! CAM policies: every policy the SDKs sent in the shared STS vectors parses; the upload
//! presets grant what a direct upload needs and nothing else; and (properties) policies
//! round-trip through JSON and a scope's resource matches exactly the keys it scopes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cos_sign::cam::{
    CamError, ConditionValue, ConditionValues, CosResource, Effect, Policy, Principal, Scope,
    Statement, Target, UploadPolicy, actions, object_resource,
};
use proptest::prelude::*;
use serde_json::Value;

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

fn resource(key: &str) -> String {
    object_resource(REGION, "1250000000", BUCKET, key)
}

fn url_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// The `Policy` parameters the SDKs sent in the shared vectors, URL-decoded once (as STS
/// decodes them).
fn sdk_policies() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in include_str!("vectors/sts-v1-shared.jsonl").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let policy = v["params"]["Policy"].as_str().unwrap();
        out.push((v["name"].as_str().unwrap().to_string(), url_decode(policy)));
    }
    for line in include_str!("vectors/tc3-shared.jsonl").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Ok(body) = serde_json::from_str::<Value>(v["payload"].as_str().unwrap()) else {
            continue;
        };
        if let Some(policy) = body.get("Policy").and_then(Value::as_str) {
            // Raw JSON (Java, .NET) or URL-encoded (everyone else): sts.md §1.6's rule.
            let json = if policy.starts_with('{') {
                policy.to_string()
            } else {
                url_decode(policy)
            };
            // The hand-built vectors' bodies carry `{}`, which is not a policy.
            if json != "{}" {
                out.push((v["name"].as_str().unwrap().to_string(), json));
            }
        }
    }
    out
}

#[test]
fn every_policy_the_sdks_sent_parses_and_round_trips() {
    let policies = sdk_policies();
    assert!(policies.len() >= 15, "{}", policies.len());
    for (name, json) in &policies {
        let policy = Policy::from_json(json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
        assert!(!policy.statement.is_empty(), "{name}");
        assert_eq!(
            Policy::from_json(&policy.to_json()).unwrap(),
            policy,
            "{name}"
        );
    }
}

#[test]
fn the_node_sdk_legacy_policy_grants_what_it_says() {
    let (_, json) = sdk_policies()
        .into_iter()
        .find(|(name, _)| name == "cossts-node-gft")
        .unwrap();
    let policy = Policy::from_json(&json).unwrap();
    assert_eq!(policy.statement.len(), 3);
    assert_eq!(
        policy.statement[0].principal,
        Some(Principal {
            qcs: vec!["*".into()]
        })
    );
    assert!(policy.allows(actions::PUT_OBJECT, &resource("dir/1.txt"), &[]));
    assert!(!policy.allows(actions::PUT_OBJECT, &resource("dir/2.txt"), &[]));
    assert!(policy.allows(actions::UPLOAD_PART, &resource("dir/2.txt"), &[]));
    assert!(policy.allows(actions::GET_SERVICE, "*", &[]));
    assert!(!policy.allows(actions::GET_OBJECT, &resource("dir/1.txt"), &[]));
}

#[test]
fn the_python_sdk_policy_limits_the_length() {
    let (_, json) = sdk_policies()
        .into_iter()
        .find(|(name, _)| name == "cossts-py-gft-allowprefix")
        .unwrap();
    let policy = Policy::from_json(&json).unwrap();
    let small = [("cos:content-length", "5242880")];
    let big = [("cos:content-length", "5242881")];
    assert!(policy.allows(actions::PUT_OBJECT, &resource("dir/a/b"), &small));
    assert!(!policy.allows(actions::PUT_OBJECT, &resource("dir/a/b"), &big));
    assert!(policy.allows(actions::POST_OBJECT, &resource("exampleobject"), &small));
    assert!(!policy.allows(actions::POST_OBJECT, &resource("exampleobject2"), &small));
}

#[test]
fn the_upload_preset_grants_the_upload_actions_and_nothing_else() {
    let policy = UploadPolicy::key(BUCKET, REGION, "dir/1.txt")
        .unwrap()
        .policy();
    assert_eq!(
        policy.to_json(),
        r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload","name/cos:ListMultipartUploads","name/cos:ListParts","name/cos:UploadPart","name/cos:CompleteMultipartUpload","name/cos:AbortMultipartUpload"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/1.txt"]}]}"#
    );
    for action in [
        actions::GET_OBJECT,
        actions::DELETE_OBJECT,
        actions::HEAD_OBJECT,
        actions::GET_BUCKET,
    ] {
        assert!(
            !policy.allows(action, &resource("dir/1.txt"), &[]),
            "{action}"
        );
    }
    let simple = UploadPolicy::key(BUCKET, REGION, "k")
        .unwrap()
        .simple_upload_only()
        .policy();
    assert_eq!(simple.statement.len(), 1);
    assert_eq!(
        simple.statement[0].action,
        [actions::PUT_OBJECT, actions::POST_OBJECT]
    );
}

#[test]
fn upload_conditions_go_only_where_the_request_carries_them() {
    let policy = UploadPolicy::prefix(BUCKET, REGION, "img/")
        .unwrap()
        .max_content_length(1000)
        .content_type("image/png")
        .policy();
    let key = resource("img/a.png");
    let png = ("cos:content-type", "image/png");
    let xml = ("cos:content-type", "application/xml");
    let len = |n: &'static str| ("cos:content-length", n);
    // Simple and form uploads: both conditions.
    for action in [actions::PUT_OBJECT, actions::POST_OBJECT] {
        assert!(policy.allows(action, &key, &[png, len("1000")]), "{action}");
        assert!(
            !policy.allows(action, &key, &[png, len("1001")]),
            "{action}"
        );
        assert!(!policy.allows(action, &key, &[xml, len("10")]), "{action}");
        assert!(!policy.allows(action, &key, &[len("10")]), "{action}");
    }
    // Initiate sets the type; parts are bounded; the rest is unconditioned.
    assert!(policy.allows(actions::INITIATE_MULTIPART_UPLOAD, &key, &[png, len("0")]));
    assert!(!policy.allows(actions::INITIATE_MULTIPART_UPLOAD, &key, &[xml]));
    assert!(policy.allows(actions::UPLOAD_PART, &key, &[len("1000")]));
    assert!(!policy.allows(actions::UPLOAD_PART, &key, &[len("1001")]));
    for action in [
        actions::COMPLETE_MULTIPART_UPLOAD,
        actions::LIST_PARTS,
        actions::LIST_MULTIPART_UPLOADS,
        actions::ABORT_MULTIPART_UPLOAD,
    ] {
        assert!(
            policy.allows(action, &key, &[xml, len("50000")]),
            "{action}"
        );
        assert!(policy.allows(action, &key, &[]), "{action}");
    }
    assert!(!policy.allows(
        actions::PUT_OBJECT,
        &resource("other/a.png"),
        &[png, len("1")]
    ));
    assert_eq!(policy.statement.len(), 4);
}

#[test]
fn scopes_refuse_what_a_resource_cannot_say() {
    let scope = |bucket: &str, region: &str, target: Target| {
        Scope::new([actions::PUT_OBJECT], bucket, region, target)
    };
    let key = || Target::Key("k".into());
    assert_eq!(
        scope("examplebucket", REGION, key()),
        Err(CamError::InvalidBucket("examplebucket".into()))
    );
    assert_eq!(
        scope("-1250000000", REGION, key()),
        Err(CamError::InvalidBucket("-1250000000".into()))
    );
    assert_eq!(
        scope("Example-1250000000", REGION, key()),
        Err(CamError::InvalidBucket("Example-1250000000".into()))
    );
    assert_eq!(
        scope(BUCKET, "", key()),
        Err(CamError::InvalidRegion(String::new()))
    );
    assert_eq!(
        scope(BUCKET, "ap guangzhou", key()),
        Err(CamError::InvalidRegion("ap guangzhou".into()))
    );
    assert_eq!(
        scope(BUCKET, REGION, Target::Key("a*b".into())),
        Err(CamError::Wildcard("a*b".into()))
    );
    assert_eq!(
        scope(BUCKET, REGION, Target::Prefix("a*/".into())),
        Err(CamError::Wildcard("a*/".into()))
    );
    assert_eq!(
        scope(BUCKET, REGION, Target::Key(String::new())),
        Err(CamError::EmptyKey)
    );
    assert_eq!(
        Target::from_scope_prefix("a*b/*"),
        Err(CamError::Wildcard("a*b/".into()))
    );
    assert_eq!(
        Scope::new(Vec::<String>::new(), BUCKET, REGION, key()),
        Err(CamError::EmptyList("action"))
    );
}

#[test]
fn a_leading_slash_is_not_part_of_the_key() {
    let scope = |bucket: &str, region: &str, target: Target| {
        Scope::new([actions::PUT_OBJECT], bucket, region, target)
    };
    assert_eq!(
        scope(BUCKET, REGION, Target::Key("/dir/1.txt".into()))
            .unwrap()
            .resource(),
        resource("dir/1.txt")
    );
    assert_eq!(
        scope(BUCKET, REGION, Target::Prefix(String::new()))
            .unwrap()
            .resource(),
        resource("*")
    );
}

fn condition_value() -> impl Strategy<Value = ConditionValue> {
    prop_oneof![
        "[ -~]{0,12}".prop_map(ConditionValue::String),
        any::<u64>().prop_map(|n| ConditionValue::Number(n.into())),
        any::<i64>().prop_map(|n| ConditionValue::Number(n.into())),
        (-1e12f64..1e12)
            .prop_map(|f| ConditionValue::Number(serde_json::Number::from_f64(f).unwrap())),
        any::<bool>().prop_map(ConditionValue::Bool),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        any::<bool>(),
        prop::collection::vec("[a-zA-Z/:*]{1,20}", 1..4),
        prop::collection::vec("[ -~]{1,40}", 1..4),
        prop::collection::btree_map(
            "[a-z_]{1,24}",
            prop::collection::btree_map(
                "[a-z:-]{1,20}",
                prop::collection::vec(condition_value(), 0..3).prop_map(ConditionValues),
                1..3,
            ),
            0..3,
        ),
        prop::option::of(
            prop::collection::vec("[ -~]{1,10}", 1..3).prop_map(|qcs| Principal { qcs }),
        ),
    )
        .prop_map(|(deny, action, resource, condition, principal)| Statement {
            effect: if deny { Effect::Deny } else { Effect::Allow },
            action,
            resource,
            condition,
            principal,
        })
}

/// Object keys over a small alphabet, so that prefixes and near-misses are frequent.
/// (Keys do not start with `/`: a scope drops a leading one, see `a_leading_slash_is_not_part_of_the_key`.)
fn key() -> impl Strategy<Value = String> {
    "[ab.é][ab/.é]{0,7}"
}

proptest! {
    #[test]
    fn policies_round_trip_through_json(statements in prop::collection::vec(statement(), 0..4)) {
        let policy = Policy::new(statements);
        let json = policy.to_json();
        prop_assert_eq!(Policy::from_json(&json).unwrap(), policy.clone());
        // And through a pretty-printed rendering (the Java SDK's form).
        let pretty = serde_json::to_string_pretty(&policy).unwrap();
        prop_assert_eq!(Policy::from_json(&pretty).unwrap(), policy);
    }

    #[test]
    fn a_key_scope_matches_exactly_its_key(scoped in key(), other in key(), action_index in 0usize..8) {
        let upload = UploadPolicy::key(BUCKET, REGION, &scoped).unwrap();
        let action = upload.actions()[action_index];
        let policy = upload.policy();
        prop_assert!(policy.allows(action, &resource(&scoped), &[]));
        prop_assert_eq!(policy.allows(action, &resource(&other), &[]), other == scoped);
        // Never another bucket, region or action.
        prop_assert!(!policy.allows(action, &object_resource(REGION, "1250000000", "otherbucket-1250000000", &scoped), &[]));
        prop_assert!(!policy.allows(action, &object_resource("ap-beijing", "1250000000", BUCKET, &scoped), &[]));
        prop_assert!(!policy.allows(actions::GET_OBJECT, &resource(&scoped), &[]));
    }

    #[test]
    fn a_prefix_scope_matches_exactly_the_keys_under_it(prefix in "([ab][ab/]{0,3})?", other in key()) {
        let scope = Scope::new([actions::GET_OBJECT], BUCKET, REGION, Target::Prefix(prefix.clone())).unwrap();
        let policy = Policy::from_scopes(std::slice::from_ref(&scope));
        prop_assert_eq!(
            policy.allows(actions::GET_OBJECT, &resource(&other), &[]),
            other.starts_with(&prefix)
        );
        prop_assert_eq!(scope.target().covers(&other), other.starts_with(&prefix));
        let under = format!("{prefix}{other}");
        prop_assert!(policy.allows(actions::GET_OBJECT, &resource(&under), &[]));
    }

    #[test]
    fn legacy_and_modern_resources_are_one(short in "[a-z0-9]{1,8}", appid in "[0-9]{1,10}", key in "[ -~]{0,12}") {
        let legacy = format!("qcs::cos:ap-guangzhou:uid/{}:prefix//{}/{}/{}", appid, appid, short, key);
        let modern = format!("qcs::cos:ap-guangzhou:uid/{}:{}-{}/{}", appid, short, appid, key);
        let parsed = CosResource::parse(&legacy).unwrap();
        prop_assert_eq!(&parsed, &CosResource::parse(&modern).unwrap());
        prop_assert_eq!(parsed.to_string(), modern.clone());
        prop_assert!(cos_sign::cam::resource_matches(&legacy, &modern));
        prop_assert!(cos_sign::cam::resource_matches(&modern, &legacy));
    }
}
