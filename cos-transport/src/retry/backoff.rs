//! Full-jitter exponential backoff: the n-th retry waits a uniformly random time in
//! `[0, min(max, base · 2^(n-1))]` (the "full jitter" of the AWS architecture blog), which
//! spreads the retries of many clients instead of synchronising them.

use std::time::Duration;

use rand::{Rng, RngCore};

/// Exponential backoff bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's wait.
    pub base: Duration,
    /// The largest ceiling.
    pub max: Duration,
}

impl Backoff {
    /// The ceiling of the wait before retry number `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(63);
        let factor = 1u64 << exponent;
        let ceiling_ms = u64::try_from(self.base.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(factor);
        Duration::from_millis(ceiling_ms).min(self.max)
    }

    /// A random wait in `[0, ceiling(retry)]`.
    pub fn delay(&self, retry: u32, rng: &mut dyn RngCore) -> Duration {
        let ceiling = self.ceiling(retry);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        if ceiling_ms == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rng.random_range(0..=ceiling_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn ceiling_doubles_then_caps() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(5), Duration::from_secs(1));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn jitter_spreads_over_the_range() {
        let b = Backoff {
            base: Duration::from_millis(1000),
            max: Duration::from_secs(10),
        };
        let mut rng = StdRng::seed_from_u64(7);
        let delays: Vec<Duration> = (0..200).map(|_| b.delay(1, &mut rng)).collect();
        assert!(delays.iter().any(|d| *d < Duration::from_millis(250)));
        assert!(delays.iter().any(|d| *d > Duration::from_millis(750)));
    }

    proptest! {
        #[test]
        fn delay_is_within_bounds(
            base_ms in 0u64..10_000,
            max_ms in 0u64..100_000,
            retry in 0u32..100,
            seed in any::<u64>(),
        ) {
            let b = Backoff { base: Duration::from_millis(base_ms), max: Duration::from_millis(max_ms) };
            let mut rng = StdRng::seed_from_u64(seed);
            let d = b.delay(retry, &mut rng);
            prop_assert!(d <= b.ceiling(retry));
            prop_assert!(d <= b.max);
            // ceilings never shrink as retries grow
            prop_assert!(b.ceiling(retry) <= b.ceiling(retry.saturating_add(1)));
        }
    }
}
