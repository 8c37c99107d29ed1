//! Progress accounting: acknowledged bytes (monotonic), bytes sent by this run as they go out
//! on the wire (monotonic, resumed bytes counted apart), this run's speed and ETA, percent,
//! parts done/total, and a throttle. Pure: the time is passed in as the duration since the
//! upload started.

mod line;

use std::collections::VecDeque;
use std::time::Duration;

pub use line::{ProgressLine, human_bytes, human_duration};

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
    /// Bytes an earlier run had already stored (the resumed parts): not sent by this run, and
    /// never counted in its speed.
    pub resumed_bytes: u64,
    /// Bytes this run has sent: the parts acknowledged in this run plus the body bytes of the
    /// requests in flight, counted as the connection takes them (so it moves within a part,
    /// not in part-sized jumps). Never decreases: the bytes of a failed attempt are not
    /// counted again while they are resent.
    pub sent_bytes: u64,
    /// This run's sent bytes per second over the last few seconds.
    pub bytes_per_second: f64,
    /// When the rest will have been sent at this run's speed (`None` while the total or a
    /// speed is unknown).
    pub eta: Option<Duration>,
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

    /// Where a progress bar stands: the resumed bytes plus this run's sent bytes (at most the
    /// total). Never decreases.
    pub fn position(&self) -> u64 {
        let position = self.resumed_bytes.saturating_add(self.sent_bytes);
        match self.total_bytes {
            Some(total) => position.min(total),
            None => position,
        }
    }

    /// [`position`](Self::position) in percent of the total, floored to two decimals, 100
    /// for an empty object; `None` while the length is unknown.
    pub fn position_percent(&self) -> Option<f64> {
        let total = self.total_bytes?;
        if total == 0 {
            return Some(100.0);
        }
        let ratio = self.position() as f64 / total as f64;
        Some((ratio * 10_000.0).floor() / 100.0)
    }

    /// One plain line for logs and terminals that are not one:
    /// `412.0 MiB / 1.0 GiB (40.23%), 98.5 MiB/s, eta 6s, parts 51/128, 200.0 MiB resumed`.
    pub fn line(&self) -> ProgressLine<'_> {
        ProgressLine::new(self)
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
    /// Bytes of the resumed parts, as the upload started.
    pub resumed_bytes: u64,
}

/// Turns counters into monotonic, throttled progress snapshots.
#[derive(Debug, Clone)]
pub struct ProgressTracker {
    total: Option<u64>,
    interval: Duration,
    window: Duration,
    last: Progress,
    /// (time, this run's sent bytes): the speed's window.
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

    fn clamp(&self, bytes: u64) -> u64 {
        match self.total {
            Some(t) => bytes.min(t),
            None => bytes,
        }
    }

