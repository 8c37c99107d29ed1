//! Feature `verify`: checking a TC3-HMAC-SHA256 request the way Tencent's API servers do
//! (sts.md §1.5), for the emulator's STS listener and any server that accepts Cloud API calls.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::canonical::{self, CanonicalHeader, ValueForm};
use super::{ALGORITHM, CONTENT_SHA256_HEADER, TERMINATOR, UNSIGNED_PAYLOAD};
use crate::cloud_api::{
    ApiVerifyError, check_timestamp, check_token, constant_time_eq, parse_timestamp, strip_port,
};
use crate::verify::SecretLookup;

/// The parsed `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tc3Authorization {
    /// The SecretId in the Credential.
    pub secret_id: String,
    /// The date in the Credential (`YYYY-MM-DD`).
    pub date: String,
    /// The service in the Credential (`sts`; `127` from the Node SDK pointed at an IP).
    pub service: String,
    /// SignedHeaders, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature as given.
    pub signature: String,
}

impl Tc3Authorization {
    /// Parses an Authorization value. Fields are separated by commas (spaces around them are
    /// ignored), in any order; `Credential` must be `<id>/<date>/<service>/tc3_request`, and
    /// `SignedHeaders` must name `content-type` and `host` (the documentation requires both).
    ///
    /// ```
    /// let a = cos_sign::tc3::Tc3Authorization::parse(
    ///     "TC3-HMAC-SHA256 Credential=AKIDx/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=ab",
    /// ).unwrap();
    /// assert_eq!((a.secret_id.as_str(), a.date.as_str(), a.service.as_str()), ("AKIDx", "2023-11-14", "sts"));
    /// assert_eq!(a.signed_headers, ["content-type", "host"]);
    /// ```
    pub fn parse(authorization: &str) -> Result<Self, ApiVerifyError> {
        let invalid = |why: &str| ApiVerifyError::InvalidAuthorization(why.into());
        let authorization = authorization.trim();
        if authorization == "SKIP" {
            return Err(ApiVerifyError::Unsigned);
        }
        let rest = authorization
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .ok_or_else(|| invalid("it does not start with `TC3-HMAC-SHA256 `"))?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for field in rest.split(',') {
            let (name, value) = field
                .trim()
                .split_once('=')
                .ok_or_else(|| invalid("a field is not `name=value`"))?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(invalid("unknown field")),
            };
            if slot.replace(value).is_some() {
                return Err(invalid("a field is given twice"));
            }
        }
        let credential = credential.ok_or_else(|| invalid("no Credential"))?;
        let signed_headers = signed_headers.ok_or_else(|| invalid("no SignedHeaders"))?;
        let signature = signature.ok_or_else(|| invalid("no Signature"))?;

        let parts: Vec<&str> = credential.split('/').collect();
        let [secret_id, date, service, terminator] = parts[..] else {
            return Err(invalid(
                "Credential is not <id>/<date>/<service>/tc3_request",
            ));
        };
        if secret_id.is_empty() || service.is_empty() || terminator != TERMINATOR {
            return Err(invalid(
                "Credential is not <id>/<date>/<service>/tc3_request",
            ));
        }
        if !is_date(date) {
            return Err(invalid("the Credential date is not YYYY-MM-DD"));
        }
        let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_string).collect();
        if signed_headers
            .iter()
            .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
        {
            return Err(invalid("SignedHeaders has an empty or upper-case name"));
        }
        for required in ["content-type", "host"] {
            if !signed_headers.iter().any(|h| h == required) {
                return Err(invalid("SignedHeaders must include content-type and host"));
            }
        }
        let mut sorted = signed_headers.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != signed_headers.len() {
            return Err(invalid("SignedHeaders names a header twice"));
        }
        Ok(Self {
            secret_id: secret_id.to_string(),
            date: date.to_string(),
            service: service.to_string(),
            signed_headers,
            signature: signature.to_string(),
        })
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// A Cloud API request as the server received it, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tc3Incoming<'a> {
    /// The method as received (`POST`).
    pub method: &'a str,
    /// The path as received (`/`).
    pub path: &'a str,
    /// The raw query string after the `?`, as received (`""` when there is none).
    pub query: &'a str,
    /// Every request header, names in any case (the first of a repeated name counts).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes as received.
    pub payload: &'a [u8],
}

