//! The part plan: how an object of a known length is cut into parts, and the deterministic
//! growth schedule used for streams of unknown length. Pure arithmetic, no IO.
//!
//! COS's limits (`cos_model::limits`, from shared/spec/cos-protocol.md, "Limits"): at most
//! 10 000 parts numbered 1..=10000, every part but the last between 1 MiB and 5 GiB, a single
//! PUT at most 5 GiB, so an object at most 10 000 × 5 GiB.

use serde::{Deserialize, Serialize};

// COS's limits are defined once, in cos-model; the plan re-exports the ones it is built on.
pub use cos_model::limits::{
    MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_PUT_SIZE as MAX_SINGLE_PUT, MIB, MIN_PART_SIZE,
};

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The object is larger than COS accepts with the allowed part count.
    #[error("{len} bytes cannot be uploaded in at most {max_parts} parts of at most 5 GiB")]
    TooLarge {
        /// The object's length.
        len: u64,
        /// The part count allowed by the policy.
        max_parts: u32,
    },
    /// A stream grew beyond what the growth schedule can hold in 10 000 parts.
    #[error("the stream is longer than the growth schedule's {capacity} bytes")]
    StreamTooLong {
        /// What the schedule can hold.
        capacity: u64,
    },
}

/// How to cut an upload into parts: a builder of optional settings with COS-safe defaults.
///
/// Values outside COS's limits are clamped into them: the target part size into 1 MiB..=5 GiB,
/// the part count into 1..=10 000, the single-PUT threshold to at most 5 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPolicy {
    target_part_size: u64,
    max_parts: u32,
    single_put_threshold: u64,
    stream_double_every: u32,
}

impl Default for PartPolicy {
    fn default() -> Self {
        Self {
            target_part_size: 8 * MIB,
            max_parts: MAX_PARTS,
            single_put_threshold: 8 * MIB,
            stream_double_every: 1000,
        }
    }
}

impl PartPolicy {
    /// The defaults: 8 MiB parts, 10 000 parts at most, one PUT for objects up to 8 MiB,
    /// stream parts doubling every 1000 parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The part size to aim for (grown when the object would need more parts than allowed).
    pub fn target_part_size(mut self, bytes: u64) -> Self {
        self.target_part_size = bytes.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        self
    }

    /// The largest part count to use (COS allows 10 000).
    pub fn max_parts(mut self, parts: u32) -> Self {
        self.max_parts = parts.clamp(1, MAX_PARTS);
        self
    }

    /// Objects of at most this many bytes go up as one PUT Object (an empty object always does).
    pub fn single_put_threshold(mut self, bytes: u64) -> Self {
        self.single_put_threshold = bytes.min(MAX_SINGLE_PUT);
        self
    }

    /// For streams of unknown length: the part size doubles after every this many parts.
    pub fn stream_double_every(mut self, parts: u32) -> Self {
        self.stream_double_every = parts.max(1);
        self
    }

    /// The target part size in bytes.
    pub fn part_size(&self) -> u64 {
        self.target_part_size
    }

    /// The largest part count.
    pub fn part_limit(&self) -> u32 {
        self.max_parts
    }

    /// The single-PUT threshold in bytes.
    pub fn threshold(&self) -> u64 {
        self.single_put_threshold
    }

    /// Plans an upload of `len` bytes.
    pub fn plan(&self, len: u64) -> Result<UploadPlan, PlanError> {
        if len == 0 || len <= self.single_put_threshold {
            return Ok(UploadPlan::Single { len });
        }
        PartPlan::new(len, self).map(UploadPlan::Multipart)
    }

    /// The growth schedule for a stream of unknown length.
    pub fn stream_schedule(&self) -> StreamSchedule {
        StreamSchedule {
            initial: self.target_part_size,
            double_every: self.stream_double_every,
        }
    }
}

/// What an upload of a known length does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPlan {
    /// One PUT Object of `len` bytes.
    Single {
        /// The object's length.
        len: u64,
    },
    /// A multipart upload.
    Multipart(PartPlan),
}

/// One part of a plan: its number (1-based), where it starts in the source and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlannedPart {
    /// The part number, 1..=10000.
    pub number: u32,
    /// The offset of its first byte in the source.
    pub offset: u64,
    /// Its length in bytes (for a stream: the most it may hold).
    pub len: u64,
}

/// Equal parts of `part_size` bytes and a last part of the remainder, covering `total` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartPlan {
    total: u64,
    part_size: u64,
    count: u32,
}

