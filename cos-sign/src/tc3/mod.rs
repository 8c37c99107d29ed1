//! TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature (STS, VOD, CVM …), pure: the
//! canonical request, the string to sign, the derived key chain and the Authorization header
//! (sts.md §1.3), with every intermediate kept for debugging; `verify` (feature `verify`)
//! checks one the way Tencent's servers do.
//!
//! What the official SDKs do, and so what [`sign`] does: sign exactly `content-type;host`, the
//! `Content-Type` and host values verbatim, the raw body bytes, the query as sent (POST: `""`),
//! the path `/`; `X-TC-Action`, `X-TC-Timestamp`, `X-TC-Token` … travel unsigned. The credential
//! date is the UTC date of the timestamp.
//!
//! ```
//! use cos_sign::Credentials;
//! use cos_sign::tc3::{sign, Tc3Request};
//!
//! let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
//! let request = Tc3Request {
//!     method: "POST",
//!     host: "cvm.tencentcloudapi.com",
//!     path: "/",
//!     query: "",
//!     content_type: "application/json; charset=utf-8",
//!     payload: br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#,
//!     service: "cvm",
//!     timestamp: 1551113065,
//! };
//! let signature = sign(&request, &credentials);
//! assert_eq!(signature.credential_scope(), "2019-02-25/cvm/tc3_request");
//! assert_eq!(signature.signature(), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
//! assert_eq!(
//!     signature.authorization(),
//!     "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
//!      SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
//! );
//! ```

pub(crate) mod canonical;
#[cfg(feature = "verify")]
mod verify;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use canonical::{credential_scope, sha256_hex, string_to_sign, utc_date};
#[cfg(feature = "verify")]
pub use verify::{Tc3Authorization, Tc3Incoming, Tc3Verified, verify};

use crate::{Credentials, SignError};
use canonical::{CanonicalHeader, ValueForm};

/// The algorithm name that starts the Authorization and the string to sign.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The last element of the credential scope and of the key chain.
pub const TERMINATOR: &str = "tc3_request";

/// The payload to sign for a request sent with `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`: its
/// hash, `sha256("UNSIGNED-PAYLOAD")`, replaces the body's in the canonical request.
pub const UNSIGNED_PAYLOAD: &[u8] = b"UNSIGNED-PAYLOAD";

/// The header that announces an unsigned payload (its value: `UNSIGNED-PAYLOAD`).
pub const CONTENT_SHA256_HEADER: &str = "X-TC-Content-SHA256";

/// The parts of a Cloud API 3.0 request that TC3 covers, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tc3Request<'a> {
    /// `POST` or `GET`, as sent (the SDKs send upper case).
    pub method: &'a str,
    /// The host line's value: the `Host` header as sent (`sts.tencentcloudapi.com`, or
    /// `127.0.0.1:9000` with its port, as the Python SDK signs it).
    pub host: &'a str,
    /// The canonical URI: always `/` in API 3.0.
    pub path: &'a str,
    /// The query string exactly as sent, after the `?`; `""` for POST. Not sorted, not
    /// re-encoded.
    pub query: &'a str,
    /// The `Content-Type` header, byte for byte as sent (`application/json`).
    pub content_type: &'a str,
    /// The body bytes as sent (`b""` for GET); [`UNSIGNED_PAYLOAD`] when the request carries
    /// `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
    pub payload: &'a [u8],
    /// The product: `sts`, `vod`, `cvm` (the first label of its domain).
    pub service: &'a str,
    /// `X-TC-Timestamp`, Unix seconds; the credential date is its UTC date.
    pub timestamp: u64,
}

/// A computed TC3 signature and its intermediates. Nothing here is secret beyond the
/// signature itself (the key chain is wiped when signing ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Signature {
    authorization: String,
    canonical_request: String,
    string_to_sign: String,
    credential_scope: String,
    signed_headers: String,
    timestamp: u64,
}

impl Tc3Signature {
    /// The `Authorization` header value:
    /// `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=…, Signature=<hex>`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The CanonicalRequest that was hashed.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The StringToSign that was MAC'd.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signature: 64 lowercase hex digits.
    pub fn signature(&self) -> &str {
        // The Authorization ends with the 64 ASCII hex digits of the signature.
        &self.authorization[self.authorization.len() - 64..]
    }

    /// `<date>/<service>/tc3_request`.
    pub fn credential_scope(&self) -> &str {
        &self.credential_scope
    }

    /// `YYYY-MM-DD`, the UTC date of the timestamp.
    pub fn date(&self) -> &str {
        // The scope starts with the ten characters of the date.
        &self.credential_scope[..self.credential_scope.find('/').unwrap_or(0)]
    }

    /// The signed header names, `;`-joined (`content-type;host`).
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The timestamp that was signed (send it as `X-TC-Timestamp`).
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }
}

/// Signs `request` the way the official SDKs do: `SignedHeaders=content-type;host`.
pub fn sign(request: &Tc3Request<'_>, credentials: &Credentials) -> Tc3Signature {
    let headers = [
        CanonicalHeader {
            name: "content-type".into(),
            value: ValueForm::Verbatim(request.content_type),
        },
        CanonicalHeader {
            name: "host".into(),
            value: ValueForm::Verbatim(request.host),
        },
    ];
    finish(request, &headers, credentials)
}

