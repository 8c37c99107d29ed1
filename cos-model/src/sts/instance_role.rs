//! The CVM metadata service's answer for an instance role's keys
//! (`GET /latest/meta-data/cam/security-credentials/<role>`): `{"TmpSecretId", "TmpSecretKey",
//! "Token", "ExpiredTime", "Expiration", "Code": "Success"}`, the shape tencentcloud-sdk-go
//! reads (`cvm_role_provider.go`, `roleRsp`) and tencentcloud-sdk-python checks (`Code` must be
//! `Success`). Read into the same [`StsCredentials`] STS answers with.

use serde::Deserialize;

use super::{StsCredentials, StsError, StsErrorKind};

#[derive(Deserialize)]
struct RoleKeys {
    #[serde(rename = "TmpSecretId", default)]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey", default)]
    tmp_secret_key: String,
    #[serde(rename = "Token", default)]
    token: String,
    #[serde(rename = "ExpiredTime")]
    expired_time: Option<u64>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
    #[serde(rename = "Code", default)]
    code: String,
}

/// Reads the metadata service's answer for a role's keys. A `Code` other than `Success` is a
/// [`StsErrorKind::Service`] error with that code; the body is never echoed into an error (it
/// holds the keys).
pub fn parse_instance_role_credentials(
    status: http::StatusCode,
    body: &[u8],
) -> Result<StsCredentials, StsError> {
    let error = |kind: StsErrorKind, code: &str, message: String| StsError {
        kind,
        code: code.to_owned(),
        message,
        request_id: None,
    };
    if !status.is_success() {
        return Err(error(
            StsErrorKind::Status(status.as_u16()),
            "",
            "the metadata service refused the role's keys".into(),
        ));
    }
    let keys: RoleKeys = serde_json::from_slice(body).map_err(|e| {
        error(
            StsErrorKind::Malformed,
            "",
            format!(
                "the role's keys are not the JSON expected (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    if keys.code != "Success" {
        return Err(error(
            StsErrorKind::Service,
            &keys.code,
            format!("the metadata service answered Code `{}`", keys.code),
        ));
    }
    let Some(expired_time) = keys.expired_time else {
        return Err(error(
            StsErrorKind::Malformed,
            "",
            "the role's keys have no ExpiredTime".into(),
        ));
    };
    if keys.tmp_secret_id.is_empty() || keys.tmp_secret_key.is_empty() || keys.token.is_empty() {
        return Err(error(
            StsErrorKind::Malformed,
            "",
            "the role's keys lack TmpSecretId, TmpSecretKey or Token".into(),
        ));
    }
    Ok(StsCredentials {
        tmp_secret_id: keys.tmp_secret_id,
        tmp_secret_key: keys.tmp_secret_key,
        token: keys.token,
        expired_time,
        expiration: keys.expiration,
        request_id: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn reads_the_documented_answer() {
        let body = br#"{"TmpSecretId":"AKIDrole","TmpSecretKey":"key-SECRET","ExpiredTime":1700007200,"Expiration":"2023-11-15T00:13:20Z","Token":"tok-SECRET","Code":"Success"}"#;
        let c = parse_instance_role_credentials(StatusCode::OK, body).unwrap();
        assert_eq!(c.tmp_secret_id, "AKIDrole");
        assert_eq!(c.tmp_secret_key, "key-SECRET");
        assert_eq!(c.token, "tok-SECRET");
        assert_eq!(c.expired_time, 1_700_007_200);
    }

    #[test]
    fn failures_say_why_without_the_keys() {
        let bad_code = br#"{"TmpSecretId":"AKID","TmpSecretKey":"key-SECRET","ExpiredTime":1,"Token":"tok-SECRET","Code":"Failed"}"#;
        let e = parse_instance_role_credentials(StatusCode::OK, bad_code).unwrap_err();
        assert_eq!(
            (e.kind.clone(), e.code.as_str()),
            (StsErrorKind::Service, "Failed")
        );
        let truncated = &bad_code[..40];
        let e2 = parse_instance_role_credentials(StatusCode::OK, truncated).unwrap_err();
        assert_eq!(e2.kind, StsErrorKind::Malformed);
        let e3 = parse_instance_role_credentials(StatusCode::INTERNAL_SERVER_ERROR, bad_code)
            .unwrap_err();
        assert_eq!(e3.kind, StsErrorKind::Status(500));
        for e in [e, e2, e3] {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }
}
