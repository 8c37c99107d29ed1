//! Progress accounting: acknowledged bytes (monotonic), bytes on the wire, speed, percent,
//! parts done/total, and a throttle. Pure: the time is passed in as the duration since the
//! upload started.

use std::collections::VecDeque;
use std::time::Duration;

/// A snapshot of one upload's progress.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Bytes COS has acknowledged (parts answered 200, or the whole PUT). Never decreases,
    /// even when an upload starts afresh after `NoSuchUpload`.
    pub acknowledged_bytes: u64,
    /// Body bytes of requests in flight right now (sent or being sent, not yet answered).
    pub bytes_on_wire: u64,
    /// The object's length, when known (unknown for a stream until its end).
    pub total_bytes: Option<u64>,
    /// Parts acknowledged (0 for a single PUT).
    pub parts_done: u32,
    /// The part count, when known (0 for a single PUT).
    pub parts_total: Option<u32>,
    /// Parts taken over from an earlier run.
    pub resumed_parts: u32,
    /// Acknowledged bytes per second over the last few seconds.
    pub bytes_per_second: f64,
    /// Time since the upload started.
    pub elapsed: Duration,
    /// Whether this is the final snapshot.
    pub finished: bool,
}

impl Progress {
    /// Percent acknowledged, floored to two decimals, 100 for an empty object; `None` while
    /// the length is unknown.
    pub fn percent(&self) -> Option<f64> {
        let total = self.total_bytes?;
        if total == 0 {
            return Some(100.0);
        }
        let ratio = self.acknowledged_bytes.min(total) as f64 / total as f64;
        Some((ratio * 10_000.0).floor() / 100.0)
    }
}

/// What feeds the tracker: the machine's and driver's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Bytes acknowledged in the current upload generation.
    pub acknowledged_bytes: u64,
    /// Body bytes in flight.
    pub bytes_on_wire: u64,
    /// Parts acknowledged.
    pub parts_done: u32,
    /// The part count, when known.
    pub parts_total: Option<u32>,
    /// Parts resumed.
    pub resumed_parts: u32,
}

/// Turns counters into monotonic, throttled progress snapshots.
#[derive(Debug, Clone)]
pub struct ProgressTracker {
    total: Option<u64>,
    interval: Duration,
    window: Duration,
    last: Progress,
    samples: VecDeque<(Duration, u64)>,
    last_emit: Option<Duration>,
}

impl ProgressTracker {
    /// A tracker for an object of `total` bytes (if known), emitting at most every `interval`.
    pub fn new(total: Option<u64>, interval: Duration) -> Self {
        Self {
            total,
            interval,
            window: Duration::from_secs(5),
            last: Progress {
                total_bytes: total,
                ..Progress::default()
            },
            samples: VecDeque::new(),
            last_emit: None,
        }
    }

    /// Learns the total (a stream's, at its end).
    pub fn set_total(&mut self, total: u64) {
        self.total = Some(total);
        self.last.total_bytes = Some(total);
    }

