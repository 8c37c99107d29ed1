//! Times in COS XML bodies (`2019-12-09T09:53:48.000Z`) and headers (HTTP dates).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A time as written in an XML body (`LastModified`, `Initiated`, `CreationDate`), kept
/// verbatim so it round-trips exactly; [`Timestamp::to_system_time`] reads it.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// A timestamp from its text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The ISO 8601 text COS writes for `t` (`2019-12-09T09:53:48.000Z`, UTC, milliseconds).
    pub fn from_system_time(t: SystemTime) -> Self {
        Self(format_iso8601(t))
    }

    /// The text, verbatim.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The time, when the text is ISO 8601 / RFC 3339 (`Z` or `±hh:mm`) or an HTTP date.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        parse_iso8601(&self.0).or_else(|| httpdate::parse_http_date(self.0.trim()).ok())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` (a space may replace `T`).
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || !b.is_ascii() {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in frac.bytes().take(digits).enumerate() {
            if i < 9 {
                n = n * 10 + u32::from(c - b'0');
            }
        }
        for _ in digits..9 {
            n *= 10;
        }
        nanos = n;
        rest = &frac[digits..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' || !(rb[0] == b'+' || rb[0] == b'-') {
                return None;
            }
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            let v = h * 3600 + m * 60;
            if rb[0] == b'+' { v } else { -v }
        }
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec) - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// Formats `t` as `YYYY-MM-DDThh:mm:ss.mmmZ` (UTC); times before 1970 are clamped to 1970.
pub fn format_iso8601(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_cos_formats() {
        let t = UNIX_EPOCH + Duration::from_secs(1_575_885_228);
        assert_eq!(parse_iso8601("2019-12-09T09:53:48.000Z"), Some(t));
        assert_eq!(parse_iso8601("2019-12-09T09:53:48Z"), Some(t));
        assert_eq!(parse_iso8601("2019-12-09T17:53:48+08:00"), Some(t));
        assert_eq!(format_iso8601(t), "2019-12-09T09:53:48.000Z");
        assert_eq!(
            Timestamp::new("Mon, 09 Dec 2019 09:53:48 GMT").to_system_time(),
            Some(t)
        );
        assert_eq!(parse_iso8601("2019-13-09T09:53:48Z"), None);
        assert_eq!(parse_iso8601("garbage"), None);
        assert_eq!(parse_iso8601("2019-12-09T09:53:48.Z"), None);
    }

    proptest! {
        #[test]
        fn format_then_parse(ms in 0u64..8_000_000_000_000) {
            let t = UNIX_EPOCH + Duration::from_millis(ms);
            prop_assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_iso8601(&s);
        }
    }
}
