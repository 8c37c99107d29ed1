//! [`HeaderPolicy`]: which request headers go into the signature.

use alloc::string::String;
use alloc::vec::Vec;

/// The headers Tencent's Node and Python SDKs sign by default (besides every `x-cos-*` and
/// `x-ci-*` header), lowercase.
pub const DEFAULT_SIGNED_HEADERS: [&str; 17] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-length",
    "content-md5",
    "content-type",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "range",
    "transfer-encoding",
    "pic-operations",
];

/// Which request headers to sign. The server checks exactly the headers the signature lists,
/// so any choice verifies; signing more pins more of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HeaderPolicy {
    /// The SDKs' rule: [`DEFAULT_SIGNED_HEADERS`] (which includes `host`) plus every header
    /// whose name starts with `x-cos-` or `x-ci-`.
    #[default]
    Default,
    /// Every header given.
    All,
    /// Exactly the named headers that are present (names compared case-insensitively).
    /// `host` is not implied: `Only(vec![])` signs no header, as Go's presigner does with
    /// `signHost = false`.
    Only(Vec<String>),
}

impl HeaderPolicy {
    /// Does this policy sign the header `name`? (Case-insensitive.)
    ///
    /// ```
    /// use cos_sign::HeaderPolicy;
    /// assert!(HeaderPolicy::Default.signs("X-Cos-Meta-A"));
    /// assert!(!HeaderPolicy::Default.signs("User-Agent"));
    /// assert!(HeaderPolicy::Only(vec!["Date".into()]).signs("date"));
    /// ```
    #[inline]
    pub fn signs(&self, name: &str) -> bool {
        match self {
            Self::Default => default_signs(name),
            Self::All => true,
            Self::Only(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

/// Longest name in [`DEFAULT_SIGNED_HEADERS`] (`if-unmodified-since`).
#[cfg(test)]
const LONGEST_DEFAULT: usize = 19;

/// ASCII-lowercases the eight bytes of `x` at once (bytes `0x80..` are left alone).
#[inline]
fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // Adding to 7-bit bytes never carries into the next byte; the high bit of each sum says
    // whether the byte is at least `A`, resp. past `Z`.
    let at_least_a = low7 + ONES * u64::from(0x80 - b'A');
    let past_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
    let upper = at_least_a & !past_z & !x & HIGH;
    x | (upper >> 2)
}

/// `name.eq_ignore_ascii_case(lower)` for a lowercase `lower`, a word at a time: the policy
/// runs for every header of every request. Names of 4 to 7 bytes are one word made of their
/// first and last four bytes (overlapping), shorter ones go byte by byte; longer ones are
/// covered by words at 8-byte steps plus one ending at the last byte (overlapping).
#[inline]
fn eq_lower(name: &[u8], lower: &[u8]) -> bool {
    if name.len() != lower.len() {
        return false;
    }
    let Some(last) = name.len().checked_sub(8) else {
        let halves = |s: &[u8]| {
            let (head, tail) = (s.first_chunk::<4>()?, s.last_chunk::<4>()?);
            Some(u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32)
        };
        return match (halves(name), halves(lower)) {
            (Some(n), Some(l)) => lower_word(n) == l,
            _ => name
                .iter()
                .zip(lower)
                .all(|(b, c)| b.to_ascii_lowercase() == *c),
        };
    };
    let word = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map_or(0, |w| u64::from_le_bytes(*w))
    };
    let mut at = 0;
    loop {
        if lower_word(word(name, at)) != word(lower, at) {
            return false;
        }
        if at == last {
            return true;
        }
        at = (at + 8).min(last);
    }
}

#[inline]
fn default_signs(name: &str) -> bool {
    let bytes = name.as_bytes();
    let is = |candidate: &[u8]| eq_lower(bytes, candidate);
    let starts = |prefix: &[u8]| {
        bytes
            .get(..prefix.len())
            .is_some_and(|p| eq_lower(p, prefix))
    };
    // Dispatch on the first letter and the length: at most one comparison per header, none
    // for most unsigned ones (`User-Agent`, `Date`, `Accept…`).
    let Some(first) = bytes.first() else {
        return false;
    };
    match (first.to_ascii_lowercase(), bytes.len()) {
        (b'x', _) => starts(b"x-cos-") || starts(b"x-ci-"),
        (b'h', 4) => is(b"host"),
        (b'r', 5) => is(b"range"),
        (b'e', 6) => is(b"expect"),
        (b'o', 6) => is(b"origin"),
        (b'e', 7) => is(b"expires"),
        (b'i', 8) => is(b"if-match"),
        (b'c', 11) => is(b"content-md5"),
        (b'c', 12) => is(b"content-type"),
        (b'c', 13) => is(b"cache-control"),
        (b'i', 13) => is(b"if-none-match"),
        (b'c', 14) => is(b"content-length"),
        (b'p', 14) => is(b"pic-operations"),
        (b'c', 16) => is(b"content-encoding"),
        (b'i', 17) => is(b"if-modified-since"),
        (b't', 17) => is(b"transfer-encoding"),
        (b'c', 19) => is(b"content-disposition"),
        (b'i', 19) => is(b"if-unmodified-since"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn default_policy_matches_the_sdk_rule() {
        for h in DEFAULT_SIGNED_HEADERS {
            assert!(HeaderPolicy::Default.signs(h));
            assert!(HeaderPolicy::Default.signs(&h.to_ascii_uppercase()));
        }
        for h in [
            "x-cos-acl",
            "X-CI-Security-Token",
            "x-cos-",
            "x-cos-meta-a-very-long-name-indeed",
        ] {
            assert!(HeaderPolicy::Default.signs(h), "{h}");
        }
        assert_eq!(
            DEFAULT_SIGNED_HEADERS.iter().map(|h| h.len()).max(),
            Some(LONGEST_DEFAULT)
        );
        for h in [
            "if-unmodified-sincee",
            "hos",
            "",
            "date",
            "user-agent",
            "authorization",
            "x-co",
            "x-cosmetic",
            "content-language",
            "accept",
        ] {
            assert!(!HeaderPolicy::Default.signs(h), "{h}");
        }
    }

    #[test]
    fn word_compare_agrees_with_eq_ignore_ascii_case() {
        let names = [
            "content-length",
            "Content-Length",
            "CONTENT-LENGTH",
            "content\rlength",
            "content-lengtH",
            "content-lengt\u{c8}",
            "cONTENT-tYPE",
            "content-type",
            "content@type",
            "content[type",
            "content`type",
            "content{type",
            "If-Unmodified-Since",
            "if-unmodified-sincE",
            "if-unmodified\u{7f}since",
            "Host",
            "hosT",
            "h\u{c5}t",
            "RANGE",
            "rangE",
            "r@nge",
            "Origin",
            "origiN",
            "EXPECT",
            "expec\u{7f}",
            "Expires",
            "expireS",
            "expire[",
        ];
        for name in names {
            for candidate in DEFAULT_SIGNED_HEADERS {
                assert_eq!(
                    eq_lower(name.as_bytes(), candidate.as_bytes()),
                    name.eq_ignore_ascii_case(candidate),
                    "{name:?} vs {candidate}"
                );
            }
        }
        for x in [0u64, u64::MAX, 0x4041_5A5B_6061_7A7B, 0xC1DA_C0DB_8041_5A00] {
            let expected = u64::from_le_bytes(x.to_le_bytes().map(|b| b.to_ascii_lowercase()));
            assert_eq!(lower_word(x), expected, "{x:#x}");
        }
    }

    #[test]
    fn only_and_all() {
        let only = HeaderPolicy::Only(vec!["Content-Type".into()]);
        assert!(only.signs("content-type"));
        assert!(!only.signs("host"));
        assert!(HeaderPolicy::All.signs("user-agent"));
        assert!(!HeaderPolicy::Only(vec![]).signs("host"));
    }
}
