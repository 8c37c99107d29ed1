//! CRC-64/XZ, the algorithm of COS's `x-cos-hash-crc64ecma`, with `combine` for concatenations.
//!
//! Parameters: reflected polynomial `0xC96C5795D7870F42` (ECMA-182), init and xorout all ones.
//! The header carries the value as an unsigned decimal. The bulk computation is `crc64fast`
//! (SIMD); [`combine`] is zlib's GF(2) matrix method (as Go's `CRC64Combine`), so the CRC of a
//! whole multipart object can be checked from the parts' CRCs and lengths alone.

use std::fmt;

/// The reflected ECMA-182 polynomial.
pub const POLY: u64 = 0xC96C_5795_D787_0F42;

/// The CRC-64/XZ of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    let mut d = crc64fast::Digest::new();
    d.write(data);
    d.sum64()
}

/// A streaming CRC-64/XZ: `new`, `update`…, `finish`.
#[derive(Clone)]
pub struct Crc64 {
    digest: crc64fast::Digest,
    len: u64,
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc64 {
    /// A fresh checksum (of nothing: `finish()` is 0).
    pub fn new() -> Self {
        Self {
            digest: crc64fast::Digest::new(),
            len: 0,
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.digest.write(data);
        self.len += data.len() as u64;
    }

    /// The CRC of everything fed so far (the checksum can be fed further afterwards).
    pub fn finish(&self) -> u64 {
        self.digest.sum64()
    }

    /// How many bytes were fed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crc64")
            .field("crc", &self.finish())
            .field("len", &self.len)
            .finish()
    }
}

/// `crc64(A ‖ B)` from `crc_a = crc64(A)`, `crc_b = crc64(B)` and `len_b = B.len()`.
///
/// ```
/// use cos_model::crc64::{combine, crc64};
/// assert_eq!(combine(crc64(b"hello "), crc64(b"world"), 5), crc64(b"hello world"));
/// ```
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    // odd: the operator for one zero bit; even: for two.
    let mut odd = [0u64; 64];
    odd[0] = POLY;
    let mut row = 1u64;
    for slot in odd.iter_mut().skip(1) {
        *slot = row;
        row <<= 1;
    }
    let mut even = [0u64; 64];
    gf2_square(&mut even, &odd); // 2 zero bits
    gf2_square(&mut odd, &even); // 4 zero bits
    let mut crc = crc_a;
    let mut len = len_b;
    loop {
        // Apply len's lowest bit as 8, 16, 32, … zero bits (one byte per bit at first).
        gf2_square(&mut even, &odd);
        if len & 1 != 0 {
            crc = gf2_times(&even, crc);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len & 1 != 0 {
            crc = gf2_times(&odd, crc);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
    }
    crc ^ crc_b
}

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
    for (s, m) in square.iter_mut().zip(mat.iter()) {
        *s = gf2_times(mat, *m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn protocol_vectors() {
        // shared/spec/cos-protocol.md, "CRC64 (`x-cos-hash-crc64ecma`)".
        assert_eq!(crc64(b""), 0);
        assert_eq!(crc64(b"123456789"), 11_051_210_869_376_104_954);
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64(b"hello world"), 5_981_764_153_023_615_706);
        assert_eq!(crc64(&vec![b'a'; 1_048_576]), 6_701_094_182_323_390_671);
        assert_eq!(crc64(b"hello "), 1_796_661_072_844_795_914);
        assert_eq!(crc64(b"world"), 4_472_352_582_074_980_600);
        assert_eq!(
            combine(1_796_661_072_844_795_914, 4_472_352_582_074_980_600, 5),
            5_981_764_153_023_615_706
        );
    }

    #[test]
    fn streaming_matches_one_shot() {
        let mut c = Crc64::new();
        assert!(c.is_empty());
        c.update(b"hello");
        c.update(b" ");
        c.update(b"world");
        assert_eq!(c.finish(), 5_981_764_153_023_615_706);
        assert_eq!(c.len(), 11);
        assert_eq!(combine(123, 456, 0), 123);
    }

    proptest! {
        #[test]
        fn combine_is_crc_of_concatenation(a in proptest::collection::vec(any::<u8>(), 0..2000),
                                           b in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut ab = a.clone();
            ab.extend_from_slice(&b);
            prop_assert_eq!(combine(crc64(&a), crc64(&b), b.len() as u64), crc64(&ab));
        }
    }
}
