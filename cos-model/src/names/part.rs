//! `PartNumber`: a multipart upload part's number, 1 to 10000.

use super::NameKind;
use crate::NameError;
use crate::limits::MAX_PARTS;
use std::fmt;
use std::num::NonZeroU16;

// `PartNumber::MAX` is exactly `limits::MAX_PARTS` (which must fit the `u16` it is kept in).
const _: () = assert!(PartNumber::MAX.0.get() as u32 == MAX_PARTS);

/// The number of a part in a multipart upload: `1..=10000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartNumber(NonZeroU16);

impl PartNumber {
    /// The first part number, 1.
    pub const MIN: PartNumber = PartNumber(NonZeroU16::MIN);
    /// The last part number COS accepts, 10000 ([`MAX_PARTS`]).
    pub const MAX: PartNumber = match NonZeroU16::new(MAX_PARTS as u16) {
        Some(n) => PartNumber(n),
        None => PartNumber(NonZeroU16::MIN),
    };

    /// Validates `value` (1 to 10000).
    pub fn new(value: u32) -> Result<Self, NameError> {
        u16::try_from(value)
            .ok()
            .filter(|v| *v <= Self::MAX.0.get())
            .and_then(NonZeroU16::new)
            .map(PartNumber)
            .ok_or(NameError::PartNumberOutOfRange {
                value: u64::from(value),
            })
    }

    /// The number.
    pub fn get(self) -> u32 {
        u32::from(self.0.get())
    }

    /// The following part number, or `None` after 10000.
    pub fn next(self) -> Option<PartNumber> {
        PartNumber::new(self.get() + 1).ok()
    }

    /// The part number for a zero-based index (`0` is part 1).
    pub fn from_index(index: usize) -> Result<Self, NameError> {
        let value = index.saturating_add(1);
        u32::try_from(value)
            .map_err(|_| NameError::PartNumberOutOfRange {
                value: u64::try_from(value).unwrap_or(u64::MAX),
            })
            .and_then(PartNumber::new)
    }

    /// The zero-based index of this part (part 1 is index 0).
    pub fn index(self) -> usize {
        usize::from(self.0.get()) - 1
    }
}

impl fmt::Display for PartNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for PartNumber {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        let t = s.trim();
        let n: u64 = t.parse().map_err(|_| NameError::NotANumber {
            kind: NameKind::PartNumber,
            value: s.to_owned(),
        })?;
        u32::try_from(n)
            .map_err(|_| NameError::PartNumberOutOfRange { value: n })
            .and_then(PartNumber::new)
    }
}

impl TryFrom<u32> for PartNumber {
    type Error = NameError;
    fn try_from(v: u32) -> Result<Self, NameError> {
        PartNumber::new(v)
    }
}

impl TryFrom<&str> for PartNumber {
    type Error = NameError;
    fn try_from(v: &str) -> Result<Self, NameError> {
        v.parse()
    }
}

impl From<PartNumber> for u32 {
    fn from(p: PartNumber) -> u32 {
        p.get()
    }
}

impl serde::Serialize for PartNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.get())
    }
}

impl<'de> serde::Deserialize<'de> for PartNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_1_to_10000() {
        assert_eq!(PartNumber::MIN.get(), 1);
        assert_eq!(PartNumber::MAX.get(), 10_000);
        assert!(PartNumber::new(0).is_err());
        assert!(PartNumber::new(10_001).is_err());
        assert!(PartNumber::new(70_000).is_err());
        assert_eq!(PartNumber::new(42).unwrap().get(), 42);
        assert_eq!("7".parse::<PartNumber>().unwrap().get(), 7);
        assert!(matches!(
            "x".parse::<PartNumber>(),
            Err(NameError::NotANumber { .. })
        ));
        assert!(matches!(
            "99999999999".parse::<PartNumber>(),
            Err(NameError::PartNumberOutOfRange {
                value: 99_999_999_999
            })
        ));
        assert_eq!(PartNumber::MAX.next(), None);
        assert_eq!(PartNumber::MIN.next().unwrap().get(), 2);
        assert_eq!(PartNumber::from_index(0).unwrap(), PartNumber::MIN);
        assert_eq!(PartNumber::from_index(9_999).unwrap(), PartNumber::MAX);
        assert!(PartNumber::from_index(10_000).is_err());
        assert_eq!(PartNumber::MAX.index(), 9_999);
    }
}
