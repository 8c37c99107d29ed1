//! Time on the emulator's clock: Unix milliseconds, ISO-8601 (XML `LastModified`) and
//! IMF-fixdate (HTTP `Date`, `Last-Modified`) formats.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time as Unix milliseconds (the emulator's clock, skew included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

impl Millis {
    /// The real clock shifted by `skew_secs`.
    pub fn now_with_skew(skew_secs: i64) -> Self {
        let real = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Millis(real.saturating_add(skew_secs.saturating_mul(1000)))
    }

    /// Whole Unix seconds (rounded down).
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// `2019-05-24T10:56:40.000Z`, the format of COS's XML timestamps.
    pub fn iso8601(self) -> String {
        let secs = self.secs();
        let ms = self.0.rem_euclid(1000);
        let (y, mo, d, h, mi, s) = civil(secs);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }

    /// `2023-06-14T05:06:57Z`: ISO-8601 to the second, as STS writes `Expiration`.
    pub fn iso8601_seconds(self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.secs());
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }

    /// `Thu, 16 May 2019 06:45:51 GMT`, the format of HTTP dates.
    pub fn http_date(self) -> String {
        httpdate::fmt_http_date(self.system_time())
    }

    /// The same instant as a [`SystemTime`] (clamped at the epoch).
    pub fn system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(u64::try_from(self.0).unwrap_or(0))
    }

    /// Parses an HTTP date into Unix seconds.
    pub fn parse_http_date_secs(value: &str) -> Option<i64> {
        let t = httpdate::parse_http_date(value).ok()?;
        let d = t.duration_since(UNIX_EPOCH).ok()?;
        i64::try_from(d.as_secs()).ok()
    }
}

/// Splits Unix seconds into (year, month, day, hour, minute, second) in UTC
/// (Howard Hinnant's days-to-civil algorithm).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(Millis(0).iso8601(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Millis(1_557_989_151_123).iso8601(),
            "2019-05-16T06:45:51.123Z"
        );
        assert_eq!(
            Millis(951_782_400_000).iso8601(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn http_date_round_trips() {
        let t = Millis(1_557_989_151_000);
        assert_eq!(t.http_date(), "Thu, 16 May 2019 06:45:51 GMT");
        assert_eq!(
            Millis::parse_http_date_secs(&t.http_date()),
            Some(1_557_989_151)
        );
    }

    #[test]
    fn skew_shifts_the_clock() {
        let a = Millis::now_with_skew(0).secs();
        let b = Millis::now_with_skew(3600).secs();
        assert!((b - a - 3600).abs() <= 1);
    }
}