/// Signs `request` with more signed headers than `content-type;host` (the API documentation
/// allows it; no SDK does it): each `(name, value)` of `extra_headers` is signed with its name
/// lower-cased and its value trimmed and lower-cased, all names sorted.
///
/// Fails with [`SignError::DuplicateHeader`] when a name repeats (once lower-cased) or is
/// `content-type` or `host`, which come from `request`.
///
/// ```
/// use cos_sign::{tc3, Credentials};
/// let request = tc3::Tc3Request {
///     method: "POST", host: "sts.tencentcloudapi.com", path: "/", query: "",
///     content_type: "application/json", payload: b"{}", service: "sts", timestamp: 1700000000,
/// };
/// let extra = [("X-TC-Action", "GetFederationToken")];
/// let signature = tc3::sign_with_headers(&request, &extra, &Credentials::new("AKID", "key"))?;
/// assert_eq!(signature.signed_headers(), "content-type;host;x-tc-action");
/// assert!(signature.canonical_request().contains("\nx-tc-action:getfederationtoken\n"));
/// # Ok::<(), cos_sign::SignError>(())
/// ```
pub fn sign_with_headers(
    request: &Tc3Request<'_>,
    extra_headers: &[(&str, &str)],
    credentials: &Credentials,
) -> Result<Tc3Signature, SignError> {
    let mut headers = Vec::with_capacity(extra_headers.len() + 2);
    headers.push(CanonicalHeader {
        name: "content-type".into(),
        value: ValueForm::Verbatim(request.content_type),
    });
    headers.push(CanonicalHeader {
        name: "host".into(),
        value: ValueForm::Verbatim(request.host),
    });
    for &(name, value) in extra_headers {
        headers.push(CanonicalHeader {
            name: name.to_ascii_lowercase(),
            value: ValueForm::Normalised(value),
        });
    }
    headers.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = headers.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(SignError::DuplicateHeader {
            name: pair[0].name.clone(),
        });
    }
    Ok(finish(request, &headers, credentials))
}

fn finish(
    request: &Tc3Request<'_>,
    headers: &[CanonicalHeader<'_>],
    credentials: &Credentials,
) -> Tc3Signature {
    let (canonical_request, signed_headers) = canonical::canonical_request(
        request.method,
        request.path,
        request.query,
        headers,
        request.payload,
    );
    let date = utc_date(request.timestamp);
    let credential_scope = credential_scope(&date, request.service);
    let string_to_sign = string_to_sign(request.timestamp, &credential_scope, &canonical_request);
    let signature = canonical::signature_hex(
        credentials.secret_key(),
        &date,
        request.service,
        &string_to_sign,
    );
    let authorization = authorization(
        credentials.secret_id(),
        &credential_scope,
        &signed_headers,
        &signature,
    );
    Tc3Signature {
        authorization,
        canonical_request,
        string_to_sign,
        credential_scope,
        signed_headers,
        timestamp: request.timestamp,
    }
}

/// `TC3-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<hex>`.
fn authorization(
    secret_id: &str,
    credential_scope: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    let mut out = ALGORITHM.to_string();
    for part in [
        " Credential=",
        secret_id,
        "/",
        credential_scope,
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        signature,
    ] {
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Tc3Request<'static> {
        Tc3Request {
            method: "POST",
            host: "sts.tencentcloudapi.com",
            path: "/",
            query: "",
            content_type: "application/json",
            payload: b"{}",
            service: "sts",
            timestamp: 1700000001,
        }
    }

    #[test]
    fn accessors_agree_with_the_authorization() {
        let s = sign(&request(), &Credentials::new("AKIDx", "k"));
        assert_eq!(s.date(), "2023-11-14");
        assert_eq!(s.credential_scope(), "2023-11-14/sts/tc3_request");
        assert_eq!(s.signed_headers(), "content-type;host");
        assert_eq!(s.timestamp(), 1700000001);
        assert_eq!(s.signature().len(), 64);
        assert!(s.authorization().starts_with(
            "TC3-HMAC-SHA256 Credential=AKIDx/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature="
        ));
        assert!(s.authorization().ends_with(s.signature()));
        assert!(
            s.string_to_sign()
                .starts_with("TC3-HMAC-SHA256\n1700000001\n2023-11-14/sts/tc3_request\n")
        );
    }

    #[test]
    fn extra_headers_are_sorted_and_duplicates_refused() {
        let creds = Credentials::new("AKIDx", "k");
        let s = sign_with_headers(
            &request(),
            &[("X-TC-Timestamp", "1700000001"), ("Accept", " Text/Plain ")],
            &creds,
        )
        .unwrap();
        assert_eq!(
            s.signed_headers(),
            "accept;content-type;host;x-tc-timestamp"
        );
        assert!(s.canonical_request().contains(
            "\naccept:text/plain\ncontent-type:application/json\nhost:sts.tencentcloudapi.com\nx-tc-timestamp:1700000001\n\n"
        ));
        assert_eq!(
            sign_with_headers(&request(), &[], &creds).unwrap(),
            sign(&request(), &creds)
        );
        for dup in [
            &[("Host", "x")][..],
            &[("a", "1"), ("A", "2")][..],
            &[("Content-Type", "x")][..],
        ] {
            assert!(matches!(
                sign_with_headers(&request(), dup, &creds),
                Err(SignError::DuplicateHeader { .. })
            ));
        }
    }
}
