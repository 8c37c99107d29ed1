//! COS's naming rules as the emulator enforces them: bucket names (`<name>-<appid>`), regions,
//! object keys and the percent-encoding of keys in `encoding-type=url` listings.

/// Longest user part of a bucket name (`<name>` in `<name>-<appid>`).
pub const MAX_BUCKET_USER_PART: usize = 50;
/// Longest object key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 850;

/// Whether `name` is a valid full bucket name: lowercase letters, digits and `-`, a user part
/// of 1–50 characters that neither starts nor ends with `-`, then `-` and a numeric APPID.
pub fn is_bucket_name(name: &str) -> bool {
    let Some((user, appid)) = name.rsplit_once('-') else {
        return false;
    };
    !user.is_empty()
        && user.len() <= MAX_BUCKET_USER_PART
        && !user.starts_with('-')
        && !user.ends_with('-')
        && user
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !appid.is_empty()
        && appid.len() <= 20
        && appid.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `region` is a syntactically valid region (`ap-guangzhou`, `accelerate`, ...).
pub fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// Why an object key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// Longer than [`MAX_KEY_BYTES`].
    TooLong,
    /// Starts with `\` or holds ASCII control characters 24–27 (COS refuses these).
    Invalid,
}

/// Checks an object key (already decoded, without the leading `/`).
pub fn check_key(key: &str) -> Result<(), KeyProblem> {
    if key.len() > MAX_KEY_BYTES {
        return Err(KeyProblem::TooLong);
    }
    if key.starts_with('\\') || key.bytes().any(|b| (24..=27).contains(&b)) {
        return Err(KeyProblem::Invalid);
    }
    Ok(())
}

/// Percent-encodes `s` for `encoding-type=url` answers: everything but `A-Za-z0-9-_.~` and `/`,
/// uppercase hex, spaces as `%20` (never `+`).
pub fn url_encode_key(s: &str) -> String {
    encode_except(s, b"-_.~/")
}

/// Percent-encodes every byte of `s` but `A-Za-z0-9-_.~` (uppercase hex), as COS compares the
/// `cos:prefix` and `cos:response-content-type` condition keys.
pub fn url_encode(s: &str) -> String {
    encode_except(s, b"-_.~")
}

fn encode_except(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes `s` into UTF-8. With `plus_is_space`, `+` becomes a space (COS decodes
/// `+` that way in paths and queries). `None` on a bad escape or invalid UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_val(*bytes.get(i + 1)?)?;
                let lo = hex_val(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bucket_names() {
        assert!(is_bucket_name("examplebucket-1250000000"));
        assert!(is_bucket_name("a-b-c-1"));
        assert!(!is_bucket_name("examplebucket"));
        assert!(!is_bucket_name("Example-125"));
        assert!(!is_bucket_name("-x-125"));
        assert!(!is_bucket_name("x--125"));
        assert!(!is_bucket_name("x-12a"));
        assert!(!is_bucket_name(&format!("{}-1", "a".repeat(51))));
        assert!(is_bucket_name(&format!("{}-1", "a".repeat(50))));
    }

    #[test]
    fn regions() {
        assert!(is_region("ap-guangzhou"));
        assert!(is_region("accelerate"));
        assert!(!is_region("AP-x"));
        assert!(!is_region(""));
    }

    #[test]
    fn keys() {
        assert_eq!(check_key("a/b c+d%.txt"), Ok(()));
        assert_eq!(check_key(&"k".repeat(851)), Err(KeyProblem::TooLong));
        assert_eq!(check_key(&"k".repeat(850)), Ok(()));
        assert_eq!(check_key("\\x"), Err(KeyProblem::Invalid));
        assert_eq!(check_key("a\u{1a}b"), Err(KeyProblem::Invalid));
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("a%2Bb+c", false).as_deref(), Some("a+b+c"));
        assert_eq!(percent_decode("%E4%B8%AD", true).as_deref(), Some("中"));
        assert_eq!(percent_decode("%4", true), None);
        assert_eq!(percent_decode("%FF", true), None);
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(s in "\\PC{0,40}") {
            let enc = url_encode_key(&s);
            prop_assert!(!enc.contains(' ') && !enc.contains('+'));
            prop_assert_eq!(percent_decode(&enc, true), Some(s));
        }
    }
}
