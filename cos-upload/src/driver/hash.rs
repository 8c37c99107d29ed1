//! Hashing a part (CRC64 always, MD5 when asked) off the async threads, and retry-delay jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use md5::{Digest, Md5};

/// Parts smaller than this are hashed inline; larger ones on a blocking thread.
const INLINE_LIMIT: usize = 256 * 1024;

/// The digests of one part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digests {
    /// CRC-64/XZ.
    pub(crate) crc64: u64,
    /// The raw MD5, when asked for.
    pub(crate) md5: Option<[u8; 16]>,
}

impl Digests {
    /// `Content-MD5`: Base64 of the raw MD5.
    pub(crate) fn content_md5(&self) -> Option<String> {
        self.md5
            .map(|m| base64::engine::general_purpose::STANDARD.encode(m))
    }

    /// The MD5 as lowercase hex (what a part's ETag holds).
    pub(crate) fn md5_hex(&self) -> Option<String> {
        self.md5.map(hex::encode)
    }
}

fn digest_sync(data: &[u8], md5: bool) -> Digests {
    Digests {
        crc64: cos_model::crc64::crc64(data),
        md5: md5.then(|| Md5::digest(data).into()),
    }
}

/// Hashes `data`.
pub(crate) async fn digest(data: Bytes, md5: bool) -> Digests {
    if data.len() <= INLINE_LIMIT {
        return digest_sync(&data, md5);
    }
    let copy = data.clone();
    match tokio::task::spawn_blocking(move || digest_sync(&copy, md5)).await {
        Ok(d) => d,
        // The blocking pool is gone (runtime shutting down): hash here.
        Err(_) => digest_sync(&data, md5),
    }
}

static STATE: AtomicU64 = AtomicU64::new(0);

fn next_random() -> u64 {
    let mut seed = STATE.load(Ordering::Relaxed);
    if seed == 0 {
        seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
    }
    let next = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    STATE.store(next, Ordering::Relaxed);
    // splitmix64
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A delay between half and all of `delay` (so retries of many parts spread out).
pub(crate) fn jitter(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    let half = delay / 2;
    let extra = (next_random() % 1_000_000) as u32;
    half + half.mul_f64(f64::from(extra) / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn digests_match_known_values() {
        let d = digest(Bytes::from_static(b"123456789"), true).await;
        assert_eq!(d.crc64, 11_051_210_869_376_104_954);
        assert_eq!(d.md5_hex().unwrap(), "25f9e794323b453885f5181f1b624d0b");
        assert_eq!(d.content_md5().unwrap(), "JfnnlDI7RTiF9RgfG2JNCw==");
        let big = Bytes::from(vec![b'a'; 1024 * 1024]);
        let d = digest(big, false).await;
        assert_eq!(d.crc64, 6_701_094_182_323_390_671);
        assert_eq!(d.md5, None);
    }

    #[test]
    fn jitter_stays_within_half_and_whole() {
        for _ in 0..1000 {
            let j = jitter(Duration::from_millis(100));
            assert!(
                j >= Duration::from_millis(50) && j <= Duration::from_millis(100),
                "{j:?}"
            );
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
