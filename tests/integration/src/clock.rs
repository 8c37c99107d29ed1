//! [`OffsetClock`]: this machine's clock moved by a fixed number of seconds — a client whose
//! clock is wrong, for the clock-skew cases against real COS and for expired pre-signed URLs.

use std::time::{Duration, SystemTime};

use cos_transport::clock::Clock;

/// The system clock plus `offset_secs` (negative: behind).
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    offset_secs: i64,
}

impl OffsetClock {
    /// A clock `offset_secs` ahead of this machine's (behind when negative).
    pub fn new(offset_secs: i64) -> Self {
        Self { offset_secs }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        let by = Duration::from_secs(self.offset_secs.unsigned_abs());
        if self.offset_secs >= 0 {
            now + by
        } else {
            now - by
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_both_ways() {
        let ahead = OffsetClock::new(3600).now();
        let behind = OffsetClock::new(-3600).now();
        let gap = ahead.duration_since(behind).unwrap();
        assert!(
            gap >= Duration::from_secs(7199) && gap <= Duration::from_secs(7201),
            "{gap:?}"
        );
    }
}
