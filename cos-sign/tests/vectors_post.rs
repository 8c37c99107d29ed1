//! The POST policy vectors of shared/spec/cos-protocol.md ("POST Object (browser form upload)",
//! "Vectors"): P1 from Tencent's POST Object documentation (its 4-space-indented policy, signed
//! from the doc's own Base64) and P2 (compact JSON, as `cos-js-sdk-v5`'s `server/sts.js` builds
//! it), pinned at every stage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cos_sign::post::{Condition, PostForm, PostPolicy, parse_policy};
use cos_sign::{Credentials, KeyTime};

const SAMPLE_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SAMPLE_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

/// The `policy` field printed in the documentation, verbatim.
const P1_POLICY_B64: &str = "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9";

#[test]
fn p1_documentation_policy() {
    let json = String::from_utf8(STANDARD.decode(P1_POLICY_B64).unwrap()).unwrap();
    assert!(json.starts_with("{\n    \"expiration\": \"2019-08-30T09:38:12.414Z\",\n"));
    let key_time = KeyTime::new(1567150692, 1567157892);
    let form = PostForm::from_policy_json(
        json.clone(),
        &Credentials::new(SAMPLE_ID, SAMPLE_KEY),
        key_time,
    )
    .unwrap();
    assert_eq!(form.sign_key(), "39acc8c9f34ba5b19bce4e965b370cd3f62d2fba");
    assert_eq!(
        form.string_to_sign(),
        "d5d903b8360468bc81c1311f134989bc8c8b5b89"
    );
    assert_eq!(form.signature(), "7758dc9a832e9d301dca704cacbf9d9f8172fdef");
    assert_eq!(form.policy_base64(), P1_POLICY_B64);
    assert_eq!(form.policy_json(), json);
    let names: Vec<&str> = form.fields().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "policy",
            "q-sign-algorithm",
            "q-ak",
            "q-key-time",
            "q-signature"
        ]
    );
    assert_eq!(form.field("q-key-time"), Some("1567150692;1567157892"));
    assert_eq!(form.field("q-ak"), Some(SAMPLE_ID));
    assert_eq!(form.field("q-sign-algorithm"), Some("sha1"));

    // The builder states the same conditions (in compact JSON, hence another signature).
    let built = PostPolicy::new(0)
        .field("acl", "default")
        .bucket("examplebucket-1250000000")
        .key_prefix("folder/subfolder/")
        .content_type_prefix("image/")
        .condition(Condition::starts_with(
            "success_action_redirect",
            "https://my.website/",
        ))
        .condition(Condition::Eq {
            field: "x-cos-server-side-encryption".into(),
            value: "AES256".into(),
        })
        .sign_fields();
    let conditions = built.conditions(&Credentials::new(SAMPLE_ID, SAMPLE_KEY), key_time);
    assert_eq!(parse_policy(&json).unwrap().conditions, conditions);
    assert_eq!(
        parse_policy(&json).unwrap().expiration_millis,
        1_567_157_892_414
    );
}

const P2_JSON: &str = r#"{"expiration":"2023-11-14T23:13:20.000Z","conditions":[{"q-sign-algorithm":"sha1"},{"q-ak":"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"},{"q-sign-time":"1700000000;1700003600"},{"bucket":"examplebucket-1250000000"},["starts-with","$key","uploads/"],["content-length-range",1,10485760],{"x-cos-security-token":"TOKEN_EXAMPLE"}]}"#;
const P2_B64: &str = "eyJleHBpcmF0aW9uIjoiMjAyMy0xMS0xNFQyMzoxMzoyMC4wMDBaIiwiY29uZGl0aW9ucyI6W3sicS1zaWduLWFsZ29yaXRobSI6InNoYTEifSx7InEtYWsiOiJBS0lEUWp6M2x0b21wVmpCbmk1TGl0a1dIRmxGcHdrbjlVNXEifSx7InEtc2lnbi10aW1lIjoiMTcwMDAwMDAwMDsxNzAwMDAzNjAwIn0seyJidWNrZXQiOiJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAifSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVwbG9hZHMvIl0sWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwxMDQ4NTc2MF0seyJ4LWNvcy1zZWN1cml0eS10b2tlbiI6IlRPS0VOX0VYQU1QTEUifV19";