impl PartPlan {
    /// Plans `len > 0` bytes under `policy`: the target size, raised to 1 MiB, grown (in whole
    /// MiB) until the part count fits the policy's limit.
    pub fn new(len: u64, policy: &PartPolicy) -> Result<Self, PlanError> {
        let max_parts = u64::from(policy.max_parts.clamp(1, MAX_PARTS));
        let too_large = PlanError::TooLarge {
            len,
            max_parts: policy.max_parts,
        };
        if len > max_parts.saturating_mul(MAX_PART_SIZE) {
            return Err(too_large);
        }
        let mut part_size = policy.target_part_size.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        if len.div_ceil(part_size) > max_parts {
            // Smallest whole-MiB size that fits; never above 5 GiB since len ≤ max_parts × 5 GiB.
            part_size = len.div_ceil(max_parts).div_ceil(MIB) * MIB;
        }
        Self::with_part_size(len, part_size).ok_or(too_large)
    }

    /// A plan with an explicit part size (e.g. restored from a checkpoint); `None` when the
    /// size breaks COS's limits for `len` (zero length, parts outside 1 MiB..=5 GiB when more
    /// than one, more than 10 000 parts).
    pub fn with_part_size(len: u64, part_size: u64) -> Option<Self> {
        if len == 0 || part_size == 0 || part_size > MAX_PART_SIZE {
            return None;
        }
        let count = len.div_ceil(part_size);
        if count > u64::from(MAX_PARTS) || (count > 1 && part_size < MIN_PART_SIZE) {
            return None;
        }
        Some(Self {
            total: len,
            part_size,
            count: u32::try_from(count).ok()?,
        })
    }

    /// The number of bytes covered.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The size of every part but the last.
    pub fn part_size(&self) -> u64 {
        self.part_size
    }

    /// The number of parts.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Part `number` (1-based), or `None` outside `1..=count`.
    pub fn part(&self, number: u32) -> Option<PlannedPart> {
        if number == 0 || number > self.count {
            return None;
        }
        let offset = u64::from(number - 1) * self.part_size;
        Some(PlannedPart {
            number,
            offset,
            len: (self.total - offset).min(self.part_size),
        })
    }

    /// Every part in order.
    pub fn parts(&self) -> impl Iterator<Item = PlannedPart> + '_ {
        (1..=self.count).filter_map(|n| self.part(n))
    }
}

/// The deterministic part sizes for a stream of unknown length: `initial` bytes for the first
/// `double_every` parts, then twice that for the next `double_every`, and so on, capped at 5 GiB.
/// The same schedule always yields the same parts, so a stream's parts can be planned before
/// the stream's end is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSchedule {
    initial: u64,
    double_every: u32,
}

impl StreamSchedule {
    /// A schedule starting at `initial` bytes (clamped into 1 MiB..=5 GiB) and doubling every
    /// `double_every` parts.
    pub fn new(initial: u64, double_every: u32) -> Self {
        Self {
            initial: initial.clamp(MIN_PART_SIZE, MAX_PART_SIZE),
            double_every: double_every.max(1),
        }
    }

    /// The size of part `number` (1-based; 0 is treated as 1).
    pub fn part_size(&self, number: u32) -> u64 {
        let tier = (number.max(1) - 1) / self.double_every;
        self.tier_size(tier)
    }

    fn tier_size(&self, tier: u32) -> u64 {
        if tier >= 40 {
            return MAX_PART_SIZE;
        }
        self.initial.saturating_mul(1u64 << tier).min(MAX_PART_SIZE)
    }

    /// Part `number` of the schedule (offset from the stream's start), or `None` outside 1..=10000.
    pub fn part(&self, number: u32) -> Option<PlannedPart> {
        if number == 0 || number > MAX_PARTS {
            return None;
        }
        let index = number - 1;
        let full_tiers = index / self.double_every;
        let mut offset = 0u64;
        for tier in 0..full_tiers {
            offset += self.tier_size(tier) * u64::from(self.double_every);
        }
        offset += self.tier_size(full_tiers) * u64::from(index % self.double_every);
        Some(PlannedPart {
            number,
            offset,
            len: self.part_size(number),
        })
    }

