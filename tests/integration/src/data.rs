//! Test data: deterministic pseudo-random bodies and the digests COS reports for them.

use base64::Engine as _;
use bytes::Bytes;
use cos_model::ETag;
use md5::{Digest as _, Md5};
use rand::{RngCore as _, SeedableRng as _};

/// `len` pseudo-random bytes, the same for the same `seed`.
pub fn body(len: usize, seed: u64) -> Bytes {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; len];
    rng.fill_bytes(&mut data);
    Bytes::from(data)
}

/// The MD5 digest.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// The quoted-MD5 ETag COS gives a simple upload of `data`.
pub fn etag_of(data: &[u8]) -> ETag {
    ETag::from_md5(md5(data))
}

/// `Content-MD5`: Base64 of the MD5 digest.
pub fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5(data))
}

/// `x-cos-hash-crc64ecma` of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    cos_model::crc64::crc64(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_deterministic_and_distinct() {
        assert_eq!(body(100, 1), body(100, 1));
        assert_ne!(body(100, 1), body(100, 2));
        assert_eq!(body(7, 3).len(), 7);
    }

    #[test]
    fn digests_match_known_values() {
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(
            etag_of(b"").as_unquoted(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(crc64(b"123456789"), 11051210869376104954);
    }
}
