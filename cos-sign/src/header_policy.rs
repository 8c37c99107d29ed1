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

fn default_signs(name: &str) -> bool {
    let bytes = name.as_bytes();
    let is = |candidate: &[u8]| bytes.eq_ignore_ascii_case(candidate);
    let starts = |prefix: &[u8]| {
        bytes
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    // Dispatch on the length first: at most two comparisons per header.
    starts(b"x-cos-")
        || starts(b"x-ci-")
        || match bytes.len() {
            4 => is(b"host"),
            5 => is(b"range"),
            6 => is(b"expect") || is(b"origin"),
            7 => is(b"expires"),
            8 => is(b"if-match"),
            11 => is(b"content-md5"),
            12 => is(b"content-type"),
            13 => is(b"cache-control") || is(b"if-none-match"),
            14 => is(b"content-length") || is(b"pic-operations"),
            16 => is(b"content-encoding"),
            17 => is(b"if-modified-since") || is(b"transfer-encoding"),
            19 => is(b"content-disposition") || is(b"if-unmodified-since"),
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
    fn only_and_all() {
        let only = HeaderPolicy::Only(vec!["Content-Type".into()]);
        assert!(only.signs("content-type"));
        assert!(!only.signs("host"));
        assert!(HeaderPolicy::All.signs("user-agent"));
        assert!(!HeaderPolicy::Only(vec![]).signs("host"));
    }
}
