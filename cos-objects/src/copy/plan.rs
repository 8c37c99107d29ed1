//! Cuts a copy source into the byte ranges of a multipart copy, within COS's limits: at most
//! 10 000 parts, each of 1 MiB to 5 GiB but the last, which may be smaller. Pure.

use cos_model::PartNumber;
use cos_model::limits::{MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIB, MIN_PART_SIZE};
use cos_model::options::ByteRange;

/// One part of a multipart copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartRange {
    /// Its number.
    pub(crate) number: PartNumber,
    /// The first byte of the source it copies.
    pub(crate) offset: u64,
    /// How many bytes (> 0).
    pub(crate) len: u64,
}

impl PartRange {
    /// `x-cos-copy-source-range` of the part.
    pub(crate) fn range(&self) -> ByteRange {
        ByteRange::Inclusive {
            first: self.offset,
            last: self.offset + self.len - 1,
        }
    }
}

/// The part size used for a source of `size` bytes when `wanted` is asked for: `wanted`, or
/// larger (whole MiB) when 10 000 parts of `wanted` would not hold the source. `None` when
/// the source is larger than COS's largest object or `wanted` is outside 1 MiB..=5 GiB.
pub(crate) fn part_size(size: u64, wanted: u64) -> Option<u64> {
    if size > MAX_OBJECT_SIZE || !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&wanted) {
        return None;
    }
    let least = size.div_ceil(u64::from(MAX_PARTS)).div_ceil(MIB) * MIB;
    Some(wanted.max(least).min(MAX_PART_SIZE))
}

/// The parts of a source of `size` bytes (> 0) in parts of `part_size` bytes (from
/// [`part_size`]).
pub(crate) fn parts(size: u64, part_size: u64) -> Vec<PartRange> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < size {
        let len = part_size.min(size - offset);
        // `part_size` keeps the count within 10 000, so every index is a part number.
        let Ok(number) = PartNumber::from_index(out.len()) else {
            break;
        };
        out.push(PartRange {
            number,
            offset,
            len,
        });
        offset += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes() {
        assert_eq!(part_size(10 * MIB, MIB), Some(MIB));
        assert_eq!(part_size(10 * MIB, MIB - 1), None);
        assert_eq!(part_size(10 * MIB, MAX_PART_SIZE + 1), None);
        assert_eq!(part_size(MAX_OBJECT_SIZE + 1, MIB), None);
        // 10 000 parts of 1 MiB do not hold 20 000 MiB: 2 MiB parts do.
        assert_eq!(part_size(20_000 * MIB, MIB), Some(2 * MIB));
        assert_eq!(part_size(MAX_OBJECT_SIZE, MIB), Some(MAX_PART_SIZE));
        let p = parts(5 * MIB + 3, 2 * MIB);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[2].range().to_string(),
            format!("bytes={}-{}", 4 * MIB, 5 * MIB + 2)
        );
        assert_eq!(p[0].number, PartNumber::MIN);
    }

    proptest! {
        /// The parts cover the source once, in order, within COS's limits.
        #[test]
        fn parts_tile_the_source(size in 1u64..=MAX_OBJECT_SIZE, wanted_mib in 1u64..=5 * 1024) {
            let ps = part_size(size, wanted_mib * MIB).unwrap();
            let parts = parts(size, ps);
            prop_assert!(parts.len() <= MAX_PARTS as usize);
            let mut next = 0;
            for (i, p) in parts.iter().enumerate() {
                prop_assert_eq!(p.number.index(), i);
                prop_assert_eq!(p.offset, next);
                prop_assert!(p.len > 0 && p.len <= MAX_PART_SIZE);
                if i + 1 < parts.len() {
                    prop_assert!(p.len >= MIN_PART_SIZE);
                }
                next += p.len;
            }
            prop_assert_eq!(next, size);
        }
    }
}
