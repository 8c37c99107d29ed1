//! COS's size limits for single uploads and multipart uploads, defined once for every crate
//! of the workspace (shared/spec/cos-protocol.md, "Limits"; Tencent doc 436/13324).
//!
//! COS documents them as 1 MB, 5 GB and 48.82 TB; these are binary units: 10 000 parts of
//! 5 × 2³⁰ bytes is 48.83 × 2⁴⁰ bytes, which the documentation truncates to 48.82 TB.

/// One mebibyte, 2²⁰ bytes.
pub const MIB: u64 = 1024 * 1024;

/// The smallest size of every part of a multipart upload but the last: 1 MiB. The last part
/// may be smaller; Complete Multipart Upload answers `EntityTooSmall` if any other part is.
pub const MIN_PART_SIZE: u64 = MIB;

/// The largest part of a multipart upload (Upload Part, Upload Part Copy): 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * MIB;

/// The most parts one multipart upload can have; part numbers run from 1 to this
/// ([`PartNumber::MAX`](crate::PartNumber::MAX)).
pub const MAX_PARTS: u32 = 10_000;

/// The largest object one request uploads (PUT Object, POST Object, PUT Object – Copy):
/// 5 GiB. Anything larger needs a multipart upload.
pub const MAX_PUT_SIZE: u64 = 5 * 1024 * MIB;

/// The largest object: [`MAX_PARTS`] parts of [`MAX_PART_SIZE`], 50 000 GiB (≈ 48.83 TiB).
pub const MAX_OBJECT_SIZE: u64 = MAX_PARTS as u64 * MAX_PART_SIZE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PartNumber;

    #[test]
    fn documented_values() {
        assert_eq!(MIN_PART_SIZE, 1_048_576);
        assert_eq!(MAX_PART_SIZE, 5_368_709_120);
        assert_eq!(MAX_PUT_SIZE, 5_368_709_120);
        assert_eq!(MAX_OBJECT_SIZE, 53_687_091_200_000);
        // "max object 48.82 TB": 48.828… TiB, truncated.
        assert_eq!(MAX_OBJECT_SIZE * 100 / (1024 * 1024 * MIB), 4882);
        assert_eq!(PartNumber::MAX.get(), MAX_PARTS);
        assert!(PartNumber::new(MAX_PARTS + 1).is_err());
    }
}
