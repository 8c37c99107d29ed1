//! Feature `verify`: checking a signature-v1 form request the way Tencent's API servers do,
//! for the emulator's STS listener (the documented `sts.js`/`sts.php` servers sign this way).

use alloc::string::{String, ToString};

use super::{SIGNATURE_METHOD_PARAM, SIGNATURE_PARAM, SignatureMethod, V1Request, mac_base64};
use crate::cloud_api::{
    ApiVerifyError, STS_HOST, check_timestamp, check_token, constant_time_eq, parse_timestamp,
    strip_port,
};
use crate::verify::SecretLookup;

/// A v1 request as the server received it, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V1Incoming<'a> {
    /// The method as received (`POST`).
    pub method: &'a str,
    /// The `Host` header as received.
    pub host: &'a str,
    /// The path as received (`/`).
    pub path: &'a str,
    /// Every form (or query) parameter, DECODED, `Signature` included.
    pub params: &'a [(&'a str, &'a str)],
}

impl<'a> V1Incoming<'a> {
    /// The first parameter named `name` (case-sensitive, as Tencent's parameters are).
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
    }
}

/// A v1 request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct V1Verified {
    /// `SecretId`.
    pub secret_id: String,
    /// `Timestamp`.
    pub timestamp: u64,
    /// The MAC used.
    pub method: SignatureMethod,
    /// The signing host that matched: the `Host` header, the same without its port, or
    /// [`STS_HOST`].
    pub signed_host: String,
    /// The string to sign that matched.
    pub string_to_sign: String,
}

/// Verifies a v1-signed request at `now` (Unix seconds).
///
/// In order: `Signature`, `SecretId`, `Timestamp` and `Nonce` must be present
/// (`MissingParameter`), `Timestamp` and `Nonce` integers (`InvalidParameter`),
/// `SignatureMethod` absent, `HmacSHA1` or `HmacSHA256`; the timestamp within ±300 s of `now`
/// (`AuthFailure.SignatureExpire`); the SecretId known (`AuthFailure.SecretIdNotFound`) and,
/// for a temporary key, `Token` its token (`AuthFailure.TokenFailure`). Then the signature is
/// recomputed over every parameter but `Signature` and compared in constant time, with the
/// signing host taken as the `Host` header, the same without its port, or
/// `sts.tencentcloudapi.com` (what the Java SDK signs when pointed at an IP)
/// (`AuthFailure.SignatureFailure`).
///
/// ```
/// use cos_sign::{sts_v1, Credentials};
/// let credentials = Credentials::new("AKIDx", "secret");
/// let mut params = vec![("Action", "GetFederationToken"), ("Nonce", "12500"),
///     ("SecretId", "AKIDx"), ("Timestamp", "1700000000")];
/// let signed = sts_v1::sign(
///     &sts_v1::V1Request { method: "POST", host: "127.0.0.1:9000", path: "/", params: &params },
///     &credentials,
///     sts_v1::SignatureMethod::HmacSha1,
/// );
/// params.push(("Signature", signed.signature()));
/// let incoming = sts_v1::V1Incoming { method: "POST", host: "127.0.0.1:9000", path: "/", params: &params };
/// let lookup = |id: &str| (id == "AKIDx").then(|| credentials.clone());
/// assert!(sts_v1::verify(&incoming, &lookup, 1700000000).is_ok());
/// assert_eq!(sts_v1::verify(&incoming, &lookup, 1700000301).unwrap_err().code(), "AuthFailure.SignatureExpire");
/// ```
pub fn verify(
    incoming: &V1Incoming<'_>,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<V1Verified, ApiVerifyError> {
    let required = |name: &str| {
        incoming
            .param(name)
            .ok_or_else(|| ApiVerifyError::MissingParameter(name.into()))
    };
    let signature = required(SIGNATURE_PARAM)?;
    let secret_id = required("SecretId")?;
    let timestamp = parse_timestamp("Timestamp", required("Timestamp")?)?;
    let nonce = required("Nonce")?;
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiVerifyError::InvalidParameter {
            name: "Nonce".into(),
            reason: "not a positive integer".into(),
        });
    }
    let method = match incoming.param(SIGNATURE_METHOD_PARAM) {
        None => SignatureMethod::HmacSha1,
        Some(text) => SignatureMethod::parse(text)
            .ok_or_else(|| ApiVerifyError::UnsupportedSignatureMethod(text.into()))?,
    };
    check_timestamp(timestamp, now)?;
    let credentials = lookup
        .credentials(secret_id)
        .ok_or_else(|| ApiVerifyError::SecretIdNotFound(secret_id.into()))?;
    check_token(&credentials, incoming.param("Token"))?;

    let hosts = [
        Some(incoming.host),
        strip_port(incoming.host),
        Some(STS_HOST),
    ];
    let mut first_failure = None;
    for (i, host) in hosts.iter().enumerate() {
        let Some(host) = *host else { continue };
        if hosts[..i].contains(&Some(host)) {
            continue;
        }
        let string_to_sign = super::string_to_sign(&V1Request {
            method: incoming.method,
            host,
            path: incoming.path,
            params: incoming.params,
        });
        let computed = mac_base64(credentials.secret_key(), &string_to_sign, method);
        if constant_time_eq(&computed, signature) {
            return Ok(V1Verified {
                secret_id: secret_id.to_string(),
                timestamp,
                method,
                signed_host: host.to_string(),
                string_to_sign,
            });
        }
        first_failure.get_or_insert(string_to_sign);
    }
    Err(ApiVerifyError::SignatureFailure {
        canonical_request: String::new(),
        string_to_sign: first_failure.unwrap_or_default(),
    })
}
