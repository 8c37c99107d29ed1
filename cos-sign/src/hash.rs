//! The hashing primitives of the signature: SHA-1, HMAC-SHA1 and lowercase hex, without
//! heap allocation.
//!
//! SHA-1's compression function comes from the `sha1` crate (which picks SHA-NI when the CPU
//! has it); the padding and the HMAC construction (RFC 2104) around it are done here rather
//! than through `digest`'s streaming `Sha1`/`Hmac` types, for one reason: the signer issues
//! the compressions of independent chains one at a time, interleaved (see [`SignKeySteps`]),
//! and a streaming `finalize` cannot be split that way. Every message is one contiguous
//! slice, so whole blocks are compressed in place and only the tail is copied for padding.
//! The tests check everything against the `sha1` and `hmac` crates, at every padding
//! boundary and key length.

use sha1::block_api::compress;

use crate::key_time::KeyTimeText;
use zeroize::Zeroize;

/// Bytes per SHA-1 block.
const BLOCK: usize = 64;

/// The five chaining words of SHA-1.
type State = [u32; 5];

/// SHA-1's initial state (FIPS 180-4 §5.3.1).
const INITIAL: State = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// Lowercase hex of a SHA-1 / HMAC-SHA1 output.
pub(crate) type Hex40 = [u8; 40];

/// Bytes derived from a secret, wiped on drop.
///
/// Not `zeroize::Zeroizing<[u8; N]>`: `zeroize` wipes an array with one volatile store per
/// byte, a slice in bulk (a fill the optimiser must keep). A signature wipes about 300 bytes
/// (key blocks, digests, the SignKey), so the wipe goes through the slice.
#[derive(Clone)]
pub(crate) struct Wiped<const N: usize>(pub(crate) [u8; N]);

impl<const N: usize> Drop for Wiped<N> {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

impl<const N: usize> core::ops::Deref for Wiped<N> {
    type Target = [u8; N];
    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

/// Wipes a chaining state derived from a secret (in bulk, as [`Wiped`] does).
fn wipe_state(state: &mut State) {
    state.as_mut_slice().zeroize();
}

/// Continues SHA-1 from `state` (which has absorbed `absorbed` bytes, a whole number of
/// blocks) over `message` and finishes it: the whole blocks of `message` are compressed in
/// place, only the tail and the padding are copied. `wipe` clears the copy of the tail and the
/// working state afterwards, for a secret message or a keyed `state` (the padding around the
/// tail is public).
fn finish(mut state: State, absorbed: usize, message: &[u8], wipe: bool) -> [u8; 20] {
    let (blocks, tail) = message.as_chunks::<BLOCK>();
    compress(&mut state, blocks);
    // The tail (< 64 bytes), 0x80, zeros, and the length in bits: one block, or two when the
    // tail leaves fewer than 8 bytes for the length.
    let mut padding = [[0u8; BLOCK]; 2];
    let used = if tail.len() < BLOCK - 8 { 1 } else { 2 };
    let bytes = padding.as_flattened_mut();
    bytes[..tail.len()].copy_from_slice(tail);
    bytes[tail.len()] = 0x80;
    let bits = ((absorbed + message.len()) as u64).wrapping_mul(8);
    bytes[used * BLOCK - 8..used * BLOCK].copy_from_slice(&bits.to_be_bytes());
    compress(&mut state, &padding[..used]);
    if wipe {
        padding.as_flattened_mut()[..tail.len()].zeroize();
    }
    let mut digest = [0u8; 20];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    if wipe {
        wipe_state(&mut state);
    }
    digest
}

/// SHA-1(`data`).
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    finish(INITIAL, 0, data, false)
}

/// HMAC-SHA1 (RFC 2104) with its key absorbed: the states after `key ⊕ ipad` and
/// `key ⊕ opad`. Both are as good as the key, so they are wiped on drop and never printed.
#[derive(Clone)]
pub(crate) struct HmacSha1 {
    inner: State,
    outer: State,
}

impl Drop for HmacSha1 {
    fn drop(&mut self) {
        wipe_state(&mut self.inner);
        wipe_state(&mut self.outer);
    }
}

impl HmacSha1 {
    /// HMAC-SHA1 keyed with `key` (keys longer than a block are hashed first, as RFC 2104
    /// says).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = Wiped([0u8; BLOCK]);
        if key.len() > BLOCK {
            let digest = Wiped(finish(INITIAL, 0, key, true));
            block.0[..20].copy_from_slice(&*digest);
        } else {
            block.0[..key.len()].copy_from_slice(key);
        }
        let mut inner = INITIAL;
        block.0.iter_mut().for_each(|b| *b ^= 0x36);
        compress(&mut inner, core::slice::from_ref(&block.0));
        let mut outer = INITIAL;
        // From `key ⊕ ipad` to `key ⊕ opad` in place.
        block.0.iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        compress(&mut outer, core::slice::from_ref(&block.0));
        Self { inner, outer }
    }

