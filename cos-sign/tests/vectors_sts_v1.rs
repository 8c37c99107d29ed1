//! Signature v1 (HmacSHA1 / HmacSHA256) against `tests/vectors/sts-v1-shared.jsonl` (calls
//! captured from `qcloud-cos-sts`, `qcloud-python-sts` and tencentcloud-sdk-python): the string
//! to sign and the signature, and (feature `verify`) the form body the SDK sent verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cos_sign::Credentials;
use cos_sign::sts_v1::{self, SignatureMethod, V1Request};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/sts-v1-shared.jsonl");

fn vectors() -> Vec<Value> {
    VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn s<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap()
}

/// The vector's parameters as strings (the Python SDK keeps numbers as numbers).
fn params(v: &Value) -> Vec<(String, String)> {
    v["params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), value)
        })
        .collect()
}

fn method(v: &Value) -> SignatureMethod {
    SignatureMethod::parse(s(v, "signature_method")).unwrap()
}

#[test]
fn every_shared_vector_matches() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 4);
    for v in &vectors {
        let name = s(v, "name");
        let params = params(v);
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = V1Request {
            method: s(v, "method"),
            host: s(v, "sign_host"),
            path: s(v, "path"),
            params: &pairs,
        };
        assert_eq!(
            sts_v1::string_to_sign(&request),
            s(v, "string_to_sign"),
            "{name}"
        );
        let signed = sts_v1::sign(
            &request,
            &Credentials::new(s(v, "secret_id"), s(v, "secret_key")),
            method(v),
        );
        assert_eq!(signed.string_to_sign(), s(v, "string_to_sign"), "{name}");
        assert_eq!(signed.signature(), s(v, "expected_signature"), "{name}");
        assert_eq!(signed.method(), method(v), "{name}");
    }
}

#[cfg(feature = "verify")]
mod verify {
    use super::*;
    use cos_sign::cloud_api::ApiVerifyError;
    use sts_v1::V1Incoming;

