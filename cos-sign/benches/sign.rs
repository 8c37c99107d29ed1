//! Signing cost against the hashing a COS signature cannot avoid, in one run.
//!
//! Two requests: a typical PUT (host, content-type, content-length, one `x-cos-meta-*`) and an
//! UploadPart (two query parameters). For each:
//! - `sign` — `cos_sign::sign`: SignKey, canonical strings, SHA-1, HMAC, Authorization and
//!   every intermediate value;
//! - `bare_hashing` — only SHA-1 of that HttpString, HMAC-SHA1 (keyed with the SignKey text)
//!   over that StringToSign, and the SignKey HMAC-SHA1 of the KeyTime, computed one after the
//!   other with the `sha1` and `hmac` crates as every SDK does: the floor the issue sets;
//! - `compression_floor` — nothing but the signature's SHA-1 compressions (12 for the PUT, 13
//!   for the UploadPart) on ready-made blocks, in the order and with the dependencies of
//!   `sign`'s schedule, which pairs the SignKey's compressions with the HttpString's (SHA-NI is
//!   bound by latency, so a pair costs little more than one). `sign` minus this is everything
//!   else it does: canonicalising, padding, hex, the buffer;
//! - `signer_cached` — `Signer::sign` with the SignKey (and its keyed HMAC state) computed once;
//! - `bare_hashing_cached_key` — the floor for that: SHA-1 of the HttpString plus the HMAC over
//!   the StringToSign (keying included).
//!
//! The `encode` group compares the hand-written encoder with the `percent-encoding` crate.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, Signer, sign};
use criterion::{Criterion, criterion_group};
use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};

const KEY_TIME: KeyTime = KeyTime::new(1_700_000_000, 1_700_003_600);

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    )
}

const PUT_HEADERS: [(&str, &str); 5] = [
    (
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    ),
    ("Content-Type", "image/jpeg"),
    ("Content-Length", "1048576"),
    ("x-cos-meta-author", "Zhang San"),
    ("User-Agent", "cos-rs/0.1"),
];
const PART_QUERY: [(&str, &str); 2] = [
    ("partNumber", "12"),
    (
        "uploadId",
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
    ),
];
const PART_HEADERS: [(&str, &str); 3] = [
    (
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    ),
    ("Content-Length", "8388608"),
    ("User-Agent", "cos-rs/0.1"),
];

fn hex(bytes: &[u8]) -> [u8; 40] {
    let mut out = [0u8; 40];
    hex::encode_to_slice(bytes, &mut out).unwrap();
    out
}