impl<'a> Tc3Incoming<'a> {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, v)| v)
    }
}

/// A TC3 request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tc3Verified {
    /// The SecretId that signed.
    pub secret_id: String,
    /// The service named in the Credential (the one the client signed for).
    pub service: String,
    /// The Credential date.
    pub date: String,
    /// `X-TC-Timestamp`.
    pub timestamp: u64,
    /// SignedHeaders, in order.
    pub signed_headers: Vec<String>,
    /// The host value that matched: the `Host` header, or the same without its port.
    pub signed_host: String,
    /// The CanonicalRequest that matched.
    pub canonical_request: String,
    /// The StringToSign that matched.
    pub string_to_sign: String,
}

/// Verifies a TC3-HMAC-SHA256 request at `now` (Unix seconds).
///
/// `authorization` is the `Authorization` header, `timestamp` the `X-TC-Timestamp` header
/// (`None` when absent). In order (sts.md §1.5): the Authorization is parsed
/// (`AuthFailure.InvalidAuthorization`; `SKIP` is [`ApiVerifyError::Unsigned`]); the timestamp
/// must be an integer (`MissingParameter`, `InvalidParameter`) within ±300 s of `now`
/// (`AuthFailure.SignatureExpire`); the SecretId must be known (`AuthFailure.SecretIdNotFound`)
/// and, for a temporary key, `X-TC-Token` must be its token (`AuthFailure.TokenFailure`); the
/// Credential date must be the timestamp's UTC date; then the signature is recomputed with the
/// service and date the Credential names, the headers SignedHeaders lists (`content-type` and
/// `host` verbatim, others trimmed and lower-cased), the payload as received (or
/// `UNSIGNED-PAYLOAD` when `X-TC-Content-SHA256` says so), and compared in constant time —
/// first with the `Host` header as received, then, if it has a port, without it (the Node SDK
/// signs `URL.hostname`) (`AuthFailure.SignatureFailure`).
///
/// ```
/// use cos_sign::{tc3, Credentials};
/// let credentials = Credentials::new("AKIDx", "secret");
/// let signed = tc3::sign(&tc3::Tc3Request {
///     method: "POST", host: "127.0.0.1", path: "/", query: "", content_type: "application/json",
///     payload: b"{}", service: "127", timestamp: 1700000000,
/// }, &credentials);
/// let headers = [("Host", "127.0.0.1:9000"), ("Content-Type", "application/json")];
/// let incoming = tc3::Tc3Incoming { method: "POST", path: "/", query: "", headers: &headers, payload: b"{}" };
/// let lookup = |id: &str| (id == "AKIDx").then(|| credentials.clone());
/// let ok = tc3::verify(&incoming, signed.authorization(), Some("1700000000"), &lookup, 1700000100).unwrap();
/// assert_eq!((ok.service.as_str(), ok.signed_host.as_str()), ("127", "127.0.0.1"));
/// let late = tc3::verify(&incoming, signed.authorization(), Some("1700000000"), &lookup, 1700000301);
/// assert_eq!(late.unwrap_err().code(), "AuthFailure.SignatureExpire");
/// ```
pub fn verify(
    incoming: &Tc3Incoming<'_>,
    authorization: &str,
    timestamp: Option<&str>,
    lookup: &impl SecretLookup,
    now: u64,
) -> Result<Tc3Verified, ApiVerifyError> {
    let auth = Tc3Authorization::parse(authorization)?;
    let timestamp_text =
        timestamp.ok_or_else(|| ApiVerifyError::MissingParameter("X-TC-Timestamp".into()))?;
    let timestamp = parse_timestamp("X-TC-Timestamp", timestamp_text.trim())?;
    check_timestamp(timestamp, now)?;
    let credentials = lookup
        .credentials(&auth.secret_id)
        .ok_or_else(|| ApiVerifyError::SecretIdNotFound(auth.secret_id.clone()))?;
    check_token(&credentials, incoming.header("X-TC-Token"))?;
    let expected_date = canonical::utc_date(timestamp);
    if auth.date != expected_date {
        return Err(ApiVerifyError::DateMismatch {
            date: auth.date,
            expected: expected_date,
        });
    }

    let payload = match incoming.header(CONTENT_SHA256_HEADER) {
        Some(v) if v.trim().eq_ignore_ascii_case("UNSIGNED-PAYLOAD") => UNSIGNED_PAYLOAD,
        _ => incoming.payload,
    };
    let host = incoming.header("host");
    let host_candidates = [host, host.and_then(strip_port)];
    let scope = canonical::credential_scope(&auth.date, &auth.service);
    let mut first_failure = None;
    for signed_host in host_candidates.into_iter().flatten() {
        let headers =
            auth.signed_headers
                .iter()
                .map(|name| {
                    let value =
                        match name.as_str() {
                            "host" => ValueForm::Verbatim(signed_host),
                            "content-type" => {
                                ValueForm::Verbatim(incoming.header(name).ok_or_else(|| {
                                    ApiVerifyError::MissingSignedHeader(name.clone())
                                })?)
                            }
                            _ => ValueForm::Normalised(incoming.header(name).ok_or_else(|| {
                                ApiVerifyError::MissingSignedHeader(name.clone())
                            })?),
                        };
                    Ok(CanonicalHeader {
                        name: name.clone(),
                        value,
                    })
                })
                .collect::<Result<Vec<_>, ApiVerifyError>>()?;
        let (canonical_request, _) = canonical::canonical_request(
            incoming.method,
            incoming.path,
            incoming.query,
            &headers,
            payload,
        );
        let string_to_sign = canonical::string_to_sign(timestamp, &scope, &canonical_request);
        let computed = canonical::signature_hex(
            credentials.secret_key(),
            &auth.date,
            &auth.service,
            &string_to_sign,
        );
        if constant_time_eq(&computed, &auth.signature) {
            return Ok(Tc3Verified {
                secret_id: auth.secret_id,
                service: auth.service,
                date: auth.date,
                timestamp,
                signed_headers: auth.signed_headers,
                signed_host: signed_host.to_string(),
                canonical_request,
                string_to_sign,
            });
        }
        first_failure.get_or_insert(ApiVerifyError::SignatureFailure {
            canonical_request,
            string_to_sign,
        });
    }
    Err(first_failure.unwrap_or_else(|| ApiVerifyError::MissingSignedHeader("host".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_refuses_what_is_not_a_tc3_authorization() {
        let good = "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00";
        assert!(Tc3Authorization::parse(good).is_ok());
        // Spacing around the commas is not significant; field order is not either.
        assert!(Tc3Authorization::parse(
            "TC3-HMAC-SHA256 Signature=00,SignedHeaders=content-type;host ,  Credential=A/2023-11-14/sts/tc3_request"
        )
        .is_ok());
        assert_eq!(
            Tc3Authorization::parse(" SKIP "),
            Err(ApiVerifyError::Unsigned)
        );
        for bad in [
            "",
            "q-sign-algorithm=sha1&q-ak=x",
            "TC3-HMAC-SHA256",
            "TC3-HMAC-SHA256Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA1 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, Signature=00",
            "TC3-HMAC-SHA256 SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00, Extra=1",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc4_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/B/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14//tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/20231114/sts/tc3_request, SignedHeaders=content-type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=Content-Type;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;;host, Signature=00",
            "TC3-HMAC-SHA256 Credential=A/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host;host, Signature=00",
        ] {
            let err = Tc3Authorization::parse(bad).unwrap_err();
            assert_eq!(err.code(), "AuthFailure.InvalidAuthorization", "{bad}");
            assert!(
                matches!(err, ApiVerifyError::InvalidAuthorization(_)),
                "{bad}"
            );
        }
    }
}
