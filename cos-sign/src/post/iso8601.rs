//! The POST policy's `expiration`: Unix seconds to and from ISO-8601 UTC
//! (`YYYY-MM-DDTHH:MM:SS.mmmZ`), by the civil-date algorithms of Howard Hinnant
//! (`days_from_civil` / `civil_from_days`), years 1970–9999.

use alloc::string::String;
use core::fmt::Write;

/// Seconds of 9999-12-31T23:59:59Z, the last instant a four-digit year can show.
pub const MAX_SECONDS: u64 = 253_402_300_799;

/// (year, month 1–12, day 1–31) of the `days`-th day since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // `day` and `month` are in the small ranges noted above.
    (year, month as u32, day as u32)
}

/// Days since 1970-01-01 of a valid (year, month, day).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400); // [0, 399]
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 }; // [0, 11]
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for `seconds` since the epoch; `None` past [`MAX_SECONDS`].
///
/// ```
/// assert_eq!(cos_sign::post::format_expiration(1700003600).as_deref(), Some("2023-11-14T23:13:20.000Z"));
/// ```
pub fn format_expiration(seconds: u64) -> Option<String> {
    if seconds > MAX_SECONDS {
        return None;
    }
    // Below MAX_SECONDS, so it fits an i64 and the year has four digits.
    let seconds = seconds as i64;
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let rem = seconds % 86_400;
    let mut out = String::with_capacity(24);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    Some(out)
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` into milliseconds since the epoch (fraction
/// truncated to milliseconds). `None` for any other shape or an impossible date.
///
/// ```
/// assert_eq!(cos_sign::post::parse_expiration_millis("2019-08-30T09:38:12.414Z"), Some(1567157892414));
/// assert_eq!(cos_sign::post::parse_expiration_millis("2019-02-29T00:00:00Z"), None);
/// ```
pub fn parse_expiration_millis(text: &str) -> Option<u64> {
    let rest = text.strip_suffix('Z')?;
    let (date, time) = rest.split_once('T')?;
    let mut date_parts = date.split('-');
    let (year, month, day) = (date_parts.next()?, date_parts.next()?, date_parts.next()?);
    if date_parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let mut clock_parts = clock.split(':');
    let (hour, minute, second) = (
        clock_parts.next()?,
        clock_parts.next()?,
        clock_parts.next()?,
    );
    if clock_parts.next().is_some() || [hour, minute, second].iter().any(|p| p.len() != 2) {
        return None;
    }
    let (year, month, day) = (i64::from(digits(year)?), digits(month)?, digits(day)?);
    let (hour, minute, second) = (
        u64::from(digits(hour)?),
        u64::from(digits(minute)?),
        u64::from(digits(second)?),
    );
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            f.bytes()
                .chain(core::iter::repeat(b'0'))
                .take(3)
                .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
        }
    };
    // `year >= 1970`, so the day count is not negative.
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            format_expiration(0).as_deref(),
            Some("1970-01-01T00:00:00.000Z")
        );
        assert_eq!(
            format_expiration(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        assert_eq!(
            format_expiration(4_107_542_400).as_deref(),
            Some("2100-03-01T00:00:00.000Z")
        );
        assert_eq!(
            format_expiration(MAX_SECONDS).as_deref(),
            Some("9999-12-31T23:59:59.000Z")
        );
        assert_eq!(format_expiration(MAX_SECONDS + 1), None);
    }

    #[test]
    fn parse_rejects_bad_shapes() {
        for bad in [
            "",
            "2019-08-30T09:38:12",
            "2019-8-30T09:38:12Z",
            "2019-08-30 09:38:12Z",
            "2019-13-01T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2019-08-30T24:00:00Z",
            "2019-08-30T09:38:12.Z",
            "1969-12-31T23:59:59Z",
            "+019-08-30T09:38:12Z",
        ] {
            assert_eq!(parse_expiration_millis(bad), None, "{bad}");
        }
        assert_eq!(
            parse_expiration_millis("2000-02-29T00:00:00.5Z"),
            Some(951_782_400_500)
        );
        assert_eq!(
            parse_expiration_millis("2000-02-29T00:00:00.123456Z"),
            Some(951_782_400_123)
        );
    }
}
