//! `BucketName`: a COS bucket, `<name>-<APPID>`.

use super::{NameKind, first_bad_char, string_name};
use crate::NameError;

/// A COS bucket name in its full form `<name>-<APPID>`, e.g. `examplebucket-1250000000`.
///
/// Rules (COS console and SDKs, `^[a-z0-9-]+-[0-9]+$`):
/// - the name part: lowercase ASCII letters, digits and `-`, 1 to 50 characters, not starting or
///   ending with `-`;
/// - the APPID: 1 to 12 decimal digits, after the last `-`;
/// - the whole value is at most 63 characters (it is one DNS label of the bucket host).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketName(String);

string_name!(BucketName);

impl BucketName {
    /// The longest accepted name part (without `-<APPID>`).
    pub const MAX_NAME_LEN: usize = 50;
    /// The longest accepted full bucket name.
    pub const MAX_LEN: usize = 63;

    /// Validates `value` as a full bucket name.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        let value = value.into();
        let kind = NameKind::Bucket;
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
        if let Some(ch) = first_bad_char(&value, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        }) {
            return Err(NameError::InvalidChar { kind, value, ch });
        }
        let Some((name, app_id)) = value.rsplit_once('-') else {
            return Err(NameError::MissingAppId { value });
        };
        if name.is_empty() || app_id.is_empty() || app_id.len() > 12 {
            return Err(NameError::MissingAppId { value });
        }
        if !app_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NameError::MissingAppId { value });
        }
        if name.starts_with('-') || name.ends_with('-') {
            return Err(NameError::HyphenAtEdge { kind, value });
        }
        if name.len() > Self::MAX_NAME_LEN {
            return Err(NameError::TooLong {
                kind,
                len: name.len(),
                max: Self::MAX_NAME_LEN,
            });
        }
        Ok(Self(value))
    }

    /// The name part, without `-<APPID>` (`examplebucket`).
    pub fn short_name(&self) -> &str {
        self.0.rsplit_once('-').map_or(&self.0, |(name, _)| name)
    }

    /// The APPID part (`1250000000`).
    pub fn app_id(&self) -> &str {
        self.0.rsplit_once('-').map_or("", |(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_names() {
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        assert_eq!(b.short_name(), "examplebucket");
        assert_eq!(b.app_id(), "1250000000");
        let b: BucketName = "my-test-bucket-1".parse().unwrap();
        assert_eq!(b.short_name(), "my-test-bucket");
        assert_eq!(b.as_str(), "my-test-bucket-1");
    }

    #[test]
    fn refuses_bad_names() {
        assert!(matches!(BucketName::new(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            BucketName::new("examplebucket"),
            Err(NameError::MissingAppId { .. })
        ));
        assert!(matches!(
            BucketName::new("examplebucket-abc"),
            Err(NameError::MissingAppId { .. })
        ));
        assert!(matches!(
            BucketName::new("-1250000000"),
            Err(NameError::MissingAppId { .. })
        ));
        assert!(matches!(
            BucketName::new("Example-1250000000"),
            Err(NameError::InvalidChar { ch: 'E', .. })
        ));
        assert!(matches!(
            BucketName::new("a.b-1250000000"),
            Err(NameError::InvalidChar { ch: '.', .. })
        ));
        assert!(matches!(
            BucketName::new("-abc-1250000000"),
            Err(NameError::HyphenAtEdge { .. })
        ));
        assert!(matches!(
            BucketName::new("abc--1250000000"),
            Err(NameError::HyphenAtEdge { .. })
        ));
        let long = format!("{}-1", "a".repeat(51));
        assert!(matches!(
            BucketName::new(long),
            Err(NameError::TooLong { max: 50, .. })
        ));
    }
}
