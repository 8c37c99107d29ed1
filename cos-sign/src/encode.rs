//! COS's `UrlEncode`: UTF-8 percent-encoding with uppercase hex where only `A-Za-z0-9-_.~`
//! stay bare, and its inverse.
//!
//! The encoder is hand-written rather than taken from `percent-encoding`: the signer needs a
//! second variant that lowercases while it encodes (names are `lower(UrlEncode(name))`), both
//! variants append into one caller-owned buffer, and copying runs of unreserved bytes with a
//! single `push_str` measured faster than `percent-encoding`'s chunk iterator on typical
//! header values (see the `encode` group in `benches/sign.rs`).

use alloc::string::String;
use alloc::vec::Vec;

/// `true` for the bytes left bare: `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
};

/// `true` for the bytes left bare by [`uri_encode_path`]: the unreserved set plus `/`.
const PATH_SAFE: [bool; 256] = {
    let mut table = UNRESERVED;
    table[b'/' as usize] = true;
    table
};

/// `%XX` (uppercase hex) for every byte value, back to back: byte `b`'s escape is
/// `ESCAPES[3 * b..3 * b + 3]`, appended with one `push_str`.
const ESCAPES: &str = {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    const BYTES: [u8; 768] = {
        let mut out = [0u8; 768];
        let mut b = 0;
        while b < 256 {
            out[3 * b] = b'%';
            out[3 * b + 1] = UPPER_HEX[b >> 4];
            out[3 * b + 2] = UPPER_HEX[b & 0xF];
            b += 1;
        }
        out
    };
    match core::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("escapes are ASCII"),
    }
};

/// Is `b` one of `A-Za-z0-9-_.~`?
#[inline]
pub(crate) fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// Bytes checked at once by [`safe_prefix_len`].
const CHUNK: usize = 16;

/// [`UNRESERVED`] (plus `/` when `slash`) as comparisons, which vectorise over a chunk where
/// table lookups do not.
#[inline(always)]
fn is_safe_arith(b: u8, slash: bool) -> bool {
    b.is_ascii_alphanumeric()
        | (b == b'-')
        | (b == b'_')
        | (b == b'.')
        | (b == b'~')
        | (slash & (b == b'/'))
}

