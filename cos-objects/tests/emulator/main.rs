//! cos-objects against the emulator (a real HTTP server on loopback that verifies signatures
//! and serves listings, deletes and copies as COS does):
//! - listings of thousands of keys (prefixes, delimiters, unicode and awkward characters)
//!   equal a model, for random key sets and queries;
//! - upload and part listings page through every upload and part;
//! - delete by prefix: a dry run deletes nothing, the real run deletes exactly the prefix,
//!   keys COS refuses are reported one by one;
//! - copies: one PUT Object - Copy with metadata kept or replaced, a multipart copy above the
//!   threshold byte-exact, a failed multipart copy aborted;
//! - the `objects` example: its commands and its JSON summary line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod copy;
mod delete;
mod example;
mod listing;

use bytes::Bytes;
use cos_emulator::{Emulator, RunningEmulator};
use cos_model::ops::PutObject;
use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::{Client, StaticCredentials};
use futures_util::{StreamExt, TryStreamExt, stream};

const ID: &str = "AKIDcosrsOBJECTStest0000000000000000";
const SECRET: &str = "cos-objects-test-secret-key-00000";
const BUCKET: &str = "objects-1250000000";
const REGION: &str = "ap-guangzhou";
const MIB: u64 = 1024 * 1024;

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .credential(ID, SECRET)
        .bucket(BUCKET)
        .region(REGION)
        .seed(7)
        .start()
        .await
        .expect("the emulator starts")
}

fn client_with(emu: &RunningEmulator, credentials: cos_sign::Credentials) -> Client {
    Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::new(credentials))
        .build()
        .unwrap()
}

fn client(emu: &RunningEmulator) -> Client {
    client_with(emu, cos_sign::Credentials::new(ID, SECRET))
}

/// PUTs every key (empty objects), 32 at a time.
async fn put_all<'a>(client: &Client, keys: impl IntoIterator<Item = &'a String>) {
    stream::iter(keys)
        .map(|k| {
            let op = PutObject::new(ObjectKey::new(k.as_str()).unwrap(), Bytes::new());
            async move { client.execute(&op).await.map(|_| ()) }
        })
        .buffer_unordered(32)
        .try_collect::<()>()
        .await
        .expect("the keys are stored");
}

/// Pseudo-random bytes (xorshift), so a misplaced range changes the CRC64.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}
