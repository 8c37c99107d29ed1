//! `verify` against the named vectors and each failure kind: Authorization headers (N3),
//! pre-signed queries (N6's Node form, N7's Python form, G3's merged form) and POST forms
//! (P1, P2).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "verify")]

use cos_sign::verify::{
    SecretLookup, VerifyError, verify_header, verify_post_form, verify_presigned,
};
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};

const SAMPLE_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SAMPLE_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

fn lookup() -> impl SecretLookup {
    |id: &str| match id {
        SAMPLE_ID => Some(Credentials::new(SAMPLE_ID, SAMPLE_KEY)),
        "QmFzZTY0IGlzIGEgZ*******" => Some(Credentials::new(id, "ZfbOA78asKUYBcXFrJD0a1I*******")),
        _ => None,
    }
}

const N3_AUTH: &str = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=content-length;host&q-url-param-list=partnumber;uploadid&q-signature=7f46a9119c691b29713a1bcc172148a9b9ae7084";
const UPLOAD_ID: &str =
    "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";

type Pairs<const N: usize> = [(&'static str, &'static str); N];

fn n3_parts() -> (Pairs<2>, Pairs<3>) {
    (
        [("partNumber", "1"), ("uploadId", UPLOAD_ID)],
        [
            ("Host", HOST),
            ("Content-Length", "1048576"),
            ("User-Agent", "anything"),
        ],
    )
}

#[test]
fn n3_header_verifies_inside_the_window() {
    let (query, headers) = n3_parts();
    let req = SignableRequest::new("PUT", "/folder/big file.bin")
        .with_query(&query)
        .with_headers(&headers);
    for now in [1700000000, 1700001000, 1700003600] {
        let v = verify_header(N3_AUTH, &req, &lookup(), now).unwrap();
        assert_eq!(v.access_key_id, SAMPLE_ID);
        assert_eq!(v.key_time, KeyTime::new(1700000000, 1700003600));
        assert_eq!(v.signed_headers, ["content-length", "host"]);
        assert_eq!(v.signed_params, ["partnumber", "uploadid"]);
    }
}

#[test]
fn n3_header_failures_are_typed() {
    let (query, headers) = n3_parts();
    let req = SignableRequest::new("PUT", "/folder/big file.bin")
        .with_query(&query)
        .with_headers(&headers);
    let l = lookup();
    assert_eq!(
        verify_header(N3_AUTH, &req, &l, 1700003601),
        Err(VerifyError::Expired {
            key_time: KeyTime::new(1700000000, 1700003600),
            now: 1700003601
        })
    );
    assert!(matches!(
        verify_header(N3_AUTH, &req, &l, 1699999999),
        Err(VerifyError::NotYetValid { .. })
    ));
    let unknown = N3_AUTH.replace(SAMPLE_ID, "AKIDnobody");
    assert_eq!(
        verify_header(&unknown, &req, &l, 1700000001),
        Err(VerifyError::UnknownAccessKey("AKIDnobody".into()))
    );
    assert!(matches!(
        verify_header("q-sign-algorithm=sha1", &req, &l, 1700000001),
        Err(VerifyError::Malformed(_))
    ));

    let no_length = [("Host", HOST)];
    let r = req.with_headers(&no_length);
    assert_eq!(
        verify_header(N3_AUTH, &r, &l, 1700000001),
        Err(VerifyError::MissingSignedHeader("content-length".into()))
    );
    let no_upload_id = [("partNumber", "1")];
    let r = req.with_query(&no_upload_id);
    assert_eq!(
        verify_header(N3_AUTH, &r, &l, 1700000001),
        Err(VerifyError::MissingSignedParameter("uploadid".into()))
    );

    // Tampering with a signed value: the mismatch carries the server-side strings.
    let other_part = [("partNumber", "2"), ("uploadId", UPLOAD_ID)];
    let r = req.with_query(&other_part);
    match verify_header(N3_AUTH, &r, &lookup(), 1700000001) {
        Err(VerifyError::SignatureMismatch {
            http_string,
            string_to_sign,
        }) => {
            assert!(
                http_string.contains("\npartnumber=2&uploadid="),
                "{http_string}"
            );
            assert!(string_to_sign.starts_with("sha1\n1700000000;1700003600\n"));
        }
        other => panic!("{other:?}"),
    }
    // A wrong secret is a mismatch too, and the error text holds no secret.
    let wrong = |_: &str| Some(Credentials::new(SAMPLE_ID, "not-the-key"));
    let err = verify_header(N3_AUTH, &req, &wrong, 1700000001).unwrap_err();
    assert!(matches!(err, VerifyError::SignatureMismatch { .. }));
    assert!(!format!("{err} {err:?}").contains("not-the-key"));
    // Unsigned extras do not matter.
    let (query, _) = n3_parts();
    let extra = [
        ("Host", HOST),
        ("Content-Length", "1048576"),
        ("X-Unsigned", "x"),
        ("Date", "today"),
    ];
    let r = req.with_headers(&extra).with_query(&query);
    assert!(verify_header(N3_AUTH, &r, &lookup(), 1700000001).is_ok());
}

