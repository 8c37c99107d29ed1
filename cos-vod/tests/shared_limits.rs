//! Files uploading at once through [`CosEngine`] share ONE cos-upload uploader's limits: with
//! `max_concurrent_files(3)`, the PUT requests in flight across every file never exceed the
//! engine's `total_parts_in_flight`, and their bytes never exceed its `byte_budget` — while
//! each file still signs with its own temporary keys (its own client). Measured on the wire by
//! a counting transport around hyper, against the local COS emulator, so the real cos-upload
//! limiter is what holds the line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_emulator::{Emulator, FaultSpec, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::{Body, Client, HyperTransport, StaticCredentials, Transport, TransportResult};
use cos_upload::CosApi;
use cos_vod::{
    AddOptions, CosEngine, CosEngineBuilder, FileSource, GrantRequest, TemporaryKey, UploadGrant,
    VodEvent, VodUploader,
};

const ID: &str = "AKIDvodLIMITSkey00000000000000000000000";
const KEY: &str = "vod-limits-secret-key-00000000000";
const BUCKET: &str = "vodlimits-1250000000";
const REGION: &str = "ap-guangzhou";
const MIB: usize = 1 << 20;
const FILES: usize = 5;
const FILE_LEN: usize = 4 * MIB;

/// What the counting transport saw.
#[derive(Debug, Default)]
struct Seen {
    /// PUTs in flight now: (object key, body bytes).
    in_flight: Vec<(String, u64)>,
    /// The most PUTs in flight at once.
    max_requests: usize,
    /// The most PUT body bytes in flight at once.
    max_bytes: u64,
    /// The most distinct files with a PUT in flight at once.
    max_files: usize,
    /// The access key ids each object's PUTs were signed with.
    signers: BTreeMap<String, BTreeSet<String>>,
}

/// Forwards to hyper and counts the PUT requests (Upload Part, PUT Object) in flight.
#[derive(Clone)]
struct Counter {
    inner: Arc<HyperTransport>,
    seen: Arc<Mutex<Seen>>,
}

/// Uncounts one PUT when its request is over (answered, failed or dropped).
struct Leave {
    seen: Arc<Mutex<Seen>>,
    key: String,
    bytes: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        let mut s = self.seen.lock().unwrap();
        if let Some(i) = s
            .in_flight
            .iter()
            .position(|(k, b)| *k == self.key && *b == self.bytes)
        {
            s.in_flight.swap_remove(i);
        }
    }
}

impl Counter {
    fn new() -> Self {
        Self {
            inner: Arc::new(HyperTransport::builder().build().unwrap()),
            seen: Arc::default(),
        }
    }

    fn enter(&self, request: &http::Request<Body>) -> Option<Leave> {
        if request.method() != http::Method::PUT {
            return None;
        }
        let key = request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned();
        let bytes = request.body().len();
        let signer = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|a| a.split('&').find_map(|kv| kv.strip_prefix("q-ak=")))
            .unwrap_or("")
            .to_owned();
        let mut s = self.seen.lock().unwrap();
        s.signers.entry(key.clone()).or_default().insert(signer);
        s.in_flight.push((key.clone(), bytes));
        s.max_requests = s.max_requests.max(s.in_flight.len());
        let total: u64 = s.in_flight.iter().map(|(_, b)| b).sum();
        s.max_bytes = s.max_bytes.max(total);
        let files: BTreeSet<&str> = s.in_flight.iter().map(|(k, _)| k.as_str()).collect();
        s.max_files = s.max_files.max(files.len());
        Some(Leave {
            seen: self.seen.clone(),
            key,
            bytes,
        })
    }
}

impl Transport for Counter {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let _leave = self.enter(&request);
        self.inner.send(request).await
    }
}