    /// The MAC of `message` (a public one: the KeyTime, a StringToSign). The keyed working
    /// states and the inner digest are wiped.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; 20] {
        let inner = Wiped(finish(self.inner, BLOCK, message, true));
        finish(self.outer, BLOCK, &*inner, true)
    }
}

/// SHA-1 over one message, a block per call of [`step`](Self::step), so that the
/// compressions of an independent chain can be issued between them.
struct Sha1Steps<'a> {
    state: State,
    absorbed: usize,
    rest: &'a [u8],
}

impl<'a> Sha1Steps<'a> {
    fn new(message: &'a [u8]) -> Self {
        Self {
            state: INITIAL,
            absorbed: 0,
            rest: message,
        }
    }

    /// Compresses the next whole block, if there is one before the tail.
    #[inline]
    fn step(&mut self) {
        if let Some((block, rest)) = self.rest.split_first_chunk::<BLOCK>() {
            compress(&mut self.state, core::slice::from_ref(block));
            self.absorbed += BLOCK;
            self.rest = rest;
        }
    }

    /// The digest: the remaining blocks, the tail and the padding.
    fn finish(self) -> [u8; 20] {
        finish(self.state, self.absorbed, self.rest, false)
    }
}

/// The SignKey of a one-off signature and the HMAC keyed with it, their compressions
/// interleaved with those of the HttpString's SHA-1.
///
/// SHA-1 with SHA-NI is bound by the latency of its rounds, not by throughput: a core runs two
/// independent compressions in about the time of one (19 against 36 ns per block on the
/// development machine). The SignKey does not depend on the request and the SHA-1 of the
/// HttpString does not depend on the SignKey, so the signer keys HMAC with the SecretKey
/// before it canonicalises the request ([`start`](Self::start): two independent
/// compressions), then [`finish_with_sha1`](Self::finish_with_sha1) pairs each remaining
/// SignKey compression with a block of the HttpString. The result is bit for bit the
/// sequential one.
pub(crate) struct SignKeySteps {
    /// HMAC-SHA1 keyed with the SecretKey.
    secret: HmacSha1,
    /// Copied (at most 41 bytes) so that the steps borrow nothing.
    key_time: KeyTimeText,
}

/// What a signature needs from its window: the SignKey text (a secret) and the HMAC keyed
/// with it.
pub(crate) struct KeyedWindow {
    pub(crate) sign_key: Wiped<40>,
    pub(crate) keyed: HmacSha1,
}

impl SignKeySteps {
    /// Keys HMAC-SHA1 with `secret_key` (two independent compressions), for the window
    /// `key_time`.
    pub(crate) fn start(secret_key: &str, key_time: KeyTimeText) -> Self {
        Self {
            secret: HmacSha1::new(secret_key.as_bytes()),
            key_time,
        }
    }

    /// The window's `start;end` text.
    pub(crate) fn key_time_text(&self) -> KeyTimeText {
        self.key_time
    }

    /// The SignKey and its keyed HMAC.
    pub(crate) fn finish(self) -> KeyedWindow {
        let inner = self.inner_digest();
        let sign_key = self.sign_key(&inner);
        let keyed = HmacSha1::new(&*sign_key);
        KeyedWindow { sign_key, keyed }
    }

