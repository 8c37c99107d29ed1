//! One row of the core's list and its progress meter.

use std::collections::VecDeque;

use crate::event::UploadResult;
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::source::Fingerprint;
use crate::state::FileState;

/// One file as the core tracks it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: FileId,
    pub name: String,
    pub size: u64,
    pub key: Option<String>,
    pub user_data: Option<String>,
    pub fingerprint: Fingerprint,
    pub state: FileState,
    pub bytes_done: u64,
    pub result: Option<UploadResult>,
    pub error: Option<FailureInfo>,
    /// Incremented each time the file is scheduled; outcomes of older attempts are ignored.
    pub generation: u64,
    /// Credentials were pushed for this file and have not expired since.
    pub has_grant: bool,
    /// The next scheduling continues after new credentials (no second `UploadStarted`).
    pub continuation: bool,
    pub meter: Meter,
}

/// Throttles progress events, keeps the attempt's position from going back, and measures
/// the attempt's own speed (time is passed in, in milliseconds).
#[derive(Debug, Clone, Default)]
pub(crate) struct Meter {
    /// (time, bytes this attempt sent) of the events emitted within the speed's window.
    emitted: VecDeque<(u64, u64)>,
    /// The attempt's position so far (resumed plus sent bytes).
    position: u64,
}

/// How far back the speed looks.
const SPEED_WINDOW_MS: u64 = 5_000;

impl Meter {
    /// Forgets the last attempt (a new attempt always reports its first progress).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Learns a report's position and returns the attempt's position so far (never less
    /// than an earlier report of the same attempt, nor than `floor`, at most `total`).
    pub fn advance(&mut self, position: u64, floor: u64, total: u64) -> u64 {
        self.position = self.position.max(position).max(floor).min(total);
        self.position
    }

    /// Whether to emit a progress event for an attempt that has sent `sent` bytes itself,
    /// at `now_ms`; if so, its speed in bytes/s over the last few seconds. A `complete`
    /// report is never held back.
    pub fn observe(
        &mut self,
        sent: u64,
        complete: bool,
        now_ms: u64,
        interval_ms: u64,
    ) -> Option<f64> {
        if let Some(&(at, _)) = self.emitted.back()
            && now_ms.saturating_sub(at) < interval_ms
            && !complete
        {
            return None;
        }
        while self.emitted.len() > 1
            && self
                .emitted
                .get(1)
                .is_some_and(|&(at, _)| now_ms.saturating_sub(at) >= SPEED_WINDOW_MS)
        {
            self.emitted.pop_front();
        }
        let speed = match self.emitted.front() {
            Some(&(at, bytes)) if now_ms > at => {
                sent.saturating_sub(bytes) as f64 * 1000.0 / (now_ms - at) as f64
            }
            _ => 0.0,
        };
        self.emitted.push_back((now_ms, sent));
        Some(speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_throttles_but_always_reports_completion() {
        let mut m = Meter::default();
        assert_eq!(m.observe(10, false, 0, 200), Some(0.0));
        assert_eq!(m.observe(20, false, 100, 200), None);
        assert_eq!(m.observe(60, false, 500, 200), Some(100.0));
        assert!(m.observe(100, true, 501, 200).is_some());
        m.reset();
        assert_eq!(m.observe(0, false, 502, 200), Some(0.0));
    }

    #[test]
    fn speed_looks_at_the_last_seconds_only() {
        let mut m = Meter::default();
        m.observe(0, false, 0, 200);
        m.observe(10_000, false, 1_000, 200);
        // a stall: the first second's burst leaves the window
        m.observe(10_000, false, 6_000, 200);
        assert_eq!(m.observe(10_000, false, 7_000, 200), Some(0.0));
    }

    #[test]
    fn position_never_goes_back_within_an_attempt() {
        let mut m = Meter::default();
        assert_eq!(m.advance(300, 100, 1000), 300);
        assert_eq!(m.advance(200, 100, 1000), 300);
        assert_eq!(
            m.advance(200, 400, 1000),
            400,
            "never behind the acknowledged bytes"
        );
        assert_eq!(m.advance(5000, 0, 1000), 1000);
        m.reset();
        assert_eq!(m.advance(50, 0, 1000), 50);
    }
}
