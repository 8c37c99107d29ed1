//! Properties of the signer, the encoder, `verify` and the POST policy builder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use cos_sign::encode::{uri_decode, uri_encode, uri_encode_path};
use cos_sign::post::{Condition, PostPolicy, format_expiration, parse_policy};
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};
use proptest::prelude::*;

/// A request with unique (after lowercasing) names, all headers signed by the default policy.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl Req {
    fn sign(&self, key_time: KeyTime) -> cos_sign::Signature {
        let query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &query,
            headers: &headers,
        };
        sign(&req, &credentials(), key_time, &HeaderPolicy::Default).unwrap()
    }
}

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    )
}

const KT: KeyTime = KeyTime::new(1_700_000_000, 1_700_003_600);

fn signed_header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "x-cos-meta-[a-z0-9]{1,8}",
        "x-ci-[a-z]{1,6}",
        prop::sample::select(vec![
            "host",
            "content-type",
            "content-length",
            "range",
            "content-md5",
            "cache-control"
        ])
        .prop_map(String::from),
    ]
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["GET", "PUT", "POST", "DELETE", "HEAD"]),
        "/\\PC{0,24}",
        prop::collection::btree_map("[a-z0-9._~-]{1,12}", any::<String>(), 0..5),
        prop::collection::btree_map(signed_header_name(), any::<String>(), 0..6),
    )
        .prop_map(
            |(method, path, query, headers): (&str, String, BTreeMap<_, _>, BTreeMap<_, _>)| Req {
                method: method.into(),
                path,
                query: query.into_iter().collect(),
                headers: headers.into_iter().collect(),
            },
        )
}

/// Fisher–Yates driven by `seed`.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

/// Flips the case of the ASCII letters `mask` selects.
fn recase(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn reordering_and_header_case_change_nothing(r in request(), seed in any::<u64>(), mask in any::<u64>()) {
        let original = r.sign(KT);
        let mut moved = r.clone();
        shuffle(&mut moved.query, seed);
        shuffle(&mut moved.headers, seed.rotate_left(17));
        for (name, _) in &mut moved.headers {
            *name = recase(name, mask);
        }
        moved.method = recase(&moved.method.to_ascii_lowercase(), mask);
        let moved = moved.sign(KT);
        prop_assert_eq!(moved.authorization(), original.authorization());
    }

    #[test]
    fn any_signed_change_changes_the_signature(r in request(), which in any::<prop::sample::Index>(), extra in "\\PC{1,4}") {
        let original = r.sign(KT).signature().to_string();
        let mut changed = Vec::new();
        let mut m = r.clone();
        m.method = if r.method == "GET" { "PUT".into() } else { "GET".into() };
        changed.push(m);
        let mut m = r.clone();
        m.path.push_str(&extra);
        changed.push(m);
        if !r.headers.is_empty() {
            let i = which.index(r.headers.len());
            let mut m = r.clone();
            m.headers[i].1.push_str(&extra);
            changed.push(m);
            let mut m = r.clone();
            m.headers.remove(i);
            changed.push(m);
        }
        if !r.query.is_empty() {
            let i = which.index(r.query.len());
            let mut m = r.clone();
            m.query[i].1.push_str(&extra);
            changed.push(m);
            let mut m = r.clone();
            m.query.remove(i);
            changed.push(m);
        }
        let mut m = r.clone();
        if !m.query.iter().any(|(n, _)| n == "added-param") {
            m.query.push(("added-param".into(), String::new()));
            changed.push(m);
        }
        for m in changed {
            let sig = m.sign(KT);
            prop_assert_ne!(sig.signature(), original.as_str(), "{:?}", m);
        }
        // And another window changes it too.
        let other_window = r.sign(KeyTime::new(KT.start, KT.end + 1));
        prop_assert_ne!(other_window.signature(), original.as_str());
    }

    #[test]
    fn headers_outside_the_policy_change_nothing(r in request(), name in "[a-wyz][a-z-]{0,12}", value in any::<String>()) {
        prop_assume!(!HeaderPolicy::Default.signs(&name));
        let original = r.sign(KT);
        let mut m = r.clone();
        m.headers.push((name, value));
        let with_extra = m.sign(KT);
        prop_assert_eq!(with_extra.authorization(), original.authorization());
    }

    #[test]
    fn percent_encoding_round_trips(s in any::<String>()) {
        let encoded = uri_encode(&s);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        for (i, _) in encoded.match_indices('%') {
            let hex = &encoded[i + 1..i + 3];
            prop_assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)), "{}", hex);
        }
        prop_assert_eq!(uri_decode(&encoded).unwrap(), s.clone());
        let path = uri_encode_path(&s);
        prop_assert_eq!(uri_decode(&path).unwrap(), s.clone());
        prop_assert_eq!(path.replace('/', "%2F"), encoded);
    }

    #[test]
    fn expiration_formatting_agrees_with_the_time_crate(seconds in 0u64..=cos_sign::post::MAX_SECONDS) {
        let ours = format_expiration(seconds).unwrap();
        let t = time::OffsetDateTime::from_unix_timestamp(seconds as i64).unwrap();
        let theirs = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
            t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second()
        );
        prop_assert_eq!(&ours, &theirs);
        prop_assert_eq!(cos_sign::post::parse_expiration_millis(&ours), Some(seconds * 1000));
    }
}