/// Deterministic, file-specific content.
fn content(seed: usize, len: usize) -> Vec<u8> {
    let mut x = (seed as u64 + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// What one run of the list measured.
#[derive(Debug)]
struct Measured {
    max_requests: usize,
    max_bytes: u64,
    max_files: usize,
}

/// Uploads FILES files of 4 MiB (1 MiB parts, 4 per file in flight) through a list with
/// `max_concurrent_files(3)` and an engine configured by `configure`, each file with its own
/// temporary keys; checks every file is stored with its CRC64 and was signed only with its
/// own keys; returns what the counting transport measured.
async fn run_list(configure: impl FnOnce(CosEngineBuilder) -> CosEngineBuilder) -> Measured {
    let emu: RunningEmulator = Emulator::builder()
        .credential(ID, KEY)
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .region(cos_model::Region::new(REGION).unwrap())
        .start()
        .await
        .unwrap();
    emu.set_faults("delay=1:80,ops=UploadPart".parse::<FaultSpec>().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut keys = HashMap::new();
    for i in 0..FILES {
        let name = format!("limits{i}.bin");
        let data = content(i, FILE_LEN);
        let path = dir.path().join(&name);
        std::fs::write(&path, &data).unwrap();
        let k = emu.issue_temporary_key(Duration::from_secs(3600)).unwrap();
        let key = TemporaryKey::new(k.tmp_secret_id, k.tmp_secret_key)
            .with_security_token(k.session_token)
            .with_expired_time(u64::try_from(k.expired_time).unwrap());
        keys.insert(name.clone(), key);
        files.push((name, path, data));
    }
    let keys = Arc::new(keys);
    let counter = Counter::new();
    let engine = configure(
        CosEngine::builder()
            .transport(Arc::new(counter.clone()))
            .part_size(MIB as u64)
            .parallel(4)
            .progress_interval(Duration::ZERO),
    )
    .build()
    .unwrap();
    let provider_keys = keys.clone();
    let list = VodUploader::builder(engine)
        .endpoint(cos_model::Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .region(cos_model::Region::new(REGION).unwrap())
        .max_concurrent_files(3)
        .provider(move |req: GrantRequest| {
            let key = provider_keys.get(&req.name).cloned();
            std::future::ready(key.map(UploadGrant::new).ok_or_else(|| {
                cos_vod::FailureInfo::new(cos_vod::FailureKind::Other, "NoKey", req.name)
            }))
        })
        .spawn();
    let mut events = list.events().await.unwrap();
    for (_, path, _) in &files {
        list.add_file(FileSource::path(path), AddOptions::new())
            .await
            .unwrap();
    }
    list.start_upload().await.unwrap();
    let counts = loop {
        let ev = tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .expect("no event within 120 s")
            .expect("event stream ended");
        match ev {
            VodEvent::Failed { file, error } => panic!("{} failed: {error}", file.name),
            VodEvent::ListEnded { counts } => break counts,
            _ => {}
        }
    };
    assert_eq!(
        (counts.total, counts.succeeded),
        (FILES, FILES),
        "{counts:?}"
    );

    let checker = Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::from_keys(ID, KEY))
        .build()
        .unwrap();
    let api: &dyn CosApi = &checker;
    let (signers, measured) = {
        let seen = counter.seen.lock().unwrap();
        assert!(seen.in_flight.is_empty(), "{:?}", seen.in_flight);
        let measured = Measured {
            max_requests: seen.max_requests,
            max_bytes: seen.max_bytes,
            max_files: seen.max_files,
        };
        (seen.signers.clone(), measured)
    };
    for (name, _, data) in &files {
        let head = api
            .head_object(&ObjectKey::new(name).unwrap())
            .await
            .unwrap();
        assert_eq!(head.size, Some(data.len() as u64), "{name}");
        assert_eq!(head.crc64, Some(cos_model::crc64::crc64(data)), "{name}");
        // Each file's parts were signed with that file's own temporary key, and only it.
        let own = BTreeSet::from([keys[name].secret_id().to_owned()]);
        assert_eq!(signers.get(name), Some(&own), "{name}");
    }
    list.shutdown().await.unwrap();
    emu.shutdown().await;
    measured
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_files_stay_within_the_shared_part_limit() {
    let m = run_list(|b| b.total_parts_in_flight(2)).await;
    assert_eq!(
        m.max_requests, 2,
        "the shared limit, reached, never exceeded: {m:?}"
    );
    // The files did upload at once (their parts interleave under the one limit).
    assert_eq!(m.max_files, 2, "{m:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_files_stay_within_the_shared_byte_budget() {
    // The part limit would allow 16; the budget holds two 1 MiB parts, not three.
    let budget = (2 * MIB + MIB / 2) as u64;
    let m = run_list(|b| b.total_parts_in_flight(16).byte_budget(budget)).await;
    assert!(m.max_bytes <= budget, "{m:?}");
    assert_eq!(m.max_requests, 2, "{m:?}");
    assert_eq!(m.max_files, 2, "{m:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tight_shared_limit_concurrent_files_exceed_one_files_parts() {
    // The control for the two tests above: the counter does see several files' parts at once
    // (3 files × 4 parts, within the default total of 16).
    let m = run_list(|b| b).await;
    assert!(m.max_requests > 4, "{m:?}");
    assert!(m.max_requests <= 12, "{m:?}");
    assert!(m.max_files >= 2, "{m:?}");
}
