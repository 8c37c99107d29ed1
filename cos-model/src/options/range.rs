//! `ByteRange`: a byte range of an object (`Range: bytes=…`, `x-cos-copy-source-range`).

use crate::ModelError;
use std::fmt;

/// A byte range (`Range: bytes=…`), inclusive as in HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteRange {
    /// `bytes=first-last`.
    Inclusive {
        /// The first byte's offset.
        first: u64,
        /// The last byte's offset (inclusive).
        last: u64,
    },
    /// `bytes=first-`: from `first` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// `bytes=first-last`; `last` must not be before `first`.
    pub fn new(first: u64, last: u64) -> Result<Self, ModelError> {
        if last < first {
            return Err(ModelError::InvalidParameter {
                parameter: "range",
                reason: format!("last byte {last} is before first byte {first}"),
            });
        }
        Ok(ByteRange::Inclusive { first, last })
    }

    /// The range of `len` bytes at `offset` (`len` > 0).
    pub fn at(offset: u64, len: u64) -> Result<Self, ModelError> {
        if len == 0 {
            return Err(ModelError::InvalidParameter {
                parameter: "range",
                reason: "an empty range cannot be requested".to_owned(),
            });
        }
        let last = offset
            .checked_add(len - 1)
            .ok_or_else(|| ModelError::InvalidParameter {
                parameter: "range",
                reason: "offset + length overflows".to_owned(),
            })?;
        Self::new(offset, last)
    }
}

impl fmt::Display for ByteRange {
    /// `bytes=…` as in a `Range` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::Inclusive { first, last } => write!(f, "bytes={first}-{last}"),
            ByteRange::From(first) => write!(f, "bytes={first}-"),
            ByteRange::Suffix(n) => write!(f, "bytes=-{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(ByteRange::new(0, 3).unwrap().to_string(), "bytes=0-3");
        assert_eq!(ByteRange::at(10, 5).unwrap().to_string(), "bytes=10-14");
        assert_eq!(ByteRange::From(7).to_string(), "bytes=7-");
        assert_eq!(ByteRange::Suffix(7).to_string(), "bytes=-7");
        assert!(ByteRange::new(4, 3).is_err());
        assert!(ByteRange::at(0, 0).is_err());
    }
}
