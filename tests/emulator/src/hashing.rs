//! Digests computed while bodies stream in: MD5 (ETags, Content-MD5) and CRC-64/XZ
//! (`x-cos-hash-crc64ecma`), plus the CRC combination used for a completed multipart object.
//!
//! The combination is written here rather than borrowed from cos-model on purpose: the
//! emulator checks clients, so it should not share their code.

use base64::Engine as _;
use md5::{Digest as _, Md5};

/// Streaming MD5 + CRC64 + length of one body.
#[derive(Clone)]
pub struct BodyDigest {
    md5: Md5,
    crc: crc64fast::Digest,
    len: u64,
}

impl std::fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyDigest")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// The digests of a complete body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    /// Binary MD5.
    pub md5: [u8; 16],
    /// CRC-64/XZ.
    pub crc64: u64,
    /// Byte count.
    pub len: u64,
}

impl Default for BodyDigest {
    fn default() -> Self {
        Self::new()
    }
}

impl BodyDigest {
    /// An empty digest.
    pub fn new() -> Self {
        BodyDigest {
            md5: Md5::new(),
            crc: crc64fast::Digest::new(),
            len: 0,
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.crc.write(data);
        self.len += data.len() as u64;
    }

    /// Bytes seen so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Finishes all digests.
    pub fn finish(self) -> Digests {
        let md5: [u8; 16] = self.md5.finalize().into();
        Digests {
            md5,
            crc64: self.crc.sum64(),
            len: self.len,
        }
    }
}

impl Digests {
    /// The quoted hex MD5 ETag of a simple object or a part.
    pub fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}

/// MD5 of a byte string (for small XML bodies).
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// The multipart ETag: MD5 over the concatenated binary part MD5s, `"<hex>-<count>"`.
pub fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut h = Md5::new();
    for m in part_md5s {
        h.update(m);
    }
    let digest: [u8; 16] = h.finalize().into();
    format!("\"{}-{}\"", hex::encode(digest), part_md5s.len())
}

/// Decodes a Content-MD5 header value; `None` when it is not Base64 of 16 bytes.
pub fn parse_content_md5(value: &str) -> Option<[u8; 16]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    bytes.try_into().ok()
}

const POLY: u64 = 0xC96C_5795_D787_0F42;

fn gf2_times(mat: &[u64; 64], mut vec: u64) -> u64 {
    let mut sum = 0;
    let mut i = 0;
    while vec != 0 {
        if vec & 1 != 0 {
            sum ^= mat[i];
        }
        vec >>= 1;
        i += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64; 64], mat: &[u64; 64]) {
    for n in 0..64 {
        square[n] = gf2_times(mat, mat[n]);
    }
}

/// crc(A‖B) from crc(A), crc(B) and len(B) (zlib's GF(2) matrix method, for CRC-64/XZ).
pub fn crc64_combine(mut crc1: u64, crc2: u64, mut len2: u64) -> u64 {
    if len2 == 0 {
        return crc1;
    }
    let mut even = [0u64; 64];
    let mut odd = [0u64; 64];
    odd[0] = POLY;
    let mut row = 1u64;
    for slot in odd.iter_mut().skip(1) {
        *slot = row;
        row <<= 1;
    }
    gf2_square(&mut even, &odd);
    gf2_square(&mut odd, &even);
    loop {
        gf2_square(&mut even, &odd);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crc(data: &[u8]) -> u64 {
        let mut d = BodyDigest::new();
        d.update(data);
        d.finish().crc64
    }

    #[test]
    fn crc64_vectors_from_the_spec() {
        assert_eq!(crc(b""), 0);
        assert_eq!(crc(b"123456789"), 11_051_210_869_376_104_954);
        assert_eq!(crc(b"hello world"), 5_981_764_153_023_615_706);
        assert_eq!(crc(&vec![b'a'; 1 << 20]), 6_701_094_182_323_390_671);
    }

    #[test]
    fn combine_vector_from_the_spec() {
        assert_eq!(crc(b"hello "), 1_796_661_072_844_795_914);
        assert_eq!(crc(b"world"), 4_472_352_582_074_980_600);
        assert_eq!(
            crc64_combine(1_796_661_072_844_795_914, 4_472_352_582_074_980_600, 5),
            5_981_764_153_023_615_706
        );
    }

    #[test]
    fn etags_are_quoted_md5() {
        let mut d = BodyDigest::new();
        d.update(b"ObjectContent");
        let dg = d.finish();
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(dg.md5),
            "mQ/fVh815F3k6TAUm8m0eg=="
        );
        assert_eq!(dg.etag(), "\"990fdf561f35e45de4e930149bc9b47a\"");
        assert_eq!(parse_content_md5("mQ/fVh815F3k6TAUm8m0eg=="), Some(dg.md5));
        assert_eq!(parse_content_md5("nope"), None);
    }

    #[test]
    fn multipart_etag_counts_parts() {
        let e = multipart_etag(&[md5(b"a"), md5(b"b")]);
        assert!(e.starts_with('"') && e.ends_with("-2\""), "{e}");
        assert_eq!(e.len(), 1 + 32 + 2 + 1);
    }

    proptest! {
        #[test]
        fn combine_equals_crc_of_concatenation(a in proptest::collection::vec(any::<u8>(), 0..300),
                                                b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut ab = a.clone();
            ab.extend_from_slice(&b);
            prop_assert_eq!(crc64_combine(crc(&a), crc(&b), b.len() as u64), crc(&ab));
        }
    }
}
