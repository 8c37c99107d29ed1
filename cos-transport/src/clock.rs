//! Time: the [`Clock`] the client reads (injectable for tests) and the shared [`ClockOffset`]
//! learnt from the server (COS rejects signatures made with a skewed clock).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + 'static {
    /// Now, as this machine sees it.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to (for tests and simulations).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock showing `unix_seconds`.
    pub fn at_unix(unix_seconds: u64) -> Self {
        Self(Arc::new(Mutex::new(
            UNIX_EPOCH + Duration::from_secs(unix_seconds),
        )))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `unix_seconds`.
    pub fn set_unix(&self, unix_seconds: u64) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = UNIX_EPOCH + Duration::from_secs(unix_seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Milliseconds since the Unix epoch (negative before it).
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The difference between the server's clock and ours, shared by every clone of a client.
///
/// `server_now ≈ local_now + offset`. Starts at zero; [`ClockOffset::learn`] moves it only when
/// the server's time differs from our corrected time by at least the threshold, which keeps the
/// one-second resolution of `Date` from making it jitter.
#[derive(Debug, Default)]
pub struct ClockOffset {
    millis: AtomicI64,
}

impl ClockOffset {
    /// The smallest disagreement that moves the offset (30 s, as the official SDKs use).
    pub const DEFAULT_THRESHOLD: Duration = Duration::from_secs(30);

    /// An offset of zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current offset in milliseconds.
    pub fn millis(&self) -> i64 {
        self.millis.load(Ordering::Relaxed)
    }

    /// Sets the offset.
    pub fn set_millis(&self, millis: i64) {
        self.millis.store(millis, Ordering::Relaxed);
    }

    /// `local` corrected by the offset, in Unix seconds (never negative).
    pub fn corrected_unix_secs(&self, local: SystemTime) -> u64 {
        let ms = unix_millis(local).saturating_add(self.millis());
        u64::try_from(ms.max(0) / 1000).unwrap_or(0)
    }

    /// Learns from `server_unix_secs` observed at `local`; returns `true` when the offset moved.
    pub fn learn(&self, server_unix_secs: u64, local: SystemTime, threshold: Duration) -> bool {
        let server_ms = i64::try_from(server_unix_secs)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        let local_ms = unix_millis(local);
        let corrected = local_ms.saturating_add(self.millis());
        let disagreement = server_ms.saturating_sub(corrected).unsigned_abs();
        let threshold_ms = u64::try_from(threshold.as_millis()).unwrap_or(u64::MAX);
        if disagreement < threshold_ms {
            return false;
        }
        let offset = server_ms.saturating_sub(local_ms);
        tracing::info!(
            offset_ms = offset,
            previous_offset_ms = self.millis(),
            "clock offset learnt from the server"
        );
        self.set_millis(offset);
        true
    }
}

/// Parses an HTTP `Date` header value into Unix seconds.
pub fn parse_http_date(value: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(value).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learn_needs_threshold_and_sets_offset() {
        let offset = ClockOffset::new();
        let local = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert!(!offset.learn(1_700_000_010, local, ClockOffset::DEFAULT_THRESHOLD));
        assert_eq!(offset.millis(), 0);
        assert!(offset.learn(1_700_000_900, local, ClockOffset::DEFAULT_THRESHOLD));
        assert_eq!(offset.millis(), 900_000);
        assert_eq!(offset.corrected_unix_secs(local), 1_700_000_900);
        // learning the same again does not move it
        assert!(!offset.learn(1_700_000_905, local, ClockOffset::DEFAULT_THRESHOLD));
        // server behind us
        assert!(offset.learn(1_699_999_000, local, ClockOffset::DEFAULT_THRESHOLD));
        assert_eq!(offset.millis(), -1_000_000);
    }

    #[test]
    fn parses_http_dates() {
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn manual_clock_moves() {
        let clock = ManualClock::at_unix(100);
        clock.advance(Duration::from_secs(5));
        assert_eq!(unix_millis(clock.now()), 105_000);
        clock.set_unix(7);
        assert_eq!(unix_millis(clock.now()), 7_000);
    }
}
