//! The 500 request-signature vectors of `tests/vectors/sign-plain.jsonl` (signed by Tencent's
//! Node and Python SDKs), reproduced byte for byte through the library.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/sign-plain.jsonl");

fn pairs(v: &Value) -> Vec<(&str, &str)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect()
}

#[test]
fn all_500_plain_vectors_match_byte_for_byte() {
    let mut checked = 0;
    for line in VECTORS.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap();
        let path = case["path"].as_str().unwrap();
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let query = pairs(&case["query"]);
        let headers = pairs(&case["headers"]);
        let request = SignableRequest {
            method: case["method"].as_str().unwrap(),
            path: &path,
            query: &query,
            headers: &headers,
        };
        let credentials = Credentials::new(
            case["secret_id"].as_str().unwrap(),
            case["secret_key"].as_str().unwrap(),
        );
        let key_time = KeyTime::new(
            case["start"].as_u64().unwrap(),
            case["end"].as_u64().unwrap(),
        );
        let sig = sign(&request, &credentials, key_time, &HeaderPolicy::Default).unwrap();
        assert_eq!(
            sig.http_string(),
            case["http_string"].as_str().unwrap(),
            "{id}: http_string"
        );
        assert_eq!(
            sig.authorization(),
            case["authorization"].as_str().unwrap(),
            "{id}: authorization"
        );
        checked += 1;
    }
    assert_eq!(checked, 500);
}
