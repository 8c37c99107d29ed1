//! One row of the core's list and its progress meter.

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

/// Throttles progress events and measures speed (time is passed in, in milliseconds).
#[derive(Debug, Clone, Default)]
pub(crate) struct Meter {
    last_emit: Option<(u64, u64)>,
}

impl Meter {
    /// Forgets the last emission (a new attempt always reports its first progress).
    pub fn reset(&mut self) {
        self.last_emit = None;
    }

    /// Whether to emit a progress event for `done` at `now_ms`; if so, the speed in bytes/s.
    pub fn observe(&mut self, done: u64, total: u64, now_ms: u64, interval_ms: u64) -> Option<f64> {
        let speed = match self.last_emit {
            None => 0.0,
            Some((at, bytes)) => {
                let elapsed = now_ms.saturating_sub(at);
                if elapsed < interval_ms && done < total {
                    return None;
                }
                if elapsed == 0 {
                    0.0
                } else {
                    done.saturating_sub(bytes) as f64 * 1000.0 / elapsed as f64
                }
            }
        };
        self.last_emit = Some((now_ms, done));
        Some(speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_throttles_but_always_reports_completion() {
        let mut m = Meter::default();
        assert_eq!(m.observe(10, 100, 0, 200), Some(0.0));
        assert_eq!(m.observe(20, 100, 100, 200), None);
        assert_eq!(m.observe(60, 100, 500, 200), Some(100.0));
        assert!(m.observe(100, 100, 501, 200).is_some());
        m.reset();
        assert_eq!(m.observe(0, 100, 502, 200), Some(0.0));
    }
}