    /// `application/x-www-form-urlencoded` decoding: `+` is a space, then percent-decoding.
    fn decode_form(body: &str) -> Vec<(String, String)> {
        let decode = |t: &str| {
            percent_encoding::percent_decode_str(&t.replace('+', " "))
                .decode_utf8()
                .unwrap()
                .into_owned()
        };
        body.split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    fn check(
        v: &Value,
        form: &[(String, String)],
        host: &str,
        now: u64,
    ) -> Result<sts_v1::V1Verified, ApiVerifyError> {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let incoming = V1Incoming {
            method: s(v, "method"),
            host,
            path: s(v, "path"),
            params: &pairs,
        };
        let lookup = |id: &str| {
            (id == s(v, "secret_id"))
                .then(|| Credentials::new(s(v, "secret_id"), s(v, "secret_key")))
        };
        sts_v1::verify(&incoming, &lookup, now)
    }

    fn timestamp(v: &Value) -> u64 {
        params(v)
            .iter()
            .find(|(n, _)| n == "Timestamp")
            .unwrap()
            .1
            .parse()
            .unwrap()
    }

    #[test]
    fn the_bodies_the_sdks_sent_verify() {
        for v in vectors() {
            let name = s(&v, "name");
            let form = decode_form(s(&v, "body"));
            let ts = timestamp(&v);
            for now in [ts - 300, ts, ts + 300] {
                let ok = check(&v, &form, s(&v, "sign_host"), now)
                    .unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(ok.string_to_sign, s(&v, "string_to_sign"), "{name}");
                assert_eq!(ok.method, method(&v), "{name}");
                assert_eq!(ok.secret_id, s(&v, "secret_id"), "{name}");
            }
        }
    }

    #[test]
    fn the_signing_host_may_be_the_host_without_port_or_the_canonical_sts_host() {
        let vectors = vectors();
        // Signed for sts.tencentcloudapi.com, received on an emulator's port (the Java SDK case).
        let v = &vectors[0];
        let form = decode_form(s(v, "body"));
        let ok = check(v, &form, "127.0.0.1:9000", timestamp(v)).unwrap();
        assert_eq!(ok.signed_host, "sts.tencentcloudapi.com");
        // Signed for 127.0.0.1:9000; received with that Host header.
        let v = &vectors[1];
        assert_eq!(s(v, "sign_host"), "127.0.0.1:9000");
        let ok = check(
            v,
            &decode_form(s(v, "body")),
            "127.0.0.1:9000",
            timestamp(v),
        )
        .unwrap();
        assert_eq!(ok.signed_host, "127.0.0.1:9000");
        // Another host is not accepted.
        assert_eq!(
            check(
                v,
                &decode_form(s(v, "body")),
                "127.0.0.2:9000",
                timestamp(v)
            )
            .unwrap_err()
            .code(),
            "AuthFailure.SignatureFailure"
        );
    }

    #[test]
    fn each_refusal_carries_tencents_code() {
        let v = &vectors()[3];
        let form = decode_form(s(v, "body"));
        let host = s(v, "sign_host");
        let ts = timestamp(v);
        let without = |name: &str| -> Vec<(String, String)> {
            form.iter().filter(|(n, _)| n != name).cloned().collect()
        };
        let with = |name: &str, value: &str| -> Vec<(String, String)> {
            let mut f = without(name);
            f.push((name.into(), value.into()));
            f
        };
        for missing in ["Signature", "SecretId", "Timestamp", "Nonce"] {
            assert_eq!(
                check(v, &without(missing), host, ts),
                Err(ApiVerifyError::MissingParameter(missing.into()))
            );
        }
        assert_eq!(
            check(v, &with("Nonce", "x1"), host, ts).unwrap_err().code(),
            "InvalidParameter"
        );
        assert_eq!(
            check(v, &with("Timestamp", "-5"), host, ts)
                .unwrap_err()
                .code(),
            "InvalidParameter"
        );
        assert_eq!(
            check(v, &with("SignatureMethod", "HmacMD5"), host, ts),
            Err(ApiVerifyError::UnsupportedSignatureMethod("HmacMD5".into()))
        );
        assert_eq!(
            check(v, &form, host, ts + 301).unwrap_err().code(),
            "AuthFailure.SignatureExpire"
        );
        assert_eq!(
            check(v, &with("SecretId", "AKIDnobody"), host, ts),
            Err(ApiVerifyError::SecretIdNotFound("AKIDnobody".into()))
        );
        // Any signed parameter changed, added or removed.
        for changed in [
            with("Name", "other"),
            with("Extra", "1"),
            without("Language"),
            with("SignatureMethod", "HmacSHA1"),
        ] {
            assert_eq!(
                check(v, &changed, host, ts).unwrap_err().code(),
                "AuthFailure.SignatureFailure"
            );
        }
        assert_eq!(
            check(v, &with("Signature", "not base64!"), host, ts)
                .unwrap_err()
                .code(),
            "AuthFailure.SignatureFailure"
        );
    }

    #[test]
    fn a_temporary_key_needs_its_token() {
        let credentials = Credentials::new("AKIDtmp", "secret").with_security_token("tok");
        let base = [
            ("Action", "AssumeRole"),
            ("Nonce", "7"),
            ("SecretId", "AKIDtmp"),
            ("Timestamp", "100"),
            ("Token", "tok"),
        ];
        let request = V1Request {
            method: "POST",
            host: "sts.tencentcloudapi.com",
            path: "/",
            params: &base,
        };
        let signed = sts_v1::sign(&request, &credentials, SignatureMethod::HmacSha256);
        let lookup = |_: &str| Some(credentials.clone());
        let mut params = base.to_vec();
        params.push(("SignatureMethod", "HmacSHA256"));
        params.push(("Signature", signed.signature()));
        let incoming = |params: &[(&str, &str)]| {
            sts_v1::verify(
                &V1Incoming {
                    method: "POST",
                    host: "sts.tencentcloudapi.com",
                    path: "/",
                    params,
                },
                &lookup,
                100,
            )
        };
        // SignatureMethod was not in what the client signed: mismatch; then signed with it: ok.
        assert_eq!(
            incoming(&params).unwrap_err().code(),
            "AuthFailure.SignatureFailure"
        );
        let mut with_method = base.to_vec();
        with_method.push(("SignatureMethod", "HmacSHA256"));
        let signed = sts_v1::sign(
            &V1Request {
                params: &with_method,
                ..request
            },
            &credentials,
            SignatureMethod::HmacSha256,
        );
        with_method.push(("Signature", signed.signature()));
        assert_eq!(
            incoming(&with_method).unwrap().method,
            SignatureMethod::HmacSha256
        );
        let no_token: Vec<(&str, &str)> = with_method
            .iter()
            .copied()
            .filter(|(n, _)| *n != "Token")
            .collect();
        assert_eq!(incoming(&no_token), Err(ApiVerifyError::TokenFailure));
    }
}