#[test]
fn n6_node_presigned_form_verifies() {
    // Query as received, decoded, in URL order: q-*, the unsigned token, the signed parameter.
    let query = [
        ("q-sign-algorithm", "sha1"),
        ("q-ak", SAMPLE_ID),
        ("q-sign-time", "1700000000;1700003600"),
        ("q-key-time", "1700000000;1700003600"),
        ("q-header-list", "host"),
        ("q-url-param-list", "response-content-type"),
        ("q-signature", "b1ca6cced84bbc2f1da3d96ccd099238c85a923f"),
        ("x-cos-security-token", "TOKEN_EXAMPLE"),
        ("response-content-type", "text/plain"),
    ];
    let headers = [("Host", HOST)];
    let req = SignableRequest::new("GET", "/dir/a b+c中文.txt")
        .with_query(&query)
        .with_headers(&headers);
    let v = verify_presigned(&req, &lookup(), 1700000500).unwrap();
    assert_eq!(v.signed_params, ["response-content-type"]);
    // Changing the signed parameter breaks it; dropping it is reported as missing.
    let mut tampered = query;
    tampered[8].1 = "text/html";
    let r = req.with_query(&tampered);
    assert!(matches!(
        verify_presigned(&r, &lookup(), 1700000500),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let r = req.with_query(&query[..8]);
    assert_eq!(
        verify_presigned(&r, &lookup(), 1700000500),
        Err(VerifyError::MissingSignedParameter(
            "response-content-type".into()
        ))
    );
}

#[test]
fn n7_python_presigned_form_verifies() {
    let query = [
        ("q-sign-algorithm", "sha1"),
        ("q-ak", SAMPLE_ID),
        ("q-sign-time", "1700000000;1700003600"),
        ("q-key-time", "1700000000;1700003600"),
        ("q-header-list", "host"),
        (
            "q-url-param-list",
            "response-content-type;x-cos-security-token",
        ),
        ("q-signature", "44c50878c157877b5c096695535d33e4233a93fb"),
        ("response-content-type", "text/plain"),
        ("x-cos-security-token", "TOKEN_EXAMPLE"),
    ];
    let headers = [("Host", HOST)];
    let req = SignableRequest::new("GET", "/dir/a b+c中文.txt")
        .with_query(&query)
        .with_headers(&headers);
    assert!(verify_presigned(&req, &lookup(), 1700003600).is_ok());
    let mut other_token = query;
    other_token[8].1 = "OTHER";
    let r = req.with_query(&other_token);
    assert!(matches!(
        verify_presigned(&r, &lookup(), 1700000500),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn g3_merged_presigned_form_verifies() {
    let credentials =
        Credentials::new("QmFzZTY0IGlzIGEgZ*******", "ZfbOA78asKUYBcXFrJD0a1I*******");
    let signed = [("test", "params")];
    let g3 = SignableRequest::new("PUT", "/test.jpg").with_query(&signed);
    let sig = sign(
        &g3,
        &credentials,
        KeyTime::new(1622702557, 1622706157),
        &HeaderPolicy::Only(vec![]),
    )
    .unwrap();
    assert_eq!(sig.signature(), "7757e84ed5f8953eafc30afcd2a5d1ad68e00d67");
    let (name, value) = sig.merged_query();
    let query = [("test", "params"), (name.as_str(), value.as_str())];
    let req = g3.with_query(&query);
    assert!(verify_presigned(&req, &lookup(), 1622702557).is_ok());
    assert!(matches!(
        verify_presigned(&req, &lookup(), 1622706158),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn differing_sign_time_and_key_time_are_honoured() {
    // StringToSign carries q-sign-time, SignKey comes from q-key-time (the doc's rule).
    use sha1::Digest;
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY);
    let headers = [("Host", HOST)];
    let req = SignableRequest::new("GET", "/x").with_headers(&headers);
    let base = sign(
        &req,
        &credentials,
        KeyTime::new(1000, 5000),
        &HeaderPolicy::Default,
    )
    .unwrap();
    let sha = hex::encode(sha1::Sha1::digest(base.http_string().as_bytes()));
    let string_to_sign = format!("sha1\n2000;3000\n{sha}\n");
    let signer = cos_sign::Signer::new(&credentials, KeyTime::new(1000, 5000)).unwrap();
    let signature = signer.signature_of(string_to_sign.as_bytes());
    let auth = format!(
        "q-sign-algorithm=sha1&q-ak={SAMPLE_ID}&q-sign-time=2000;3000&q-key-time=1000;5000&q-header-list=host&q-url-param-list=&q-signature={signature}"
    );
    assert!(verify_header(&auth, &req, &lookup(), 2500).is_ok());
    assert!(matches!(
        verify_header(&auth, &req, &lookup(), 3500),
        Err(VerifyError::Expired { .. })
    ));
}

const P1_POLICY_B64: &str = "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9";

fn p1_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("key", "folder/subfolder/photo.jpg"),
        ("acl", "default"),
        ("Content-Type", "image/jpeg"),
        ("success_action_redirect", "https://my.website/done"),
        ("x-cos-server-side-encryption", "AES256"),
        ("policy", P1_POLICY_B64),
        ("q-sign-algorithm", "sha1"),
        ("q-ak", SAMPLE_ID),
        ("q-key-time", "1567150692;1567157892"),
        ("q-signature", "7758dc9a832e9d301dca704cacbf9d9f8172fdef"),
    ]
}

#[test]
fn p1_form_verifies_and_each_condition_is_enforced() {
    let bucket = "examplebucket-1250000000";
    let now = 1567157000;
    let v = verify_post_form(&p1_fields(), bucket, &lookup(), now).unwrap();
    assert_eq!(v.expiration_millis, 1_567_157_892_414);
    assert_eq!(v.conditions.len(), 9);
    assert!(
        v.check_content_length(u64::MAX).is_ok(),
        "P1 has no size range"
    );

    let failed = |condition: &str| {
        Err(VerifyError::PolicyConditionFailed {
            condition: condition.into(),
        })
    };
    let mut f = p1_fields();
    f[0].1 = "elsewhere/photo.jpg";
    assert_eq!(
        verify_post_form(&f, bucket, &lookup(), now).map(drop),
        failed(r#"["starts-with","$key","folder/subfolder/"]"#)
    );
    let mut f = p1_fields();
    f[2].1 = "text/html";
    assert_eq!(
        verify_post_form(&f, bucket, &lookup(), now).map(drop),
        failed(r#"["starts-with","$Content-Type","image/"]"#)
    );
    let f: Vec<_> = p1_fields()
        .into_iter()
        .filter(|(n, _)| *n != "acl")
        .collect();
    assert_eq!(
        verify_post_form(&f, bucket, &lookup(), now).map(drop),
        failed(r#"{"acl":"default"}"#)
    );
    assert_eq!(
        verify_post_form(&p1_fields(), "otherbucket-1250000000", &lookup(), now).map(drop),
        failed(r#"{"bucket":"examplebucket-1250000000"}"#)
    );
    let mut f = p1_fields();
    f[4].1 = "KMS";
    assert_eq!(
        verify_post_form(&f, bucket, &lookup(), now).map(drop),
        failed(r#"["eq","$x-cos-server-side-encryption","AES256"]"#)
    );
    // Outside the key time / after the policy's expiration.
    assert!(matches!(
        verify_post_form(&p1_fields(), bucket, &lookup(), 1567157893),
        Err(VerifyError::Expired { .. })
    ));
    assert!(matches!(
        verify_post_form(&p1_fields(), bucket, &lookup(), 1567150691),
        Err(VerifyError::NotYetValid { .. })
    ));
    // A tampered policy no longer matches its signature.
    let mut f = p1_fields();
    let tampered = P1_POLICY_B64.replacen("ewog", "eyAg", 1);
    f[5].1 = &tampered;
    assert!(matches!(
        verify_post_form(&f, bucket, &lookup(), now),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let mut f = p1_fields();
    f[9].1 = "0000000000000000000000000000000000000000";
    assert!(matches!(
        verify_post_form(&f, bucket, &lookup(), now),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let f: Vec<_> = p1_fields()
        .into_iter()
        .filter(|(n, _)| *n != "policy")
        .collect();
    assert!(matches!(
        verify_post_form(&f, bucket, &lookup(), now),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn p2_form_checks_the_size_range_and_the_expiration() {
    use cos_sign::post::PostPolicy;
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY).with_security_token("TOKEN_EXAMPLE");
    let key_time = KeyTime::new(1700000000, 1700003600);
    let form = PostPolicy::new(1700003000)
        .sign_fields()
        .bucket("examplebucket-1250000000")
        .key_prefix("uploads/")
        .content_length_range(1, 10485760)
        .security_token()
        .sign(&credentials, key_time)
        .unwrap();
    let mut fields: Vec<(&str, &str)> = form
        .fields()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    fields.insert(0, ("key", "uploads/a.bin"));
    let v = verify_post_form(&fields, "examplebucket-1250000000", &lookup(), 1700003000).unwrap();
    assert!(v.check_content_length(1).is_ok() && v.check_content_length(10485760).is_ok());
    let too_big = Err(VerifyError::PolicyConditionFailed {
        condition: r#"["content-length-range",1,10485760]"#.into(),
    });
    assert_eq!(v.check_content_length(10485761), too_big);
    assert!(v.check_content_length(0).is_err());
    // Inside the key time but past the policy's own expiration.
    assert_eq!(
        verify_post_form(&fields, "examplebucket-1250000000", &lookup(), 1700003001).map(drop),
        Err(VerifyError::PolicyExpired)
    );
    // The token condition binds the posted token.
    let swapped: Vec<(&str, &str)> = fields
        .iter()
        .map(|&(n, v)| {
            if n == "x-cos-security-token" {
                (n, "OTHER")
            } else {
                (n, v)
            }
        })
        .collect();
    assert!(matches!(
        verify_post_form(&swapped, "examplebucket-1250000000", &lookup(), 1700001000),
        Err(VerifyError::PolicyConditionFailed { .. })
    ));
}
