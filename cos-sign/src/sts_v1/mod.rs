//! Tencent Cloud API "signature v1" (HmacSHA1 / HmacSHA256), what the COS STS SDKs
//! (`qcloud-cos-sts` for Node, `qcloud-python-sts`, the Go, Java and PHP packages) still sign
//! their form-encoded STS calls with (sts.md §1.6): `Signature = base64(HMAC(SecretKey,
//! METHOD + host + path + "?" + sorted k=v joined by &))`, over the DECODED parameter values.
//! `verify` (feature `verify`) checks one the way the server does.
//!
//! ```
//! use cos_sign::Credentials;
//! use cos_sign::sts_v1::{sign, SignatureMethod, V1Request};
//!
//! let params = [("Action", "GetCallerIdentity"), ("Nonce", "1"), ("Timestamp", "1700000000")];
//! let request = V1Request { method: "POST", host: "sts.tencentcloudapi.com", path: "/", params: &params };
//! let signed = sign(&request, &Credentials::new("AKIDx", "secret"), SignatureMethod::HmacSha1);
//! assert_eq!(
//!     signed.string_to_sign(),
//!     "POSTsts.tencentcloudapi.com/?Action=GetCallerIdentity&Nonce=1&Timestamp=1700000000",
//! );
//! assert_eq!(signed.signature().len(), 28); // base64 of 20 bytes
//! ```

#[cfg(feature = "verify")]
mod verify;

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::Credentials;

#[cfg(feature = "verify")]
pub use verify::{V1Incoming, V1Verified, verify};

/// The parameter that carries the signature (never signed itself).
pub const SIGNATURE_PARAM: &str = "Signature";

/// The parameter that names the signature method (`HmacSHA1` when absent).
pub const SIGNATURE_METHOD_PARAM: &str = "SignatureMethod";

/// The MAC of a v1 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureMethod {
    /// `HmacSHA1`: the default, and what every COS STS SDK uses for GetFederationToken.
    #[default]
    HmacSha1,
    /// `HmacSHA256`: sent as `SignatureMethod=HmacSHA256`, which is then signed too.
    HmacSha256,
}

impl SignatureMethod {
    /// The parameter value: `HmacSHA1` or `HmacSHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HmacSHA1",
            Self::HmacSha256 => "HmacSHA256",
        }
    }

    /// Reads a `SignatureMethod` value (exactly `HmacSHA1` or `HmacSHA256`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "HmacSHA1" => Some(Self::HmacSha1),
            "HmacSHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }
}

/// The parts of a v1 request that the signature covers, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V1Request<'a> {
    /// `POST` (the COS STS SDKs) or `GET`, upper case.
    pub method: &'a str,
    /// The signing host: what the SDK was told (`sts.tencentcloudapi.com`, or `127.0.0.1:9000`
    /// with its port).
    pub host: &'a str,
    /// `/`.
    pub path: &'a str,
    /// Every parameter, names and values DECODED (so a `Policy` appears once URL-encoded, as
    /// the client put it in); a `Signature` pair, if any, is left out of the string to sign.
    pub params: &'a [(&'a str, &'a str)],
}

/// A computed v1 signature and the string it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Signature {
    string_to_sign: String,
    signature: String,
    method: SignatureMethod,
}

impl V1Signature {
    /// `METHOD + host + path + "?" + k=v&…` (parameters sorted by name).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The `Signature` parameter: base64 of the HMAC (send it form-encoded).
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The MAC that was used.
    pub fn method(&self) -> SignatureMethod {
        self.method
    }
}

/// `METHOD + host + path + "?" + join("&", sorted(name + "=" + value))`, over every parameter
/// but `Signature`, sorted by name (then value) in byte order, values not re-encoded.
pub fn string_to_sign(request: &V1Request<'_>) -> String {
    let mut params: Vec<&(&str, &str)> = request
        .params
        .iter()
        .filter(|(name, _)| *name != SIGNATURE_PARAM)
        .collect();
    params.sort();
    let mut out = String::with_capacity(
        request.method.len()
            + request.host.len()
            + request.path.len()
            + 1
            + params
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>(),
    );
    for part in [request.method, request.host, request.path, "?"] {
        out.push_str(part);
    }
    for (i, (name, value)) in params.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Signs `request` with `method`. The caller includes `SignatureMethod=HmacSHA256` in the
/// parameters when it uses that method (the server reads the method from there).
pub fn sign(
    request: &V1Request<'_>,
    credentials: &Credentials,
    method: SignatureMethod,
) -> V1Signature {
    let string_to_sign = string_to_sign(request);
    let signature = mac_base64(credentials.secret_key(), &string_to_sign, method);
    V1Signature {
        string_to_sign,
        signature,
        method,
    }
}

/// `base64(HMAC-<method>(secret_key, string_to_sign))`.
pub(crate) fn mac_base64(
    secret_key: &str,
    string_to_sign: &str,
    method: SignatureMethod,
) -> String {
    let key = secret_key.as_bytes();
    let message = string_to_sign.as_bytes();
    match method {
        SignatureMethod::HmacSha1 => STANDARD.encode(crate::hash::HmacSha1::new(key).mac(message)),
        SignatureMethod::HmacSha256 => {
            STANDARD.encode(*crate::tc3::canonical::hmac_sha256(key, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_left_out_and_params_are_sorted_bytewise() {
        let params = [
            ("b", "2"),
            ("Signature", "ignored"),
            ("a", "1"),
            ("B", "x y"),
            ("Policy", "%7B%7D"),
        ];
        let request = V1Request {
            method: "POST",
            host: "h",
            path: "/",
            params: &params,
        };
        assert_eq!(
            string_to_sign(&request),
            "POSTh/?B=x y&Policy=%7B%7D&a=1&b=2"
        );
        assert_eq!(
            string_to_sign(&V1Request {
                params: &[],
                ..request
            }),
            "POSTh/?"
        );
    }

    #[test]
    fn methods_round_trip_through_their_names() {
        for m in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            assert_eq!(SignatureMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(SignatureMethod::parse("hmacsha1"), None);
        assert_eq!(SignatureMethod::default(), SignatureMethod::HmacSha1);
    }

    #[test]
    fn macs_match_the_hmac_crate() {
        use hmac::{KeyInit, Mac};
        let mut sha1 = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(b"key").unwrap();
        sha1.update(b"message");
        assert_eq!(
            mac_base64("key", "message", SignatureMethod::HmacSha1),
            STANDARD.encode(sha1.finalize().into_bytes())
        );
        let mut sha256 = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"key").unwrap();
        sha256.update(b"message");
        assert_eq!(
            mac_base64("key", "message", SignatureMethod::HmacSha256),
            STANDARD.encode(sha256.finalize().into_bytes())
        );
    }
}
