//! TC3-HMAC-SHA256 against `tests/vectors/tc3-shared.jsonl` (a copy of the project's shared
//! set: the two published Tencent examples and cases signed by the Python and Node SDKs),
//! pinned at every stage: canonical request, string to sign, signature, Authorization.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cos_sign::Credentials;
use cos_sign::tc3::{self, Tc3Request};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/tc3-shared.jsonl");

fn vectors() -> Vec<Value> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn s<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {}", v["name"]))
}

/// The headers a vector signs beyond `content-type;host`, with their values from `headers`.
fn extra_headers(v: &Value) -> Vec<(String, String)> {
    let headers = v["headers"].as_object().unwrap();
    s(v, "signed_headers")
        .split(';')
        .filter(|n| *n != "content-type" && *n != "host")
        .map(|name| {
            let value = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str().unwrap().to_string())
                .unwrap();
            (name.to_string(), value)
        })
        .collect()
}

fn sign_vector(v: &Value) -> tc3::Tc3Signature {
    let request = Tc3Request {
        method: s(v, "method"),
        host: s(v, "host"),
        path: "/",
        query: s(v, "query"),
        content_type: s(v, "content_type"),
        payload: s(v, "payload").as_bytes(),
        service: s(v, "service"),
        timestamp: v["timestamp"].as_u64().unwrap(),
    };
    let credentials = Credentials::new(s(v, "secret_id"), s(v, "secret_key"));
    let extra = extra_headers(v);
    if extra.is_empty() {
        tc3::sign(&request, &credentials)
    } else {
        let pairs: Vec<(&str, &str)> = extra
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        tc3::sign_with_headers(&request, &pairs, &credentials).unwrap()
    }
}

#[test]
fn every_shared_vector_matches_at_every_stage() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 25);
    for v in &vectors {
        let name = s(v, "name");
        let signature = sign_vector(v);
        assert_eq!(
            tc3::sha256_hex(s(v, "payload").as_bytes()),
            s(v, "payload_sha256"),
            "{name}"
        );
        assert_eq!(
            tc3::utc_date(v["timestamp"].as_u64().unwrap()),
            s(v, "date"),
            "{name}"
        );
        assert_eq!(signature.date(), s(v, "date"), "{name}");
        assert_eq!(signature.signed_headers(), s(v, "signed_headers"), "{name}");
        assert_eq!(
            signature.canonical_request(),
            s(v, "canonical_request"),
            "{name}"
        );
        assert_eq!(signature.string_to_sign(), s(v, "string_to_sign"), "{name}");
        assert_eq!(signature.signature(), s(v, "signature"), "{name}");
        assert_eq!(
            signature.authorization(),
            s(v, "expected_authorization"),
            "{name}"
        );
        // The SDK's own Authorization header, where the vector recorded it.
        if let Some(sent) = v["headers"].get("Authorization") {
            assert_eq!(signature.authorization(), sent.as_str().unwrap(), "{name}");
        }
    }
}

#[test]
fn string_to_sign_is_a_function_of_the_canonical_request_alone() {
    for v in vectors() {
        let scope = tc3::credential_scope(s(&v, "date"), s(&v, "service"));
        assert_eq!(
            tc3::string_to_sign(
                v["timestamp"].as_u64().unwrap(),
                &scope,
                s(&v, "canonical_request")
            ),
            s(&v, "string_to_sign"),
            "{}",
            v["name"]
        );
    }
}