    /// Records the counters at `now` and returns the updated snapshot.
    ///
    /// This run's sent bytes are what was acknowledged beyond the resumed bytes plus what is
    /// on the wire; the snapshot keeps the highest value seen, so a failed attempt's bytes or
    /// an upload that starts afresh hold the position instead of moving it back.
    pub fn update(&mut self, now: Duration, counters: Counters) -> Progress {
        let acknowledged = self.clamp(
            self.last
                .acknowledged_bytes
                .max(counters.acknowledged_bytes),
        );
        let resumed = self.clamp(counters.resumed_bytes);
        let sent_now = counters
            .acknowledged_bytes
            .saturating_add(counters.bytes_on_wire)
            .saturating_sub(resumed);
        let position = self
            .clamp(resumed.saturating_add(sent_now))
            .max(self.last.position())
            .max(acknowledged);
        let sent = position.saturating_sub(resumed);
        self.samples.push_back((now, sent));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|(t, _)| now.saturating_sub(*t) >= self.window)
        {
            self.samples.pop_front();
        }
        let bytes_per_second = match self.samples.front() {
            Some(&(t0, b0)) if now > t0 => {
                sent.saturating_sub(b0) as f64 / (now - t0).as_secs_f64()
            }
            _ if !now.is_zero() => sent as f64 / now.as_secs_f64(),
            _ => 0.0,
        };
        let eta = self.total.and_then(|total| {
            let rest = total.saturating_sub(position);
            if rest == 0 {
                Some(Duration::ZERO)
            } else if bytes_per_second > 0.0 {
                Some(Duration::from_secs_f64(rest as f64 / bytes_per_second))
            } else {
                None
            }
        });
        self.last = Progress {
            acknowledged_bytes: acknowledged,
            bytes_on_wire: counters.bytes_on_wire,
            total_bytes: self.total,
            parts_done: counters.parts_done,
            parts_total: counters.parts_total,
            resumed_parts: counters.resumed_parts,
            resumed_bytes: resumed,
            sent_bytes: sent,
            bytes_per_second,
            eta,
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
            self.last.resumed_bytes = self.last.resumed_bytes.min(bytes);
            self.last.sent_bytes = bytes - self.last.resumed_bytes;
            self.last.eta = Some(Duration::ZERO);
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

    const MIB: u64 = 1 << 20;

    #[test]
    fn after_a_resume_the_rate_and_eta_are_this_runs() {
        // 1000 MiB, 600 MiB stored by an earlier run; this run sends 40 MiB/s
        let mut t = ProgressTracker::new(Some(1000 * MIB), Duration::from_millis(100));
        let resumed = Counters {
            acknowledged_bytes: 600 * MIB,
            resumed_parts: 75,
            resumed_bytes: 600 * MIB,
            ..Counters::default()
        };
        let p = t.update(Duration::ZERO, resumed);
        assert_eq!((p.position(), p.sent_bytes), (600 * MIB, 0));
        assert_eq!(p.bytes_per_second, 0.0, "nothing sent yet: no speed");
        assert_eq!(p.eta, None, "no speed, no ETA");
        assert_eq!(p.position_percent(), Some(60.0));

        // one second in: 40 MiB on the wire, no part answered yet
        let p = t.update(
            Duration::from_secs(1),
            Counters {
                bytes_on_wire: 40 * MIB,
                ..resumed
            },
        );
        assert_eq!((p.position(), p.sent_bytes), (640 * MIB, 40 * MIB));
        assert!(
            (p.bytes_per_second - 40.0 * MIB as f64).abs() < 1.0,
            "{p:?}"
        );
        assert_eq!(
            p.eta,
            Some(Duration::from_secs(9)),
            "360 MiB left at 40 MiB/s"
        );

        // two seconds in: ten 8 MiB parts answered, nothing in flight
        let p = t.update(
            Duration::from_secs(2),
            Counters {
                acknowledged_bytes: 680 * MIB,
                parts_done: 85,
                ..resumed
            },
        );
        assert_eq!((p.position(), p.sent_bytes), (680 * MIB, 80 * MIB));
        assert_eq!(p.acknowledged_bytes, 680 * MIB);
        assert!(
            (p.bytes_per_second - 40.0 * MIB as f64).abs() < 1.0,
            "{p:?}"
        );
        assert_eq!(p.eta, Some(Duration::from_secs(8)));
        // counting the resumed bytes as speed would have said 340 MiB/s and under a second
        assert!(p.bytes_per_second < 41.0 * MIB as f64);

        let end = t.finish(Duration::from_secs(10), Some(1000 * MIB));
        assert_eq!((end.position(), end.sent_bytes), (1000 * MIB, 400 * MIB));
        assert_eq!(end.resumed_bytes, 600 * MIB);
        assert_eq!(end.eta, Some(Duration::ZERO));
    }

    #[test]
    fn a_failed_attempt_holds_the_position_until_the_resend_passes_it() {
        let mut t = ProgressTracker::new(Some(10 * MIB), Duration::ZERO);
        let wire = |bytes| Counters {
            bytes_on_wire: bytes,
            ..Counters::default()
        };
        assert_eq!(
            t.update(Duration::from_secs(1), wire(3 * MIB)).sent_bytes,
            3 * MIB
        );
        // the attempt failed: its bytes are handed back, the resend starts from zero
        assert_eq!(
            t.update(Duration::from_secs(2), wire(0)).sent_bytes,
            3 * MIB
        );
        assert_eq!(
            t.update(Duration::from_secs(3), wire(MIB)).sent_bytes,
            3 * MIB
        );
        assert_eq!(
            t.update(Duration::from_secs(4), wire(4 * MIB)).sent_bytes,
            4 * MIB
        );
        // the part is answered: its bytes move from the wire to acknowledged, no double count
        let p = t.update(
            Duration::from_secs(5),
            Counters {
                acknowledged_bytes: 4 * MIB,
                parts_done: 1,
                ..Counters::default()
            },
        );
        assert_eq!((p.sent_bytes, p.acknowledged_bytes), (4 * MIB, 4 * MIB));
    }

    proptest! {
        /// Whatever the counters do (wire bytes rewound, an upload started afresh), the
        /// position and this run's sent bytes never go back, stay within the total, and the
        /// speed and ETA are never negative.
        #[test]
        fn position_is_monotonic_and_bounded(
            total in 0u64..1_000_000,
            resumed in 0u64..1_000_000,
            steps in proptest::collection::vec((0u64..1_200_000, 0u64..300_000), 0..50),
        ) {
            let resumed = resumed.min(total);
            let mut t = ProgressTracker::new(Some(total), Duration::ZERO);
            // the driver's first snapshot, as the upload starts
            t.update(
                Duration::ZERO,
                Counters {
                    acknowledged_bytes: resumed,
                    resumed_bytes: resumed,
                    ..Counters::default()
                },
            );
            let mut prev = (0, 0);
            for (i, (acked, wire)) in steps.iter().enumerate() {
                let p = t.update(
                    Duration::from_millis(i as u64 * 7),
                    Counters {
                        acknowledged_bytes: resumed + acked,
                        bytes_on_wire: *wire,
                        resumed_bytes: resumed,
                        ..Counters::default()
                    },
                );
                prop_assert!(p.position() >= prev.0);
                prop_assert!(p.sent_bytes >= prev.1);
                prop_assert!(p.position() <= total);
                prop_assert!(p.position() >= p.acknowledged_bytes.min(total));
                prop_assert_eq!(p.position(), p.resumed_bytes + p.sent_bytes);
                prop_assert!(p.bytes_per_second >= 0.0);
                prev = (p.position(), p.sent_bytes);
            }
            let end = t.finish(Duration::from_secs(10), Some(total));
            prop_assert_eq!(end.position(), total);
            prop_assert_eq!(end.sent_bytes, total - resumed);
        }

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
