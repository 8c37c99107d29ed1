//! Hashing a part (CRC64 always, MD5 when asked) off the async threads.

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
        self.md5.map(cos_model::options::content_md5_from_digest)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn digests_match_known_values() {
        let d = digest(Bytes::from_static(b"123456789"), true).await;
        assert_eq!(d.crc64, 11_051_210_869_376_104_954);
        assert_eq!(
            cos_model::ETag::from_md5(d.md5.unwrap()).as_unquoted(),
            "25f9e794323b453885f5181f1b624d0b"
        );
        assert_eq!(d.content_md5().unwrap(), "JfnnlDI7RTiF9RgfG2JNCw==");
        let big = Bytes::from(vec![b'a'; 1024 * 1024]);
        let d = digest(big, false).await;
        assert_eq!(d.crc64, 6_701_094_182_323_390_671);
        assert_eq!(d.md5, None);
    }
}