/// The hashing alone, over the exact strings `sign` builds.
fn bare(
    secret_key: &str,
    key_time: &str,
    http_string: &str,
    string_to_sign: &str,
    with_sign_key: bool,
) -> [u8; 40] {
    let sign_key = if with_sign_key {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret_key.as_bytes()).unwrap();
        mac.update(key_time.as_bytes());
        hex(&mac.finalize().into_bytes())
    } else {
        [b'0'; 40]
    };
    let sha = hex(&Sha1::digest(http_string.as_bytes()));
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&sign_key).unwrap();
    // The StringToSign embeds the SHA-1 just computed; hash the real text of the same length.
    black_box(&sha);
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// SHA-1's initial state.
const SHA1_INITIAL: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The blocks SHA-1 compresses for `message` after `prefix` bytes (HMAC's key block), padding
/// included.
fn padded_blocks(message: &[u8], prefix: usize) -> Vec<[u8; 64]> {
    let mut bytes = message.to_vec();
    bytes.push(0x80);
    while bytes.len() % 64 != 56 {
        bytes.push(0);
    }
    bytes.extend_from_slice(&(((prefix + message.len()) * 8) as u64).to_be_bytes());
    bytes
        .chunks_exact(64)
        .map(|c| c.try_into().unwrap())
        .collect()
}

/// A block whose first bytes are `state` (a digest fed to the next compression), so that the
/// floor keeps the signature's data dependencies.
fn block_of(state: &[u32; 5], template: &[u8; 64]) -> [u8; 64] {
    let mut block = *template;
    for (out, word) in block.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    block
}

/// The blocks of one signature's compressions, prepared beforehand.
struct FloorBlocks {
    key_ipad: [u8; 64],
    key_opad: [u8; 64],
    key_time: [u8; 64],
    digest_pad: [u8; 64],
    http: Vec<[u8; 64]>,
    /// A StringToSign is at most 88 bytes: two blocks with the padding.
    string_to_sign: [[u8; 64]; 2],
    string_to_sign_blocks: usize,
}

impl FloorBlocks {
    fn new(key_time: &str, http_string: &str, string_to_sign: &str) -> Self {
        let key_block = |pad: u8| -> [u8; 64] {
            let mut block = [pad; 64];
            for (b, k) in block.iter_mut().zip(credentials().secret_key().bytes()) {
                *b ^= k;
            }
            block
        };
        Self {
            key_ipad: key_block(0x36),
            key_opad: key_block(0x5c),
            key_time: padded_blocks(key_time.as_bytes(), 64)[0],
            digest_pad: padded_blocks(&[0; 20], 64)[0],
            http: padded_blocks(http_string.as_bytes(), 0),
            string_to_sign: {
                let blocks = padded_blocks(string_to_sign.as_bytes(), 64);
                [blocks[0], *blocks.get(1).unwrap_or(&[0; 64])]
            },
            string_to_sign_blocks: padded_blocks(string_to_sign.as_bytes(), 64).len(),
        }
    }
}

/// The signature's compressions alone, scheduled as `sign` schedules them: keying with the
/// SecretKey, then each SignKey compression beside a block of the HttpString, then the HMAC
/// over the StringToSign (which needs both chains).
fn compression_floor(b: &FloorBlocks) -> [u32; 5] {
    use sha1::block_api::compress;
    let one = core::slice::from_ref;
    let (mut a_in, mut a_out, mut http) = (SHA1_INITIAL, SHA1_INITIAL, SHA1_INITIAL);
    compress(&mut a_in, one(&b.key_ipad));
    compress(&mut a_out, one(&b.key_opad));
    let mut http_blocks = b.http.iter();
    compress(&mut http, http_blocks.next().map(one).unwrap_or_default());
    compress(&mut a_in, one(&b.key_time));
    compress(&mut http, http_blocks.next().map(one).unwrap_or_default());
    compress(&mut a_out, one(&block_of(&a_in, &b.digest_pad)));
    compress(&mut http, http_blocks.next().map(one).unwrap_or_default());
    let sign_key = block_of(&a_out, &b.key_ipad);
    let (mut k_in, mut k_out) = (SHA1_INITIAL, SHA1_INITIAL);
    compress(&mut k_in, one(&sign_key));
    compress(&mut k_out, one(&block_of(&a_out, &b.key_opad)));
    for block in http_blocks {
        compress(&mut http, one(block));
    }
    let mut sts = b.string_to_sign;
    sts[0] = block_of(&http, &sts[0]);
    compress(&mut k_in, &sts[..b.string_to_sign_blocks]);
    compress(&mut k_out, one(&block_of(&k_in, &b.digest_pad)));
    k_out
}

fn bench_request(c: &mut Criterion, name: &str, request: SignableRequest<'_>) {
    let credentials = credentials();
    let signer = Signer::new(&credentials, KEY_TIME).unwrap();
    let reference = sign(&request, &credentials, KEY_TIME, &HeaderPolicy::Default).unwrap();
    let http_string = reference.http_string().to_string();
    let string_to_sign = reference.string_to_sign().to_string();
    let key_time = KEY_TIME.to_string();
    let mut group = c.benchmark_group(name);
    group.bench_function("sign", |b| {
        b.iter(|| {
            sign(
                black_box(&request),
                &credentials,
                KEY_TIME,
                &HeaderPolicy::Default,
            )
            .unwrap()
        })
    });
    group.bench_function("bare_hashing", |b| {
        b.iter(|| {
            bare(
                credentials.secret_key(),
                &key_time,
                black_box(&http_string),
                &string_to_sign,
                true,
            )
        })
    });
    let floor = FloorBlocks::new(&key_time, &http_string, &string_to_sign);
    group.bench_function("compression_floor", |b| {
        b.iter(|| compression_floor(black_box(&floor)))
    });
    group.bench_function("signer_cached", |b| {
        b.iter(|| {
            signer
                .sign(black_box(&request), &HeaderPolicy::Default)
                .unwrap()
        })
    });
    group.bench_function("bare_hashing_cached_key", |b| {
        b.iter(|| {
            bare(
                credentials.secret_key(),
                &key_time,
                black_box(&http_string),
                &string_to_sign,
                false,
            )
        })
    });
    group.finish();
}

fn signing(c: &mut Criterion) {
    bench_request(
        c,
        "put_object",
        SignableRequest::new("PUT", "/photos/2024/holiday/IMG_0001.jpg").with_headers(&PUT_HEADERS),
    );
    bench_request(
        c,
        "upload_part",
        SignableRequest::new("PUT", "/videos/2024/big file.mp4")
            .with_query(&PART_QUERY)
            .with_headers(&PART_HEADERS),
    );
}

/// `UrlEncode` with the `percent-encoding` crate, for comparison.
const COS_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encoding(c: &mut Criterion) {
    let values = [
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        "image/jpeg",
        "1048576",
        "Zhang San 张三",
        "attachment; filename=\"x y.txt\"",
    ];
    for v in values {
        let mut ours = String::new();
        cos_sign::encode::uri_encode_into(&mut ours, v);
        assert_eq!(
            ours,
            percent_encoding::utf8_percent_encode(v, COS_SET).to_string()
        );
    }
    let mut group = c.benchmark_group("encode");
    group.bench_function("hand_written", |b| {
        let mut out = String::with_capacity(256);
        b.iter(|| {
            out.clear();
            for v in black_box(&values) {
                cos_sign::encode::uri_encode_into(&mut out, v);
            }
            out.len()
        })
    });
    group.bench_function("percent_encoding_crate", |b| {
        let mut out = String::with_capacity(256);
        b.iter(|| {
            out.clear();
            for v in black_box(&values) {
                out.extend(percent_encoding::utf8_percent_encode(v, COS_SET));
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, signing, encoding);

/// Per-call nanoseconds of each closure: interleaved batches, the fastest batch of each kept.
/// The machine is shared, so the minimum over many short interleaved batches is the stable
/// figure; criterion's estimates above can drift with the neighbours' load.
fn interleaved_min(
    variants: &mut [(&str, &mut dyn FnMut())],
    rounds: usize,
    batch: u32,
) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; variants.len()];
    for _ in 0..rounds {
        for (i, (_, run)) in variants.iter_mut().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..batch {
                run();
            }
            best[i] = best[i].min(start.elapsed().as_nanos() as f64 / f64::from(batch));
        }
    }
    best
}

/// The ratios the issue asks for, from interleaved minimums.
fn ratio_report() {
    let credentials = credentials();
    let signer = Signer::new(&credentials, KEY_TIME).unwrap();
    let key_time = KEY_TIME.to_string();
    let requests = [
        (
            "put_object",
            SignableRequest::new("PUT", "/photos/2024/holiday/IMG_0001.jpg")
                .with_headers(&PUT_HEADERS),
        ),
        (
            "upload_part",
            SignableRequest::new("PUT", "/videos/2024/big file.mp4")
                .with_query(&PART_QUERY)
                .with_headers(&PART_HEADERS),
        ),
    ];
    println!("\ninterleaved minimum per call (ns), 2000 rounds x 100 calls:");
    for (name, request) in requests {
        let reference = sign(&request, &credentials, KEY_TIME, &HeaderPolicy::Default).unwrap();
        let (http_string, string_to_sign) = (reference.http_string(), reference.string_to_sign());
        let secret = credentials.secret_key();
        let mut a = || {
            drop(black_box(sign(
                black_box(&request),
                &credentials,
                KEY_TIME,
                &HeaderPolicy::Default,
            )))
        };
        let mut b = || {
            black_box(bare(
                secret,
                &key_time,
                black_box(http_string),
                string_to_sign,
                true,
            ));
        };
        let mut c = || {
            drop(black_box(
                signer.sign(black_box(&request), &HeaderPolicy::Default),
            ))
        };
        let mut d = || {
            black_box(bare(
                secret,
                &key_time,
                black_box(http_string),
                string_to_sign,
                false,
            ));
        };
        let floor = FloorBlocks::new(&key_time, http_string, string_to_sign);
        let mut e = || {
            black_box(compression_floor(black_box(&floor)));
        };
        let mut variants: [(&str, &mut dyn FnMut()); 5] = [
            ("sign", &mut a),
            ("bare_hashing", &mut b),
            ("signer_cached", &mut c),
            ("bare_hashing_cached_key", &mut d),
            ("compression_floor", &mut e),
        ];
        let t = interleaved_min(&mut variants, 2000, 100);
        println!(
            "{name}: sign {:.0} / bare_hashing {:.0} = {:.2}x; signer_cached {:.0} / bare_hashing_cached_key {:.0} = {:.2}x; signer_cached / bare_hashing = {:.2}x; sign - compression_floor {:.0} = {:.0} ns besides compressing",
            t[0],
            t[1],
            t[0] / t[1],
            t[2],
            t[3],
            t[2] / t[3],
            t[2] / t[1],
            t[4],
            t[0] - t[4]
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--bench") {
        ratio_report();
    }
}
