//! [`KeyTime`]: the `start;end` validity window (Unix seconds) of a signature.

use core::fmt;
use core::str::FromStr;

/// The validity window of a signature, in Unix seconds (UTC): `q-key-time` = `q-sign-time` =
/// `"<start>;<end>"`. The caller picks it (this crate has no clock).
///
/// ```
/// let kt: cos_sign::KeyTime = "1700000000;1700003600".parse().unwrap();
/// assert_eq!(kt, cos_sign::KeyTime::new(1700000000, 1700003600));
/// assert_eq!(kt.to_string(), "1700000000;1700003600");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyTime {
    /// First second the signature is valid (inclusive).
    pub start: u64,
    /// Last second the signature is valid (inclusive).
    pub end: u64,
}

impl KeyTime {
    /// The window `start..=end`.
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// The window `now..=now + seconds` (saturating).
    pub const fn starting_at(now: u64, seconds: u64) -> Self {
        Self {
            start: now,
            end: now.saturating_add(seconds),
        }
    }

    /// Is `now` inside the window (both ends inclusive)?
    pub const fn contains(&self, now: u64) -> bool {
        self.start <= now && now <= self.end
    }

    /// The `start;end` text without allocating.
    pub(crate) fn text(&self) -> KeyTimeText {
        let mut text = KeyTimeText {
            buf: [0; KEY_TIME_MAX],
            len: 0,
        };
        text.push_u64(self.start);
        text.buf[text.len] = b';';
        text.len += 1;
        text.push_u64(self.end);
        text
    }
}

/// Two `u64`s in decimal plus the `;`.
const KEY_TIME_MAX: usize = 20 + 1 + 20;

/// `start;end` formatted on the stack.
#[derive(Clone, Copy)]
pub(crate) struct KeyTimeText {
    buf: [u8; KEY_TIME_MAX],
    len: usize,
}

impl KeyTimeText {
    /// Appends `n` in decimal, written in place from its last digit (no scratch copy: a
    /// variable-length copy is a `memcpy` call).
    fn push_u64(&mut self, mut n: u64) {
        // Two digits per division, from a table.
        const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let count = n.checked_ilog10().map_or(1, |log| log as usize + 1);
        let mut i = self.len + count;
        self.len = i;
        while n >= 100 {
            // `n % 100 < 100`, so the cast is lossless.
            let pair = 2 * (n % 100) as usize;
            n /= 100;
            i -= 2;
            self.buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if n >= 10 {
            let pair = 2 * n as usize;
            self.buf[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            // `n < 10` here.
            self.buf[i - 1] = b'0' + n as u8;
        }
    }

    /// The text's bytes (ASCII).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and `;` are ever written.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// Why a `start;end` text is not a [`KeyTime`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyTimeError {
    /// No `;` separating start and end.
    #[error("key time must be `start;end`")]
    MissingSeparator,
    /// A part is not a decimal number of seconds.
    #[error("key time {part} is not a decimal number of seconds")]
    InvalidNumber {
        /// `"start"` or `"end"`.
        part: &'static str,
    },
}

fn parse_seconds(text: &str, part: &'static str) -> Result<u64, KeyTimeError> {
    // `u64::from_str` accepts a leading `+`; a key time is plain digits.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeyTimeError::InvalidNumber { part });
    }
    text.parse()
        .map_err(|_| KeyTimeError::InvalidNumber { part })
}

impl FromStr for KeyTime {
    type Err = KeyTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (start, end) = s.split_once(';').ok_or(KeyTimeError::MissingSeparator)?;
        Ok(Self {
            start: parse_seconds(start, "start")?,
            end: parse_seconds(end, "end")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn formats_and_parses() {
        let kt = KeyTime::new(0, u64::MAX);
        assert_eq!(kt.to_string(), "0;18446744073709551615");
        assert_eq!(kt.to_string().parse::<KeyTime>(), Ok(kt));
        assert_eq!(
            KeyTime::new(1557989151, 1557996351).to_string(),
            "1557989151;1557996351"
        );
    }

    #[test]
    fn digits_match_display_at_every_length() {
        let mut values = alloc::vec![0, 1, 9, u64::MAX, u64::MAX - 1];
        for digits in 1..20 {
            let p = 10u64.pow(digits);
            values.extend([p - 1, p, p + 1, p + p / 3]);
        }
        for start in &values {
            for end in [0, 7, 1_700_003_600, u64::MAX] {
                let text = KeyTime::new(*start, end).text();
                assert_eq!(text.as_bytes(), alloc::format!("{start};{end}").as_bytes());
                assert_eq!(text.as_str().as_bytes(), text.as_bytes());
            }
        }
    }

    #[test]
    fn rejects_malformed_text() {
        assert_eq!("12".parse::<KeyTime>(), Err(KeyTimeError::MissingSeparator));
        assert_eq!(
            "+1;2".parse::<KeyTime>(),
            Err(KeyTimeError::InvalidNumber { part: "start" })
        );
        assert_eq!(
            "1;".parse::<KeyTime>(),
            Err(KeyTimeError::InvalidNumber { part: "end" })
        );
        assert_eq!(
            "1;99999999999999999999".parse::<KeyTime>(),
            Err(KeyTimeError::InvalidNumber { part: "end" })
        );
        assert_eq!(
            "1;2;3".parse::<KeyTime>(),
            Err(KeyTimeError::InvalidNumber { part: "end" })
        );
    }

    #[test]
    fn window_is_inclusive() {
        let kt = KeyTime::starting_at(10, 5);
        assert!(!kt.contains(9));
        assert!(kt.contains(10) && kt.contains(15));
        assert!(!kt.contains(16));
    }
}