    /// How many bytes 10 000 parts of this schedule can hold.
    pub fn capacity(&self) -> u64 {
        self.part(MAX_PARTS).map_or(0, |p| p.offset + p.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_plan_of_a_gibibyte() {
        let plan = PartPolicy::new().plan(1024 * MIB).unwrap();
        let UploadPlan::Multipart(p) = plan else {
            panic!("expected multipart")
        };
        assert_eq!(p.part_size(), 8 * MIB);
        assert_eq!(p.count(), 128);
        assert_eq!(p.part(128).unwrap().len, 8 * MIB);
        assert_eq!(p.part(129), None);
        assert_eq!(p.part(0), None);
    }

    #[test]
    fn empty_and_small_objects_are_one_put() {
        let policy = PartPolicy::new().single_put_threshold(0);
        assert_eq!(policy.plan(0).unwrap(), UploadPlan::Single { len: 0 });
        assert!(matches!(policy.plan(1).unwrap(), UploadPlan::Multipart(_)));
        assert_eq!(
            PartPolicy::new().plan(8 * MIB).unwrap(),
            UploadPlan::Single { len: 8 * MIB }
        );
    }

    #[test]
    fn grows_when_the_part_count_would_exceed_the_limit() {
        let policy = PartPolicy::new().target_part_size(MIB).max_parts(10);
        let p = PartPlan::new(100 * MIB + 1, &policy).unwrap();
        assert_eq!(p.part_size(), 11 * MIB);
        assert_eq!(p.count(), 10);
    }

    #[test]
    fn refuses_what_cos_cannot_hold() {
        let policy = PartPolicy::new();
        assert!(PartPlan::new(MAX_OBJECT_SIZE, &policy).is_ok());
        assert_eq!(
            PartPlan::new(MAX_OBJECT_SIZE + 1, &policy),
            Err(PlanError::TooLarge {
                len: MAX_OBJECT_SIZE + 1,
                max_parts: MAX_PARTS
            })
        );
    }

    #[test]
    fn explicit_part_sizes_are_checked() {
        assert!(PartPlan::with_part_size(10, 3).is_none());
        assert!(PartPlan::with_part_size(10, 10).is_some());
        assert!(PartPlan::with_part_size(0, MIB).is_none());
        assert!(PartPlan::with_part_size(MIB * 10_001, MIB).is_none());
    }

    #[test]
    fn stream_schedule_doubles() {
        let s = StreamSchedule::new(MIB, 2);
        let sizes: Vec<u64> = (1..=6).map(|n| s.part_size(n) / MIB).collect();
        assert_eq!(sizes, [1, 1, 2, 2, 4, 4]);
        assert_eq!(s.part(5).unwrap().offset, 6 * MIB);
        // 1000 parts each of 8, 16, …, 4096 MiB: 8184 × 1000 MiB, about 7.8 TiB.
        assert_eq!(
            StreamSchedule::new(8 * MIB, 1000).capacity(),
            8184 * 1000 * MIB
        );
    }

    fn policy() -> impl Strategy<Value = PartPolicy> {
        (0u64..64 * MIB, 1u32..=10_000, 0u64..32 * MIB).prop_map(|(t, m, th)| {
            PartPolicy::new()
                .target_part_size(t)
                .max_parts(m)
                .single_put_threshold(th)
        })
    }

    fn length() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..4 * MIB,
            0u64..1024 * MIB,
            0u64..=MAX_OBJECT_SIZE,
            (MAX_OBJECT_SIZE - 1024)..=(MAX_OBJECT_SIZE + 1024),
        ]
    }

    proptest! {
        /// Any length and policy: parts cover the source exactly within COS's limits.
        #[test]
        fn plans_cover_the_source_exactly(len in length(), policy in policy()) {
            match policy.plan(len) {
                Ok(UploadPlan::Single { len: l }) => {
                    prop_assert_eq!(l, len);
                    prop_assert!(len <= MAX_SINGLE_PUT);
                    prop_assert!(len == 0 || len <= policy.threshold());
                }
                Ok(UploadPlan::Multipart(plan)) => {
                    prop_assert!(plan.count() >= 1 && plan.count() <= policy.part_limit());
                    prop_assert!(plan.count() <= MAX_PARTS);
                    prop_assert!(plan.part_size() >= policy.part_size().min(MAX_PART_SIZE));
                    let mut next = 0u64;
                    let parts: Vec<_> = plan.parts().collect();
                    prop_assert_eq!(parts.len(), plan.count() as usize);
                    for (i, p) in parts.iter().enumerate() {
                        prop_assert_eq!(p.number as usize, i + 1);
                        prop_assert_eq!(p.offset, next);
                        prop_assert!(p.len > 0 && p.len <= MAX_PART_SIZE);
                        if (p.number) < plan.count() {
                            prop_assert_eq!(p.len, plan.part_size());
                            prop_assert!(p.len >= MIN_PART_SIZE);
                        } else {
                            prop_assert!(p.len <= plan.part_size());
                        }
                        next += p.len;
                    }
                    prop_assert_eq!(next, len);
                }
                Err(PlanError::TooLarge { .. }) => {
                    prop_assert!(len > u64::from(policy.part_limit()) * MAX_PART_SIZE);
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }

        /// Stream schedules: contiguous, non-decreasing parts within COS's limits.
        #[test]
        fn stream_schedules_are_contiguous(initial in 0u64..=8 * MAX_PART_SIZE, every in 0u32..3000, n in 1u32..MAX_PARTS) {
            let s = StreamSchedule::new(initial, every);
            let a = s.part(n).unwrap();
            let b = s.part(n + 1).unwrap();
            prop_assert_eq!(a.offset + a.len, b.offset);
            prop_assert!(a.len <= b.len);
            prop_assert!(a.len >= MIN_PART_SIZE && b.len <= MAX_PART_SIZE);
            prop_assert_eq!(s.part(1).unwrap().offset, 0);
        }
    }
}