    /// [`finish`](Self::finish) and SHA-1(`message`), each compression of the one issued
    /// next to a block of the other.
    pub(crate) fn finish_with_sha1(self, message: &[u8]) -> (KeyedWindow, [u8; 20]) {
        let mut sha1 = Sha1Steps::new(message);
        sha1.step();
        let inner = self.inner_digest();
        sha1.step();
        let sign_key = self.sign_key(&inner);
        sha1.step();
        let keyed = HmacSha1::new(&*sign_key);
        (KeyedWindow { sign_key, keyed }, sha1.finish())
    }

    /// HMAC-SHA1's inner digest over the KeyTime.
    fn inner_digest(&self) -> Wiped<20> {
        Wiped(finish(
            self.secret.inner,
            BLOCK,
            self.key_time.as_bytes(),
            true,
        ))
    }

    /// hex HMAC-SHA1(SecretKey, KeyTime), from the inner digest.
    fn sign_key(&self, inner: &Wiped<20>) -> Wiped<40> {
        let mac = Wiped(finish(self.secret.outer, BLOCK, &**inner, true));
        Wiped(hex40(&mac))
    }
}

/// The two lowercase hex digits of every byte value.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [DIGITS[b >> 4], DIGITS[b & 0xF]];
        b += 1;
    }
    table
};