/// How many leading bytes of `bytes` stay bare. Whole chunks are tested branch-free first:
/// values such as upload ids and hosts are long runs of unreserved bytes.
#[inline]
fn safe_prefix_len(bytes: &[u8], safe: &[bool; 256], slash: bool) -> usize {
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + CHUNK) {
        if !chunk
            .iter()
            .fold(true, |all, &b| all & is_safe_arith(b, slash))
        {
            break;
        }
        i += CHUNK;
    }
    while i < bytes.len() && safe[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

/// Are all of `N` bytes safe? Branch-free, so it vectorises.
#[inline(always)]
fn chunk_safe<const N: usize>(chunk: &[u8; N], slash: bool) -> bool {
    chunk
        .iter()
        .fold(true, |all, &b| all & is_safe_arith(b, slash))
}

/// The first and the last `N` bytes of `bytes` as arrays; `None` when it is shorter.
#[inline(always)]
fn ends<const N: usize>(bytes: &[u8]) -> Option<(&[u8; N], &[u8; N])> {
    let first = bytes.first_chunk::<N>()?;
    let last = bytes.last_chunk::<N>()?;
    Some((first, last))
}

/// Is every byte of `bytes` safe? Most names and values are, and then the whole input is
/// appended with one `push_str`. Instead of a byte loop for the tail, two possibly
/// overlapping fixed-size windows cover short inputs and the final window of long ones
/// overlaps the last whole chunk: re-testing a few bytes is cheaper than a loop per byte.
#[inline]
fn all_safe(bytes: &[u8], slash: bool) -> bool {
    if bytes.len() >= CHUNK {
        let (chunks, _) = bytes.as_chunks::<CHUNK>();
        let last = bytes.last_chunk::<CHUNK>();
        chunks.iter().all(|c| chunk_safe(c, slash)) && last.is_some_and(|c| chunk_safe(c, slash))
    } else if let Some((a, b)) = ends::<8>(bytes) {
        chunk_safe(a, slash) & chunk_safe(b, slash)
    } else if let Some((a, b)) = ends::<4>(bytes) {
        chunk_safe(a, slash) & chunk_safe(b, slash)
    } else {
        bytes.iter().all(|&b| is_safe_arith(b, slash))
    }
}

/// Appends `input` percent-encoded to `out`, leaving the bytes `safe` marks bare.
#[inline(always)]
fn encode_with(out: &mut String, input: &str, safe: &[bool; 256], slash: bool) {
    // Most names and values need no escape: test the whole input branch-free first (one
    // wasted pass over the inputs that do need one), then copy it with one `push_str`.
    if all_safe(input.as_bytes(), slash) {
        out.push_str(input);
    } else {
        escape_with(out, input, safe, slash);
    }
}

/// [`encode_with`] for an input with at least one byte to escape.
#[inline]
fn escape_with(out: &mut String, input: &str, safe: &[bool; 256], slash: bool) {
    if input.len() < 2 * CHUNK {
        escape_short(out, input, safe);
    } else {
        escape_long(out, input, safe, slash);
    }
}

/// [`escape_with`] for a short input (most signed values, `image/jpeg`): one pass over the
/// bytes, appending each run of safe bytes whole and each other byte as its escape. Cheaper
/// than looking for runs a chunk at a time when there are no whole chunks to skip.
#[inline]
fn escape_short(out: &mut String, input: &str, safe: &[bool; 256]) {
    let mut run_start = 0;
    for (i, &b) in input.as_bytes().iter().enumerate() {
        if safe[usize::from(b)] {
            continue;
        }
        if run_start < i {
            // A run of safe bytes is ASCII, so it starts and ends on char boundaries.
            out.push_str(input.get(run_start..i).unwrap_or_default());
        }
        let at = 3 * usize::from(b);
        out.push_str(&ESCAPES[at..at + 3]);
        run_start = i + 1;
    }
    if let Some(run) = input.get(run_start..).filter(|run| !run.is_empty()) {
        out.push_str(run);
    }
}

/// [`escape_with`] for a long input (object keys with a few spaces): runs of safe bytes are
/// found a chunk at a time.
#[inline]
fn escape_long(out: &mut String, input: &str, safe: &[bool; 256], slash: bool) {
    let bytes = input.as_bytes();
    let mut i = 0;
    loop {
        let run = safe_prefix_len(&bytes[i..], safe, slash);
        if run > 0 {
            // A run of safe bytes is ASCII, so `i..i + run` is on char boundaries.
            out.push_str(&input[i..i + run]);
            i += run;
        }
        let Some(&b) = bytes.get(i) else { break };
        let at = 3 * usize::from(b);
        out.push_str(&ESCAPES[at..at + 3]);
        i += 1;
    }
}

/// Appends `UrlEncode(input)` to `out` (uppercase hex).
#[inline]
pub fn uri_encode_into(out: &mut String, input: &str) {
    encode_with(out, input, &UNRESERVED, false);
}

/// Appends `lower(UrlEncode(input))` to `out`: what the SDKs (Node's
/// `camSafeUrlEncode(key).toLowerCase()`, Python's `quote(k, '-_.~').lower()`, Go's
/// `strings.ToLower(safeURLEncode(k))`) sign as a header or parameter name. ASCII letters are
/// lowercased and the hex digits of escapes come out lowercase too.
#[inline]
pub fn uri_encode_lower_into(out: &mut String, input: &str) {
    let start = out.len();
    uri_encode_into(out, input);
    // Encoded text is ASCII; lowercasing it in place lowercases the letters and the hex digits.
    out[start..].make_ascii_lowercase();
}

/// COS's `UrlEncode`: every byte except `A-Za-z0-9-_.~` becomes `%XX` (uppercase hex).
///
/// ```
/// assert_eq!(cos_sign::encode::uri_encode("a b/c(腾)"), "a%20b%2Fc%28%E8%85%BE%29");
/// ```
pub fn uri_encode(input: &str) -> String {
    let mut out = String::with_capacity(encoded_capacity(input));
    uri_encode_into(&mut out, input);
    out
}

/// [`uri_encode`] that keeps `/` literal: the wire form of an object key in a URL path.
///
/// ```
/// assert_eq!(cos_sign::encode::uri_encode_path("/dir/a b+c"), "/dir/a%20b%2Bc");
/// ```
pub fn uri_encode_path(input: &str) -> String {
    let mut out = String::with_capacity(encoded_capacity(input));
    encode_with(&mut out, input, &PATH_SAFE, true);
    out
}

/// A capacity that fits most encodings without reallocating.
#[inline]
fn encoded_capacity(input: &str) -> usize {
    input.len() + input.len() / 2 + 8
}

/// Why [`uri_decode`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    #[error("invalid percent escape at byte {position}")]
    InvalidEscape {
        /// Byte offset of the `%`.
        position: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("percent-decoded bytes are not valid UTF-8")]
    InvalidUtf8,
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (either hex case). Everything else, `+` included, is kept as is:
/// COS paths and signed values never use `+` for a space.
///
/// ```
/// assert_eq!(cos_sign::encode::uri_decode("a%20b+c%E4%B8%AD").unwrap(), "a b+c中");
/// assert!(cos_sign::encode::uri_decode("%zz").is_err());
/// ```
pub fn uri_decode(input: &str) -> Result<String, DecodeError> {
    let bytes = input.as_bytes();
    if !bytes.contains(&b'%') {
        return Ok(String::from(input));
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(DecodeError::InvalidEscape { position: i }),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_documented_character_set() {
        // The doc's table of printable ASCII that must be encoded.
        for c in " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}".chars() {
            let mut buf = [0u8; 4];
            let encoded = uri_encode(c.encode_utf8(&mut buf));
            assert_eq!(encoded, alloc::format!("%{:02X}", c as u32), "{c:?}");
        }
        let bare = "ABCXYZabcxyz0189-_.~";
        assert_eq!(uri_encode(bare), bare);
        assert_eq!(uri_encode("腾讯云"), "%E8%85%BE%E8%AE%AF%E4%BA%91");
        assert_eq!(uri_encode("😀"), "%F0%9F%98%80");
        assert_eq!(uri_encode(""), "");
    }

    #[test]
    fn lower_variant_lowercases_letters_and_hex() {
        let mut out = String::new();
        uri_encode_lower_into(&mut out, "X-Cos-Meta-É ");
        assert_eq!(out, "x-cos-meta-%c3%89%20");
    }

    #[test]
    fn chunked_scan_agrees_with_the_table() {
        for b in 0..=255u8 {
            assert_eq!(is_safe_arith(b, false), UNRESERVED[usize::from(b)], "{b}");
            assert_eq!(is_safe_arith(b, true), PATH_SAFE[usize::from(b)], "{b}");
        }
        let long = "0123456789abcdefABCDEF-_.~0123456789 x/y0123456789abcdef0123456789abcdef/";
        assert_eq!(
            uri_encode(long),
            "0123456789abcdefABCDEF-_.~0123456789%20x%2Fy0123456789abcdef0123456789abcdef%2F"
        );
        assert_eq!(uri_encode_path(long), long.replace(' ', "%20"));
    }

    #[test]
    fn short_and_long_escapes_agree() {
        let alphabet = ["a", "Z", "9", "-", "~", " ", "/", "%", "é", "中", "😀", "+"];
        for len in 0..70 {
            for seed in 0..alphabet.len() {
                let input: String = (0..len)
                    .map(|i| alphabet[(i * 7 + seed * 3 + i / 5) % alphabet.len()])
                    .collect();
                for (safe, slash) in [(&UNRESERVED, false), (&PATH_SAFE, true)] {
                    let (mut short, mut long) = (String::new(), String::new());
                    escape_short(&mut short, &input, safe);
                    escape_long(&mut long, &input, safe, slash);
                    assert_eq!(short, long, "{input:?}");
                }
            }
        }
    }

    #[test]
    fn all_safe_windows_cover_every_byte() {
        // One unsafe byte at every position of every length up to a few chunks.
        for len in 0..3 * CHUNK + 2 {
            let clean = alloc::vec![b'a'; len];
            assert!(all_safe(&clean, false), "{len}");
            for at in 0..len {
                for bad in [b' ', b'/', 0x80] {
                    let mut bytes = clean.clone();
                    bytes[at] = bad;
                    let expected = bytes.iter().all(|&b| UNRESERVED[usize::from(b)]);
                    assert_eq!(all_safe(&bytes, false), expected, "{len} {at} {bad}");
                    let expected = bytes.iter().all(|&b| PATH_SAFE[usize::from(b)]);
                    assert_eq!(all_safe(&bytes, true), expected, "{len} {at} {bad}");
                }
            }
        }
    }

    #[test]
    fn path_variant_keeps_slashes() {
        assert_eq!(uri_encode_path("/a/b c/中"), "/a/b%20c/%E4%B8%AD");
    }

    #[test]
    fn decode_rejects_bad_escapes_and_bad_utf8() {
        assert_eq!(
            uri_decode("%4"),
            Err(DecodeError::InvalidEscape { position: 0 })
        );
        assert_eq!(
            uri_decode("ab%g1"),
            Err(DecodeError::InvalidEscape { position: 2 })
        );
        assert_eq!(uri_decode("%FF"), Err(DecodeError::InvalidUtf8));
        assert_eq!(uri_decode("%e4%b8%ad").as_deref(), Ok("中"));
    }
}