#[test]
fn p2_built_policy() {
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY).with_security_token("TOKEN_EXAMPLE");
    let key_time = KeyTime::new(1700000000, 1700003600);
    let policy = PostPolicy::new(1700003600)
        .sign_fields()
        .bucket("examplebucket-1250000000")
        .key_prefix("uploads/")
        .content_length_range(1, 10485760)
        .security_token();
    assert_eq!(policy.to_json(&credentials, key_time).unwrap(), P2_JSON);
    let form = policy.sign(&credentials, key_time).unwrap();
    assert_eq!(form.policy_json(), P2_JSON);
    assert_eq!(form.policy_base64(), P2_B64);
    assert_eq!(form.sign_key(), "552178a693a0d230b84a4f15c143bc3c2cb3d9c0");
    assert_eq!(
        form.string_to_sign(),
        "88048cd8f549a3d0eb187784f2c7e70eed7e4aae"
    );
    assert_eq!(form.signature(), "522e162adf433d009f8b08201f27375362bc6a82");
    let fields: Vec<(&str, &str)> = form
        .fields()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("policy", P2_B64),
            ("q-sign-algorithm", "sha1"),
            ("q-ak", SAMPLE_ID),
            ("q-key-time", "1700000000;1700003600"),
            ("q-signature", "522e162adf433d009f8b08201f27375362bc6a82"),
            ("x-cos-security-token", "TOKEN_EXAMPLE"),
        ]
    );
    // Signing the same bytes directly gives the same form.
    let direct = PostForm::from_policy_json(P2_JSON, &credentials, key_time).unwrap();
    assert_eq!(direct.fields(), form.fields());
    // Debug keeps the token out.
    let debug = format!("{form:?}");
    assert!(
        !debug.contains("TOKEN_EXAMPLE") && !debug.contains(form.sign_key()),
        "{debug}"
    );
}

#[test]
fn exact_conditions_become_form_fields_and_bad_input_is_refused() {
    use cos_sign::post::PolicyError;
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY);
    let key_time = KeyTime::new(1700000000, 1700003600);
    let form = PostPolicy::new(1700003600)
        .bucket("b-1250000000")
        .key("photos/cat.jpg")
        .content_type("image/jpeg")
        .cos_field("x-cos-meta-owner", "alice")
        .sign(&credentials, key_time)
        .unwrap();
    assert_eq!(form.field("key"), Some("photos/cat.jpg"));
    assert_eq!(form.field("content-type"), Some("image/jpeg"));
    assert_eq!(form.field("x-cos-meta-owner"), Some("alice"));
    assert_eq!(form.field("bucket"), None);
    // The q-* conditions are appended when not placed.
    assert!(form.policy_json().ends_with(r#"{"q-sign-algorithm":"sha1"},{"q-ak":"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"},{"q-sign-time":"1700000000;1700003600"}]}"#));

    let err = PostPolicy::new(1)
        .cos_field("meta-owner", "x")
        .sign(&credentials, key_time)
        .unwrap_err();
    assert_eq!(err, PolicyError::InvalidFieldName("meta-owner".into()));
    let err = PostPolicy::new(1)
        .content_length_range(5, 4)
        .sign(&credentials, key_time)
        .unwrap_err();
    assert_eq!(
        err,
        PolicyError::InvalidContentLengthRange { min: 5, max: 4 }
    );
    let err = PostPolicy::new(u64::MAX)
        .sign(&credentials, key_time)
        .unwrap_err();
    assert_eq!(err, PolicyError::ExpirationOutOfRange(u64::MAX));
    let err = PostPolicy::new(1)
        .sign(&credentials, KeyTime::new(2, 1))
        .unwrap_err();
    assert_eq!(err, PolicyError::InvalidKeyTime { start: 2, end: 1 });
}
