//! COS's UrlEncode and its inverse, for keys in URI paths, query values and listings.
//!
//! The set is RFC 3986's unreserved characters: only `A-Za-z0-9-_.~` stay bare; every other
//! byte of the UTF-8 text becomes `%XX` with uppercase hex. Space is `%20`, `+` is `%2B`,
//! never a raw `+` or space. This is the same set as `cos_sign::encode`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::borrow::Cow;

/// Everything but `A-Za-z0-9-_.~` is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`COMPONENT`] but `/` stays bare (URI paths).
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// A percent-encoded text that does not decode to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} does not percent-decode to UTF-8")]
pub struct DecodeError {
    /// The encoded text.
    pub value: String,
}

/// COS's UrlEncode of a query name or value (`/` → `%2F`).
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// COS's UrlEncode of a URI path: like [`uri_encode`], but `/` stays bare.
pub fn uri_encode_path(s: &str) -> String {
    utf8_percent_encode(s, PATH).to_string()
}

/// Decodes `%XX` escapes; `+` stays `+` (path and RFC 3986 semantics).
pub fn uri_decode(s: &str) -> Result<String, DecodeError> {
    percent_decode_str(s)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| DecodeError {
            value: s.to_owned(),
        })
}

/// Decodes a value from a listing requested with `encoding-type=url` (keys, prefixes,
/// markers): `%XX` escapes, and `+` as a space, as the Go SDK's `url.QueryUnescape` does
/// (COS writes a literal `+` in a key as `%2B`, so a bare `+` can only be an encoded space).
pub fn decode_listing_value(s: &str) -> Result<String, DecodeError> {
    if s.contains('+') {
        uri_decode(&s.replace('+', " "))
    } else {
        uri_decode(s)
    }
}

/// Encodes a value for a listing answered with `encoding-type=url` (what a server writes):
/// the same as [`uri_encode_path`], so `/` stays readable. [`decode_listing_value`] inverts it.
pub fn encode_listing_value(s: &str) -> String {
    uri_encode_path(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_exactly_the_documented_set() {
        // The doc's table of printable ASCII characters that must be encoded.
        let must = " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}";
        for c in must.chars() {
            let e = uri_encode(&c.to_string());
            assert_eq!(e, format!("%{:02X}", c as u32), "{c:?}");
        }
        assert_eq!(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(uri_encode("腾讯"), "%E8%85%BE%E8%AE%AF");
        assert_eq!(uri_encode_path("a/b c"), "a/b%20c");
        assert_eq!(uri_encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn decodes() {
        assert_eq!(uri_decode("a%2Fb%20c+d").unwrap(), "a/b c+d");
        assert_eq!(decode_listing_value("a+b%2Bc").unwrap(), "a b+c");
        assert!(uri_decode("%FF").is_err());
        assert_eq!(uri_decode("100%").unwrap(), "100%");
    }
}
