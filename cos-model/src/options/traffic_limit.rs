//! `TrafficLimit`: a per-request bandwidth limit (`x-cos-traffic-limit`), checked against the
//! range COS accepts.

use crate::ModelError;

/// A bandwidth limit for one request (`x-cos-traffic-limit`), in bit/s:
/// 819 200 (100 KB/s) to 838 860 800 (100 MB/s) (shared/spec/cos-protocol.md, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrafficLimit(u64);

impl TrafficLimit {
    /// The lowest accepted limit, bit/s.
    pub const MIN: u64 = 819_200;
    /// The highest accepted limit, bit/s.
    pub const MAX: u64 = 838_860_800;

    /// A limit of `bits_per_second`, which must be in `MIN..=MAX`.
    pub fn new(bits_per_second: u64) -> Result<Self, ModelError> {
        if (Self::MIN..=Self::MAX).contains(&bits_per_second) {
            Ok(Self(bits_per_second))
        } else {
            Err(ModelError::InvalidParameter {
                parameter: "x-cos-traffic-limit",
                reason: format!(
                    "{bits_per_second} bit/s is outside {}..={} bit/s",
                    Self::MIN,
                    Self::MAX
                ),
            })
        }
    }

    /// The limit in bit/s.
    pub fn bits_per_second(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(TrafficLimit::new(819_199).is_err());
        assert!(TrafficLimit::new(838_860_801).is_err());
        assert_eq!(
            TrafficLimit::new(819_200).unwrap().bits_per_second(),
            819_200
        );
    }
}