fn condition() -> impl Strategy<Value = Condition> {
    let field = "[A-Za-z][A-Za-z0-9_-]{0,15}";
    prop_oneof![
        (field, any::<String>()).prop_map(|(f, v)| Condition::exact(f, v)),
        (field, any::<String>()).prop_map(|(field, value)| Condition::Eq { field, value }),
        (field, any::<String>()).prop_map(|(f, p)| Condition::starts_with(f, p)),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| Condition::ContentLengthRange {
            min: a.min(b),
            max: a.max(b)
        }),
    ]
}

proptest! {
    #[test]
    fn a_post_policy_decodes_to_exactly_the_conditions_given(
        conditions in prop::collection::vec(condition(), 0..8),
        expiration in 0u64..=cos_sign::post::MAX_SECONDS,
        token in prop::option::of("[A-Za-z0-9+/=]{1,40}"),
    ) {
        let mut credentials = credentials();
        if let Some(token) = &token {
            credentials = credentials.with_security_token(token.clone());
        }
        let mut policy = PostPolicy::new(expiration).sign_fields();
        for c in &conditions {
            policy = policy.condition(c.clone());
        }
        let policy = policy.security_token();
        let form = policy.sign(&credentials, KT).unwrap();
        let parsed = parse_policy(form.policy_json()).unwrap();
        let mut expected = vec![
            Condition::exact("q-sign-algorithm", "sha1"),
            Condition::exact("q-ak", credentials.secret_id()),
            Condition::exact("q-sign-time", KT.to_string()),
        ];
        expected.extend(conditions);
        if let Some(token) = token {
            expected.push(Condition::exact("x-cos-security-token", token));
        }
        prop_assert_eq!(&parsed.conditions, &expected);
        prop_assert_eq!(parsed.expiration_millis, expiration * 1000);
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD.decode(form.policy_base64()).unwrap();
        prop_assert_eq!(decoded, form.policy_json().as_bytes().to_vec());
    }
}

#[cfg(feature = "verify")]
mod verify_properties {
    use super::*;
    use cos_sign::verify::{VerifyError, verify_header, verify_presigned};

    fn lookup(id: &str) -> Option<Credentials> {
        (id == credentials().secret_id()).then(credentials)
    }

    proptest! {
        #[test]
        fn verify_of_sign_holds_inside_the_window_only(r in request(), start in 0u64..4_000_000_000, len in 0u64..100_000, at in any::<prop::sample::Index>()) {
            let key_time = KeyTime::new(start, start + len);
            let sig = r.sign(key_time);
            let query: Vec<(&str, &str)> = r.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let headers: Vec<(&str, &str)> = r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let req = SignableRequest { method: &r.method, path: &r.path, query: &query, headers: &headers };
            let inside = start + at.index(len as usize + 1) as u64;
            for now in [start, start + len, inside] {
                prop_assert!(verify_header(sig.authorization(), &req, &lookup, now).is_ok());
            }
            let before = verify_header(sig.authorization(), &req, &lookup, start.wrapping_sub(1));
            prop_assert!(start == 0 || matches!(before, Err(VerifyError::NotYetValid { .. })), "{:?}", before);
            let after = verify_header(sig.authorization(), &req, &lookup, start + len + 1);
            prop_assert!(matches!(after, Err(VerifyError::Expired { .. })), "{:?}", after);

            // The pre-signed form of the same signature.
            let presigned = sig.presigned_query();
            let mut with_q: Vec<(&str, &str)> = presigned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            with_q.extend(query.iter().copied());
            let preq = SignableRequest { query: &with_q, ..req };
            prop_assert!(verify_presigned(&preq, &lookup, inside).is_ok());
            prop_assert!(verify_presigned(&preq, &lookup, start + len + 1).is_err());
        }

        #[test]
        fn verify_fails_after_any_tampering(r in request(), which in 0usize..6, at in any::<prop::sample::Index>(), extra in "\\PC{1,3}") {
            let sig = r.sign(KT);
            let mut m = r.clone();
            let mut auth = sig.authorization().to_string();
            match which {
                0 => m.method = if r.method == "GET" { "PUT".into() } else { "GET".into() },
                1 => m.path.push_str(&extra),
                2 if !m.headers.is_empty() => { let i = at.index(m.headers.len()); m.headers[i].1.push_str(&extra); }
                3 if !m.query.is_empty() => { let i = at.index(m.query.len()); m.query[i].1.push_str(&extra); }
                4 => {
                    // Flip one hex digit of q-signature.
                    let i = auth.len() - 1 - at.index(40);
                    let c = auth.as_bytes()[i];
                    let flipped = if c == b'0' { '1' } else { '0' };
                    auth.replace_range(i..i + 1, &flipped.to_string());
                }
                _ => m.path.insert(1, 'x'),
            }
            let query: Vec<(&str, &str)> = m.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let headers: Vec<(&str, &str)> = m.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let req = SignableRequest { method: &m.method, path: &m.path, query: &query, headers: &headers };
            let tampered = m.method != r.method || m.path != r.path || m.headers != r.headers || m.query != r.query || auth != sig.authorization();
            prop_assume!(tampered);
            let result = verify_header(&auth, &req, &lookup, KT.start + 1);
            prop_assert!(matches!(result, Err(VerifyError::SignatureMismatch { .. })), "{:?}", result);
        }
    }
}
