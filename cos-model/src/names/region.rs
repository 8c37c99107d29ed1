//! `Region`: a COS region such as `ap-guangzhou`.

use super::{NameKind, first_bad_char, string_name};
use crate::NameError;

/// A COS region, e.g. `ap-guangzhou`, `ap-beijing`, or the pseudo-region `accelerate`.
///
/// Rules (the SDKs' `^[a-z0-9-]+$`): lowercase ASCII letters, digits and `-`, 1 to 40
/// characters, not starting or ending with `-`. A `cos.` prefix is not accepted: give the bare
/// region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region(String);

string_name!(Region);

/// Regions from COS's first generation, whose default domain has no `cos.` label
/// (`<bucket>.<region>.myqcloud.com`).
const LEGACY: [&str; 6] = [
    "cn-south",
    "cn-south-2",
    "cn-north",
    "cn-east",
    "cn-southwest",
    "sg",
];

impl Region {
    /// The longest accepted region.
    pub const MAX_LEN: usize = 40;

    /// Validates `value` as a region.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        let value = value.into();
        let kind = NameKind::Region;
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
        if value.starts_with('-') || value.ends_with('-') {
            return Err(NameError::HyphenAtEdge { kind, value });
        }
        Ok(Self(value))
    }

    /// The global-acceleration pseudo-region (`<bucket>.cos.accelerate.myqcloud.com`).
    pub fn accelerate() -> Self {
        Self("accelerate".to_owned())
    }

    /// Whether this is the `accelerate` pseudo-region.
    pub fn is_accelerate(&self) -> bool {
        self.0 == "accelerate"
    }

    /// Whether this is a first-generation region (`cn-south`, `cn-north`, …) whose default domain
    /// lacks the `cos.` label.
    pub fn is_legacy(&self) -> bool {
        LEGACY.contains(&self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_regions() {
        for r in [
            "ap-guangzhou",
            "ap-beijing-1",
            "accelerate",
            "sg",
            "na-siliconvalley",
        ] {
            assert_eq!(Region::new(r).unwrap().as_str(), r);
        }
        assert!(Region::new("sg").unwrap().is_legacy());
        assert!(!Region::new("ap-guangzhou").unwrap().is_legacy());
        assert!(Region::accelerate().is_accelerate());
    }

    #[test]
    fn refuses_bad_regions() {
        assert!(matches!(Region::new(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            Region::new("cos.ap-guangzhou"),
            Err(NameError::InvalidChar { ch: '.', .. })
        ));
        assert!(matches!(
            Region::new("AP-guangzhou"),
            Err(NameError::InvalidChar { ch: 'A', .. })
        ));
        assert!(matches!(
            Region::new("ap-"),
            Err(NameError::HyphenAtEdge { .. })
        ));
        assert!(matches!(
            Region::new("a".repeat(41)),
            Err(NameError::TooLong { .. })
        ));
    }
}
