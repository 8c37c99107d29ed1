//! The pieces of a TC3-HMAC-SHA256 signature: the UTC date, the payload hash, the canonical
//! request, the string to sign and the derived key chain (sts.md §1.3).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{ALGORITHM, TERMINATOR};

/// `YYYY-MM-DD`: the UTC date of `timestamp` (Unix seconds), as the credential scope wants it.
///
/// ```
/// assert_eq!(cos_sign::tc3::utc_date(1551113065), "2019-02-25");
/// assert_eq!(cos_sign::tc3::utc_date(1700006399), "2023-11-14");
/// assert_eq!(cos_sign::tc3::utc_date(1700006400), "2023-11-15");
/// ```
pub fn utc_date(timestamp: u64) -> String {
    // u64::MAX / 86_400 < 2^48: the day count fits an i64, and `civil_from_days` only adds
    // and divides numbers of that size.
    let days = (timestamp / 86_400) as i64;
    let (year, month, day) = crate::post::iso8601::civil_from_days(days);
    let mut out = String::with_capacity(10);
    // Writing to a String cannot fail.
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    out
}

/// `lowercase(hex(sha256(data)))`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// One signed header as it appears in CanonicalHeaders: lowercase name, value.
pub(crate) struct CanonicalHeader<'a> {
    pub(crate) name: String,
    pub(crate) value: ValueForm<'a>,
}

/// How a header value enters CanonicalHeaders.
pub(crate) enum ValueForm<'a> {
    /// As given: `content-type` and `host`, which every SDK signs verbatim.
    Verbatim(&'a str),
    /// Trimmed and lower-cased: any other signed header, as the API 3.0 documentation says.
    Normalised(&'a str),
}

impl ValueForm<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Self::Verbatim(v) => out.push_str(v),
            Self::Normalised(v) => out.extend(v.trim().chars().flat_map(char::to_lowercase)),
        }
    }
}

/// `Method\nPath\nQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`; `headers` in the
/// order they are signed (the caller sorts). Returns the canonical request and SignedHeaders.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[CanonicalHeader<'_>],
    payload: &[u8],
) -> (String, String) {
    let signed_headers = headers
        .iter()
        .map(|h| h.name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut out = String::with_capacity(method.len() + path.len() + query.len() + 200);
    for part in [method, "\n", path, "\n", query, "\n"] {
        out.push_str(part);
    }
    for header in headers {
        out.push_str(&header.name);
        out.push(':');
        header.value.write(&mut out);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers);
    out.push('\n');
    out.push_str(&sha256_hex(payload));
    (out, signed_headers)
}

/// `<date>/<service>/tc3_request`.
pub fn credential_scope(date: &str, service: &str) -> String {
    let mut out = String::with_capacity(date.len() + service.len() + TERMINATOR.len() + 2);
    for part in [date, "/", service, "/", TERMINATOR] {
        out.push_str(part);
    }
    out
}

/// `TC3-HMAC-SHA256\n<timestamp>\n<scope>\n<hex(sha256(canonical request))>`.
///
/// ```
/// let sts = cos_sign::tc3::string_to_sign(1551113065, "2019-02-25/cvm/tc3_request", "x");
/// assert!(sts.starts_with("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n2d711642"));
/// ```
pub fn string_to_sign(timestamp: u64, credential_scope: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + credential_scope.len() + 96);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{ALGORITHM}\n{timestamp}\n{credential_scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    out
}

/// HMAC-SHA256, its output wiped on drop (every link of the key chain is a secret).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Zeroizing<[u8; 32]> {
    // HMAC takes keys of any length: hmac 0.13's `new_from_slice` returns `Ok` unconditionally
    // (its own `KeyInit::new` relies on that the same way). Not reachable from any input.
    #[allow(clippy::expect_used)]
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// `lowercase(hex(HMAC(SecretSigning, StringToSign)))`, where SecretSigning is
/// `HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")`.
pub(crate) fn signature_hex(
    secret_key: &str,
    date: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let mut tc3_key = Zeroizing::new(Vec::with_capacity(3 + secret_key.len()));
    tc3_key.extend_from_slice(b"TC3");
    tc3_key.extend_from_slice(secret_key.as_bytes());
    let secret_date = hmac_sha256(&tc3_key, date.as_bytes());
    let secret_service = hmac_sha256(&*secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&*secret_service, TERMINATOR.as_bytes());
    hex_lower(&*hmac_sha256(&*secret_signing, string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_date_matches_the_time_crate_around_edges() {
        for ts in [
            0u64,
            86_399,
            86_400,
            951_782_400,   // 2000-02-29
            1_709_164_800, // 2024-02-29
            1_709_251_199,
            4_102_444_800, // 2100-01-01
            253_402_300_799,
        ] {
            let dt = time::OffsetDateTime::from_unix_timestamp(ts as i64).unwrap();
            let expected = alloc::format!(
                "{:04}-{:02}-{:02}",
                dt.year(),
                u8::from(dt.month()),
                dt.day()
            );
            assert_eq!(utc_date(ts), expected, "{ts}");
        }
        // Far beyond any date: no panic, a long year.
        assert!(utc_date(u64::MAX).len() > 10);
    }

    #[test]
    fn sha256_of_nothing_is_the_documented_constant() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn normalised_values_are_trimmed_and_lowercased_verbatim_ones_are_not() {
        let mut out = String::new();
        ValueForm::Normalised("  GetFederationToken \t").write(&mut out);
        ValueForm::Verbatim(" Application/JSON").write(&mut out);
        assert_eq!(out, "getfederationtoken Application/JSON");
    }
}
