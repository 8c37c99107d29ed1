//! `ObjectKey`: the name of an object inside a bucket.

use super::{NameKind, first_bad_char, string_name};
use crate::NameError;

/// An object key: the object's name inside its bucket, e.g. `folder/photo 1.jpg`.
///
/// Rules, from COS's object naming limits (shared/spec/cos-protocol.md, "Limits") and what can
/// travel intact in a URL, a signature and an XML body:
/// - any UTF-8, at least one byte and at most [`ObjectKey::MAX_LEN`] (850) bytes of UTF-8;
/// - not starting with `/` or `\` (COS forbids it; SDKs would strip it and sign another path);
/// - no `.` or `..` path segment (`a/./b`, `../x`, `a/..`): servers, proxies and HTTP stacks
///   normalise those away, so the object written would not be the one signed;
/// - no control character U+0000–U+001F or U+007F (COS rejects 24–27; the others cannot be
///   written in an XML 1.0 body such as Delete Multiple's `<Key>`, and CR/LF/TAB would be
///   altered by XML end-of-line handling), and not the XML non-characters U+FFFE / U+FFFF.
///
/// On the wire the key is percent-encoded with COS's UrlEncode set, `/` kept
/// ([`ObjectKey::uri_path`]); the signature uses the raw key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey(String);

string_name!(ObjectKey);

impl ObjectKey {
    /// The longest accepted key, in bytes of UTF-8.
    pub const MAX_LEN: usize = 850;

    /// Validates `value` as an object key.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        let value = value.into();
        let kind = NameKind::ObjectKey;
        if value.is_empty() {
            return Err(NameError::Empty { kind });
        }
        if value.len() > Self::MAX_LEN {
            return Err(NameError::TooLong {
                kind,
                len: value.len(),
                max: Self::MAX_LEN,
            });
        }
        if value.starts_with('/') || value.starts_with('\\') {
            return Err(NameError::LeadingSlash { value });
        }
        if let Some(ch) = first_bad_char(&value, |c| {
            !(c.is_ascii_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
        }) {
            return Err(NameError::InvalidChar { kind, value, ch });
        }
        if let Some(seg) = value.split('/').find(|s| *s == "." || *s == "..") {
            let segment = if seg == "." { "." } else { ".." };
            return Err(NameError::DotSegment { value, segment });
        }
        Ok(Self(value))
    }

    /// The key as it appears in a URI path: COS's UrlEncode of every byte except
    /// `A-Za-z0-9-_.~` and `/` (uppercase hex), never a raw `+` or space. No leading `/`.
    pub fn uri_path(&self) -> String {
        crate::encode::uri_encode_path(&self.0)
    }

    /// The last `/`-separated segment (`photo.jpg` for `a/b/photo.jpg`; empty for `dir/`).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_keys() {
        for k in [
            "exampleobject(腾讯云)",
            "folder/big file.bin",
            "dir/a b+c!'()*~中文.txt",
            "dir/",
            "a//b",
            "...",
            "a/.hidden",
            "a/..b",
            "%2F",
        ] {
            assert_eq!(ObjectKey::new(k).unwrap().as_str(), k);
        }
        assert_eq!(ObjectKey::new("a/b/c.jpg").unwrap().file_name(), "c.jpg");
        assert_eq!(ObjectKey::new("a/").unwrap().file_name(), "");
    }

    #[test]
    fn refuses_bad_keys() {
        assert!(matches!(ObjectKey::new(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            ObjectKey::new("/a"),
            Err(NameError::LeadingSlash { .. })
        ));
        assert!(matches!(
            ObjectKey::new("\\a"),
            Err(NameError::LeadingSlash { .. })
        ));
        for (k, seg) in [
            (".", "."),
            ("..", ".."),
            ("a/./b", "."),
            ("a/../b", ".."),
            ("a/..", ".."),
            ("./a", "."),
        ] {
            match ObjectKey::new(k) {
                Err(NameError::DotSegment { segment, .. }) => assert_eq!(segment, seg, "{k}"),
                other => panic!("{k}: {other:?}"),
            }
        }
        for c in [
            '\u{0}', '\u{18}', '\u{1b}', '\n', '\r', '\t', '\u{7f}', '\u{FFFF}',
        ] {
            let k = format!("a{c}b");
            assert!(
                matches!(ObjectKey::new(k), Err(NameError::InvalidChar { ch, .. }) if ch == c),
                "{c:?}"
            );
        }
        assert!(ObjectKey::new("a".repeat(850)).is_ok());
        assert!(matches!(
            ObjectKey::new("a".repeat(851)),
            Err(NameError::TooLong { len: 851, .. })
        ));
        // 3 bytes per character: 284 × 3 = 852 bytes.
        assert!(matches!(
            ObjectKey::new("中".repeat(284)),
            Err(NameError::TooLong { len: 852, .. })
        ));
    }

    #[test]
    fn uri_path_encodes_everything_but_unreserved_and_slash() {
        let k = ObjectKey::new("dir/a b+c!'()*~中文.txt").unwrap();
        assert_eq!(
            k.uri_path(),
            "dir/a%20b%2Bc%21%27%28%29%2A~%E4%B8%AD%E6%96%87.txt"
        );
    }
}