/// Lowercase hex of a 20-byte digest.
#[inline]
fn hex40(bytes: &[u8; 20]) -> Hex40 {
    let mut hex = [0u8; 40];
    for (out, &b) in hex.chunks_exact_mut(2).zip(bytes) {
        out.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
    hex
}

/// Appends the lowercase hex of a 20-byte digest to `out`: written into an array first, then
/// appended with one `push_str` (measured faster than 40 single-character pushes).
pub(crate) fn push_hex(out: &mut alloc::string::String, bytes: &[u8; 20]) {
    out.push_str(hex_str(&hex40(bytes)));
}

/// Lowercase hex of SHA-1(`data`).
pub(crate) fn sha1_hex(data: &[u8]) -> Hex40 {
    hex40(&sha1(data))
}

/// SignKey = hex HMAC-SHA1(SecretKey, KeyTime), wiped on drop.
#[cfg(test)]
fn sign_key(secret_key: &str, key_time: crate::KeyTime) -> Wiped<40> {
    SignKeySteps::start(secret_key, key_time.text())
        .finish()
        .sign_key
}

/// The 40 hex digits as text.
pub(crate) fn hex_str(hex: &Hex40) -> &str {
    // Only `0-9a-f` are ever written.
    core::str::from_utf8(hex).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // RFC 3174 "abc"; RFC 2202 HMAC-SHA1 test case 2.
        assert_eq!(
            hex_str(&sha1_hex(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex_str(&hex40(
                &HmacSha1::new(b"Jefe").mac(b"what do ya want for nothing?")
            )),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    /// Every message length around the one- and two-block padding boundaries, against the
    /// `sha1` crate.
    #[test]
    fn sha1_matches_the_sha1_crate_at_every_padding_boundary() {
        use sha1::Digest;
        let data: alloc::vec::Vec<u8> = (0..300u32).map(|i| (i * 131 % 251) as u8).collect();
        for len in 0..data.len() {
            let expected: [u8; 20] = sha1::Sha1::digest(&data[..len]).into();
            assert_eq!(sha1(&data[..len]), expected, "length {len}");
        }
    }

    /// Keys of every length up to past a block (hashed first) and messages across the
    /// padding boundaries, against the `hmac` crate.
    #[test]
    fn hmac_matches_the_hmac_crate_for_every_key_length() {
        use hmac::{KeyInit, Mac};
        let data: alloc::vec::Vec<u8> = (0..200u32).map(|i| (i * 197 % 253) as u8).collect();
        for key_len in 0..=130 {
            let key = &data[..key_len];
            let ours = HmacSha1::new(key);
            for msg_len in [0, 1, 20, 41, 55, 56, 63, 64, 65, 68, 119, 120, 128, 199] {
                let msg = &data[data.len() - msg_len..];
                let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
                mac.update(msg);
                let expected: [u8; 20] = mac.finalize().into_bytes().into();
                assert_eq!(ours.mac(msg), expected, "key {key_len}, message {msg_len}");
            }
        }
    }

    #[test]
    fn interleaved_sign_key_matches_the_hmac_crate() {
        use hmac::{KeyInit, Mac};
        let hmac_hex = |key: &[u8], msg: &[u8]| {
            let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
            mac.update(msg);
            hex::encode(mac.finalize().into_bytes())
        };
        let window = crate::KeyTime::new(1557989151, 1557996351).text();
        for secret in [
            "",
            "k",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            &"s".repeat(100),
        ] {
            let sign_key = hmac_hex(secret.as_bytes(), b"1557989151;1557996351");
            let sts = b"sha1\n1557989151;1557996351\n0123456789abcdef0123456789abcdef01234567\n";
            let alone = SignKeySteps::start(secret, window).finish();
            assert_eq!(hex_str(&alone.sign_key), sign_key);
            assert_eq!(
                hex::encode(alone.keyed.mac(sts)),
                hmac_hex(sign_key.as_bytes(), sts)
            );
            // Messages of fewer, as many and more blocks than there are SignKey steps.
            for len in [0, 63, 64, 130, 192, 300] {
                let message = secret.repeat(3).into_bytes().into_iter().cycle().take(len);
                let message: alloc::vec::Vec<u8> = message.collect();
                let (window, digest) =
                    SignKeySteps::start(secret, window).finish_with_sha1(&message);
                assert_eq!(digest, sha1(&message), "len {len}");
                assert_eq!(hex_str(&window.sign_key), sign_key);
            }
        }
    }

    proptest::proptest! {
        /// Any key, any window, any message: the same bytes as the
        /// `hmac` and `sha1` crates computing sequentially.
        #[test]
        fn hmac_and_interleaved_chains_match_the_crates(
            key in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..150),
            start in proptest::prelude::any::<u64>(),
            end in proptest::prelude::any::<u64>(),
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            use hmac::{KeyInit, Mac};
            use sha1::Digest;
            let reference = |key: &[u8], msg: &[u8]| -> [u8; 20] {
                let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
                mac.update(msg);
                mac.finalize().into_bytes().into()
            };
            proptest::prop_assert_eq!(HmacSha1::new(&key).mac(&message), reference(&key, &message));
            // The SignKey path takes a text key; use the bytes as Latin-1-ish text.
            let secret: alloc::string::String = key.iter().map(|&b| char::from(b'a' + b % 26)).collect();
            let key_time = crate::KeyTime::new(start, end).text();
            let (window, digest) = SignKeySteps::start(&secret, key_time).finish_with_sha1(&message);
            let expected: [u8; 20] = sha1::Sha1::digest(&message).into();
            proptest::prop_assert_eq!(digest, expected);
            let sign_key = hex40(&reference(secret.as_bytes(), key_time.as_bytes()));
            proptest::prop_assert_eq!(*window.sign_key, sign_key);
            proptest::prop_assert_eq!(window.keyed.mac(&message), reference(&sign_key, &message));
        }
    }

    #[test]
    fn hex_matches_the_hex_crate_for_every_byte() {
        for first in (0..=255u8).step_by(20) {
            let bytes: [u8; 20] = core::array::from_fn(|i| first.wrapping_add(i as u8));
            assert_eq!(hex40(&bytes).as_slice(), hex::encode(bytes).as_bytes());
        }
    }

    #[test]
    fn hex_digits_match_the_hex_crate() {
        for seed in 0u8..=12 {
            let bytes: [u8; 20] =
                core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ seed.wrapping_mul(91));
            let mut out = alloc::string::String::from("x");
            push_hex(&mut out, &bytes);
            assert_eq!(out, alloc::format!("x{}", hex::encode(bytes)));
        }
    }

    #[test]
    fn d1_sign_key() {
        let key = sign_key(
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            crate::KeyTime::new(1557989151, 1557996351),
        );
        assert_eq!(hex_str(&key), "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
    }
}
