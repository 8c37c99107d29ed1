//! `ETag`: an entity tag as COS sends it, quotes handled once.

use std::fmt;

/// An entity tag, e.g. `"e8e3d5a1c8e0a7c9f1e3b2a1d5c8e0a7"` (simple upload / part: the MD5 hex)
/// or `"594f98b11c6901c0f0683de1085a6d0e-4"` (multipart object).
///
/// COS sends ETags with surrounding quotes, in headers and (as `&quot;`) in XML. This type stores
/// the value without them: [`ETag::quoted`] (also `Display`) puts them back, as
/// Complete Multipart Upload requires; [`ETag::as_unquoted`] gives the bare value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ETag(String);

impl ETag {
    /// An ETag from a header or XML text, with or without quotes (a weak `W/` prefix is kept
    /// as part of the value).
    pub fn new(value: impl AsRef<str>) -> Self {
        let v = value.as_ref().trim();
        let bare = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v);
        Self(bare.to_owned())
    }

    /// The ETag COS gives a simple upload or a part: the lowercase hex of the body's MD5.
    pub fn from_md5(digest: [u8; 16]) -> Self {
        use std::fmt::Write;
        let mut s = String::with_capacity(32);
        for b in digest {
            let _ = write!(s, "{b:02x}");
        }
        Self(s)
    }

    /// The value without quotes.
    pub fn as_unquoted(&self) -> &str {
        &self.0
    }

    /// The value with quotes, as COS sends it.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }

    /// For a multipart object's ETag (`<hex>-<count>`), the number of parts.
    pub fn part_count(&self) -> Option<u32> {
        self.0.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

impl From<&str> for ETag {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ETag {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl serde::Serialize for ETag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.quoted())
    }
}

impl<'de> serde::Deserialize<'de> for ETag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Ok(Self::new(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        let e = ETag::new("\"abc\"");
        assert_eq!(e.as_unquoted(), "abc");
        assert_eq!(e.quoted(), "\"abc\"");
        assert_eq!(e.to_string(), "\"abc\"");
        assert_eq!(ETag::new("abc"), e);
        assert_eq!(ETag::new("\"594f98b1-4\"").part_count(), Some(4));
        assert_eq!(e.part_count(), None);
        assert_eq!(
            ETag::from_md5([
                0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8,
                0x42, 0x7e
            ])
            .as_unquoted(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }
}