    /// Records the counters at `now` and returns the updated snapshot.
    pub fn update(&mut self, now: Duration, counters: Counters) -> Progress {
        let acknowledged = self
            .last
            .acknowledged_bytes
            .max(counters.acknowledged_bytes);
        let acknowledged = match self.total {
            Some(t) => acknowledged.min(t),
            None => acknowledged,
        };
        self.samples.push_back((now, acknowledged));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|(t, _)| now.saturating_sub(*t) >= self.window)
        {
            self.samples.pop_front();
        }
        let bytes_per_second = match self.samples.front() {
            Some(&(t0, b0)) if now > t0 => (acknowledged - b0) as f64 / (now - t0).as_secs_f64(),
            _ if !now.is_zero() => acknowledged as f64 / now.as_secs_f64(),
            _ => 0.0,
        };
        self.last = Progress {
            acknowledged_bytes: acknowledged,
            bytes_on_wire: counters.bytes_on_wire,
            total_bytes: self.total,
            parts_done: counters.parts_done,
            parts_total: counters.parts_total,
            resumed_parts: counters.resumed_parts,
            bytes_per_second,
            elapsed: now,
            finished: false,
        };
        self.last
    }

    /// The last snapshot.
    pub fn last(&self) -> Progress {
        self.last
    }

    /// Whether a snapshot may be emitted at `now` (at most one per interval; `force` for the
    /// first and the final one). Records the emission when it returns true.
    pub fn should_emit(&mut self, now: Duration, force: bool) -> bool {
        let due = match self.last_emit {
            None => true,
            Some(t) => now.saturating_sub(t) >= self.interval,
        };
        if due || force {
            self.last_emit = Some(now);
            true
        } else {
            false
        }
    }

    /// The final snapshot of a completed upload: everything acknowledged.
    pub fn finish(&mut self, now: Duration, completed_bytes: Option<u64>) -> Progress {
        if let Some(bytes) = completed_bytes {
            self.total = Some(bytes);
            self.last.total_bytes = Some(bytes);
            self.last.acknowledged_bytes = self.last.acknowledged_bytes.max(bytes);
            if let Some(parts) = self.last.parts_total {
                self.last.parts_done = parts;
            }
        }
        self.last.bytes_on_wire = 0;
        self.last.elapsed = now;
        self.last.finished = true;
        self.last_emit = Some(now);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counters(acked: u64) -> Counters {
        Counters {
            acknowledged_bytes: acked,
            ..Counters::default()
        }
    }

    #[test]
    fn percent_is_floored_and_empty_is_complete() {
        let p = Progress {
            acknowledged_bytes: 1,
            total_bytes: Some(3),
            ..Progress::default()
        };
        assert_eq!(p.percent(), Some(33.33));
        let empty = Progress {
            total_bytes: Some(0),
            ..Progress::default()
        };
        assert_eq!(empty.percent(), Some(100.0));
        assert_eq!(Progress::default().percent(), None);
    }

    #[test]
    fn speed_over_the_window() {
        let mut t = ProgressTracker::new(Some(100_000), Duration::from_millis(100));
        t.update(Duration::from_secs(0), counters(0));
        let p = t.update(Duration::from_secs(2), counters(20_000));
        assert!((p.bytes_per_second - 10_000.0).abs() < 1e-6, "{p:?}");
    }

    #[test]
    fn throttles_by_interval_but_forces() {
        let mut t = ProgressTracker::new(None, Duration::from_secs(1));
        assert!(t.should_emit(Duration::from_millis(0), false));
        assert!(!t.should_emit(Duration::from_millis(500), false));
        assert!(t.should_emit(Duration::from_millis(600), true));
        assert!(!t.should_emit(Duration::from_millis(1500), false));
        assert!(t.should_emit(Duration::from_millis(1600), false));
    }

    proptest! {
        /// Acknowledged bytes never decrease, whatever the counters do, and end at the total.
        #[test]
        fn acknowledged_is_monotonic(total in 0u64..1_000_000, steps in proptest::collection::vec(0u64..1_200_000, 0..50)) {
            let mut t = ProgressTracker::new(Some(total), Duration::from_millis(10));
            let mut prev = 0;
            for (i, s) in steps.iter().enumerate() {
                let p = t.update(Duration::from_millis(i as u64 * 7), counters(*s));
                prop_assert!(p.acknowledged_bytes >= prev);
                prop_assert!(p.acknowledged_bytes <= total);
                prop_assert!(p.bytes_per_second >= 0.0);
                prev = p.acknowledged_bytes;
            }
            let end = t.finish(Duration::from_secs(10), Some(total));
            prop_assert_eq!(end.acknowledged_bytes, total);
            prop_assert_eq!(end.percent(), Some(100.0));
        }
    }
}
