//! The list against the local COS emulator: a list of 20 files with cancel/resume, delete
//! while uploading (its multipart upload aborted on the server), pause/resume and a
//! stop/start cycle, every remaining file verified by CRC64; temporary keys expiring
//! mid-file (`TokenExpired`, then `resume_upload_with_sts_token` re-sends only the parts
//! that were in flight); and a crash followed by a restart with the same checkpoint
//! directory resuming the unfinished files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_emulator::{Emulator, FaultSpec, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::{Body, Client, HyperTransport, StaticCredentials, Transport, TransportResult};
use cos_upload::CosApi;
use cos_vod::{
    AddOptions, CosEngine, FailureInfo, FileId, FileSource, FileState, GrantRequest, ListState,
    TemporaryKey, UploadGrant, VodEvent, VodUploader,
};

const ID: &str = "AKIDvodTESTkey000000000000000000000000";
const KEY: &str = "vod-test-secret-key-000000000000";
const BUCKET: &str = "vodlist-1250000000";
const REGION: &str = "ap-guangzhou";
const MIB: usize = 1 << 20;

/// One answered UploadPart: object key, part number, HTTP status, sent after the resume.
type PartRecord = (String, u32, u16, bool);

/// Forwards to hyper and records every UploadPart: (key, part number, status, after the
/// resume) once answered, and (key, part number, after the resume) when sent.
#[derive(Clone)]
struct Recorder {
    inner: Arc<HyperTransport>,
    parts: Arc<Mutex<Vec<PartRecord>>>,
    started: Arc<Mutex<Vec<(String, u32, bool)>>>,
    resumed: Arc<AtomicBool>,
}

impl Recorder {
    fn new() -> Self {
        Self {
            inner: Arc::new(HyperTransport::builder().build().unwrap()),
            parts: Arc::default(),
            started: Arc::default(),
            resumed: Arc::default(),
        }
    }

    fn parts(&self) -> Vec<PartRecord> {
        self.parts.lock().unwrap().clone()
    }
}

impl Transport for Recorder {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let part = request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("partNumber="))
                .and_then(|n| n.parse::<u32>().ok())
        });
        let key = request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned();
        let resumed = self.resumed.load(Ordering::SeqCst);
        if let Some(n) = part {
            self.started.lock().unwrap().push((key.clone(), n, resumed));
        }
        let response = self.inner.send(request).await;
        if let Some(n) = part {
            let status = response.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
            self.parts.lock().unwrap().push((key, n, status, resumed));
        }
        response
    }
}

async fn emulator(faults: &str) -> RunningEmulator {
    let emu = Emulator::builder()
        .credential(ID, KEY)
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .region(cos_model::Region::new(REGION).unwrap())
        .start()
        .await
        .unwrap();
    emu.set_faults(faults.parse::<FaultSpec>().unwrap());
    emu
}

fn checker(emu: &RunningEmulator) -> Client {
    Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::from_keys(ID, KEY))
        .build()
        .unwrap()
}

/// Deterministic, file-specific content.
fn content(seed: usize, len: usize) -> Vec<u8> {
    let mut x = (seed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn write_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn static_provider()
-> impl Fn(GrantRequest) -> std::future::Ready<Result<UploadGrant, FailureInfo>> + Send + Sync + 'static
{
    |_req| std::future::ready(Ok(UploadGrant::new(TemporaryKey::new(ID, KEY))))
}

async fn next_event(events: &mut cos_vod::EventStream) -> VodEvent {
    tokio::time::timeout(Duration::from_secs(120), events.recv())
        .await
        .expect("no event within 120 s")
        .expect("event stream ended")
}

async fn assert_stored(api: &dyn CosApi, key: &str, data: &[u8]) {
    let head = api
        .head_object(&ObjectKey::new(key).unwrap())
        .await
        .unwrap();
    assert_eq!(head.size, Some(data.len() as u64), "{key}");
    assert_eq!(head.crc64, Some(cos_model::crc64::crc64(data)), "{key}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_files_with_cancel_delete_pause_and_stop_start() {
    let emu = emulator("delay=1:120,ops=UploadPart").await;
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = tempfile::tempdir().unwrap();
    let (cancel_i, delete_i, pause_i) = (2usize, 7usize, 11usize);
    let mut files = Vec::new();
    for i in 0..20 {
        let len = if [cancel_i, delete_i, pause_i].contains(&i) {
            6 * MIB + 123
        } else {
            [30_000, 600_000, 3 * MIB / 2, 2 * MIB + 77][i % 4] + i
        };
        let data = content(i, len);
        let name = format!("file{i:02}.bin");
        let path = write_file(dir.path(), &name, &data);
        files.push((name, path, data));
    }
    let engine = CosEngine::builder()
        .checkpoint_dir(checkpoints.path())
        .part_size(MIB as u64)
        .parallel(2)
        .progress_interval(Duration::ZERO)
        .build()
        .unwrap();
    let list = VodUploader::builder(engine)
        .endpoint(cos_model::Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .region(cos_model::Region::new(REGION).unwrap())
        .max_concurrent_files(3)
        .progress_interval(Duration::ZERO)
        .provider(static_provider())
        .spawn();
    let mut events = list.events().await.unwrap();
    let mut ids = Vec::new();
    for (_, path, _) in &files {
        ids.push(
            list.add_file(FileSource::path(path), AddOptions::new())
                .await
                .unwrap(),
        );
    }
    list.start_upload().await.unwrap();

    let api_client = checker(&emu);
    let api: &dyn CosApi = &api_client;
    let (mut canceled, mut deleted, mut paused, mut cycled) = (false, false, false, false);
    let mut succeeded: HashMap<FileId, cos_vod::UploadResult> = HashMap::new();
    let mut terminal: HashMap<FileId, usize> = HashMap::new();
    let counts = loop {
        let ev = next_event(&mut events).await;
        if ev.is_terminal() {
            *terminal.entry(ev.file().unwrap().id).or_default() += 1;
        }
        match &ev {
            VodEvent::Progress {
                file,
                bytes_done,
                bytes_total,
                ..
            } if *bytes_done > 0 && bytes_done < bytes_total => {
                if file.id == ids[cancel_i] && !canceled {
                    canceled = true;
                    list.cancel_file(file.id).await.unwrap();
                    assert_eq!(list.file(file.id).await.unwrap().state, FileState::Canceled);
                    list.resume_file(file.id).await.unwrap();
                } else if file.id == ids[delete_i] && !deleted {
                    deleted = true;
                    list.delete_file(file.id).await.unwrap();
                    // The multipart upload is gone from the server once delete returns.
                    let uploads = cos_upload::api::list_all_uploads(api, "").await.unwrap();
                    assert!(
                        uploads.iter().all(|u| u.key != files[delete_i].0),
                        "{uploads:?}"
                    );
                    assert!(matches!(
                        list.file(file.id).await,
                        Err(cos_vod::VodError::UnknownFile(_))
                    ));
                } else if file.id == ids[pause_i] && !paused {
                    paused = true;
                    list.pause_file(file.id).await.unwrap();
                    assert_eq!(list.file(file.id).await.unwrap().state, FileState::Paused);
                    list.resume_file(file.id).await.unwrap();
                }
            }
            VodEvent::Succeeded { file, result } => {
                succeeded.insert(file.id, result.clone());
                if succeeded.len() == 12 && !cycled {
                    cycled = true;
                    list.stop_upload().await.unwrap();
                    assert_eq!(list.state().await.unwrap(), ListState::Stopped);
                    let snaps = list.list_files().await.unwrap();
                    assert!(snaps.iter().all(|s| s.state != FileState::Uploading));
                    assert!(snaps.iter().any(|s| s.state == FileState::Paused));
                    list.start_upload().await.unwrap();
                }
            }
            VodEvent::Failed { file, error } => panic!("{} failed: {error}", file.name),
            VodEvent::ListEnded { counts } => break *counts,
            _ => {}
        }
    };
    assert!(
        canceled && deleted && paused && cycled,
        "cancel {canceled} delete {deleted} pause {paused} stop/start {cycled}; {counts:?}"
    );
    assert_eq!((counts.total, counts.succeeded), (19, 19), "{counts:?}");
    // Exactly one terminal event per run: the canceled file had two runs, the deleted one
    // ended with its Canceled, the others with one Succeeded.
    assert_eq!(terminal.get(&ids[cancel_i]), Some(&2));
    assert_eq!(terminal.get(&ids[delete_i]), Some(&1));
    for (i, (name, _, data)) in files.iter().enumerate() {
        if i == delete_i {
            let gone = api.head_object(&ObjectKey::new(name).unwrap()).await;
            assert!(gone.is_err(), "deleted file stored");
            continue;
        }
        let result = &succeeded[&ids[i]];
        assert_eq!(result.key, *name);
        assert_eq!(result.crc64, Some(cos_model::crc64::crc64(data)), "{name}");
        assert_stored(api, name, data).await;
    }
    let uploads = cos_upload::api::list_all_uploads(api, "").await.unwrap();
    assert!(uploads.is_empty(), "multipart uploads left: {uploads:?}");
    list.shutdown().await.unwrap();
    emu.shutdown().await;
}

fn to_list_key(k: &cos_emulator::TemporaryKey) -> (String, String, String, SystemTime) {
    (
        k.tmp_secret_id.clone(),
        k.tmp_secret_key.clone(),
        k.session_token.clone(),
        UNIX_EPOCH + Duration::from_secs(u64::try_from(k.expired_time).unwrap()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_file_then_resume_with_sts_token() {
    // 16 parts, 2 at a time, 600 ms each: about 4.8 s of upload. The emulator's keys live
    // their duration less up to 1 s (it issues at a whole second), so a 3 s key ends after
    // 2–3 s: some parts are stored, never all.
    let emu = emulator("delay=1:600,ops=UploadPart").await;
    let dir = tempfile::tempdir().unwrap();
    let data = content(99, 16 * MIB);
    let path = write_file(dir.path(), "long.bin", &data);
    let recorder = Recorder::new();
    let engine = CosEngine::builder()
        .transport(Arc::new(recorder.clone()))
        .checkpoint_dir(dir.path().join("checkpoints"))
        .part_size(MIB as u64)
        .parallel(2)
        .build()
        .unwrap();
    // Push mode: no provider; keys are given when UploadStarted asks.
    let list = VodUploader::builder(engine)
        .endpoint(cos_model::Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .region(cos_model::Region::new(REGION).unwrap())
        .expiry_margin(Duration::ZERO)
        .spawn();
    let mut events = list.events().await.unwrap();
    let id = list
        .add_file(FileSource::path(&path), AddOptions::new())
        .await
        .unwrap();
    list.start_upload().await.unwrap();
    let (mut started, mut expired) = (0, 0);
    loop {
        match next_event(&mut events).await {
            VodEvent::UploadStarted { file, needs_auth } => {
                started += 1;
                assert!(needs_auth);
                let short = emu.issue_temporary_key(Duration::from_secs(3)).unwrap();
                let (i, k, t, exp) = to_list_key(&short);
                list.set_sts_token(file.id, &i, &k, &t, exp).await.unwrap();
            }
            VodEvent::TokenExpired { file } => {
                expired += 1;
                assert_eq!(file.id, id);
                assert_eq!(list.file(id).await.unwrap().state, FileState::AwaitingAuth);
                assert_eq!(list.state().await.unwrap(), ListState::AwaitingAuth);
            }
            VodEvent::ListEnded { counts } => {
                assert_eq!(counts.awaiting_auth, 1);
                break;
            }
            VodEvent::Succeeded { .. } => panic!("the 3 s key outlived a 16-part upload"),
            VodEvent::Failed { error, .. } => panic!("failed instead of expiring: {error}"),
            _ => {}
        }
    }
    assert_eq!((started, expired), (1, 1));
    let acked_before: BTreeSet<u32> = recorder
        .parts()
        .iter()
        .filter(|(_, _, status, _)| *status == 200)
        .map(|(_, n, _, _)| *n)
        .collect();
    assert!(
        !acked_before.is_empty() && acked_before.len() < 16,
        "{acked_before:?}"
    );
    recorder.resumed.store(true, Ordering::SeqCst);
    let fresh = emu.issue_temporary_key(Duration::from_secs(600)).unwrap();
    let (i, k, t, exp) = to_list_key(&fresh);
    assert_eq!(
        list.resume_upload_with_sts_token(None, &i, &k, &t, exp)
            .await
            .unwrap(),
        id
    );
    let result = loop {
        match next_event(&mut events).await {
            VodEvent::UploadStarted { .. } => panic!("a second UploadStarted after new keys"),
            VodEvent::Succeeded { result, .. } => break result,
            VodEvent::Failed { error, .. } => panic!("{error}"),
            _ => {}
        }
    };
    assert_eq!(result.crc64, Some(cos_model::crc64::crc64(&data)));
    let after: Vec<u32> = recorder
        .parts()
        .iter()
        .filter(|(_, _, _, resumed)| *resumed)
        .map(|(_, n, _, _)| *n)
        .collect();
    // No part COS had acknowledged is sent again, none twice; every part that was neither
    // acknowledged nor in flight is sent. (A part cut off in flight may have reached COS:
    // cos-upload then finds it with List Parts, checks its MD5 and keeps it.)
    let after_set: BTreeSet<u32> = after.iter().copied().collect();
    assert_eq!(
        after.len(),
        after_set.len(),
        "a part sent twice after the resume: {after:?}"
    );
    assert!(
        after_set.is_disjoint(&acked_before),
        "{after_set:?} vs {acked_before:?}"
    );
    let in_flight: BTreeSet<u32> = recorder
        .started
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, n, resumed)| !resumed && !acked_before.contains(n))
        .map(|(_, n, _)| *n)
        .collect();
    let must: BTreeSet<u32> = (1..=16)
        .filter(|n| !acked_before.contains(n) && !in_flight.contains(n))
        .collect();
    assert!(
        after_set.is_superset(&must),
        "sent {after_set:?}, acknowledged before {acked_before:?}, in flight {in_flight:?}"
    );
    let api_client = checker(&emu);
    assert_stored(&api_client, "long.bin", &data).await;
    list.shutdown().await.unwrap();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_the_same_checkpoint_dir_resumes_unfinished_files() {
    let emu = emulator("delay=1:150,ops=UploadPart").await;
    let endpoint = emu.endpoint_url();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let mut files = Vec::new();
    for i in 0..3 {
        let data = content(500 + i, 8 * MIB + i);
        let path = write_file(dir.path(), &format!("big{i}.bin"), &data);
        files.push((path, data));
    }
    let recorder = Recorder::new();
    let make_list = |recorder: &Recorder| {
        let engine = CosEngine::builder()
            .transport(Arc::new(recorder.clone()))
            .checkpoint_dir(&checkpoints)
            .part_size(MIB as u64)
            .parallel(2)
            .build()
            .unwrap();
        VodUploader::builder(engine)
            .endpoint(cos_model::Endpoint::path_style(&endpoint.clone()).unwrap())
            .bucket(cos_model::BucketName::new(BUCKET).unwrap())
            .region(cos_model::Region::new(REGION).unwrap())
            .max_concurrent_files(3)
            .provider(static_provider())
    };

    // First "process": its own runtime, dropped without any shutdown once every file has
    // some parts on COS (what a kill does: nothing is flushed, nothing aborted).
    let first = make_list(&recorder);
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let progress_before = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let done = rt.block_on(async move {
            let list = first.spawn();
            let mut events = list.events().await.unwrap();
            for p in &paths {
                list.add_file(FileSource::path(p), AddOptions::new())
                    .await
                    .unwrap();
            }
            list.start_upload().await.unwrap();
            let mut done: HashMap<String, u64> = HashMap::new();
            while done.len() < 3 || done.values().any(|&b| b < 2 * MIB as u64) {
                if let VodEvent::Progress {
                    file, bytes_done, ..
                } = next_event(&mut events).await
                {
                    done.insert(file.name.clone(), bytes_done);
                }
                if let Some(&b) = done.values().max() {
                    assert!(b < 8 * MIB as u64, "a file finished before the kill");
                }
            }
            done
        });
        rt.shutdown_background();
        done
    })
    .join()
    .unwrap();
    let sent_before = recorder.parts().len();

    // Second "process": same checkpoint directory, the same files added again.
    recorder.resumed.store(true, Ordering::SeqCst);
    let list = make_list(&recorder).spawn();
    let mut events = list.events().await.unwrap();
    for (p, _) in &files {
        list.add_file(FileSource::path(p), AddOptions::new())
            .await
            .unwrap();
    }
    list.start_upload().await.unwrap();
    let counts = loop {
        match next_event(&mut events).await {
            VodEvent::Failed { error, .. } => panic!("{error}"),
            VodEvent::ListEnded { counts } => break counts,
            _ => {}
        }
    };
    assert_eq!(counts.succeeded, 3);
    // Every file had parts on COS before the kill; the second run sent none of them again
    // (the checkpoint, reconciled with List Parts, carried them over).
    let parts = recorder.parts();
    for name in progress_before.keys() {
        let acked_before: BTreeSet<u32> = parts
            .iter()
            .filter(|(k, _, status, resumed)| k == name && *status == 200 && !resumed)
            .map(|(_, n, _, _)| *n)
            .collect();
        let sent_after: BTreeSet<u32> = parts
            .iter()
            .filter(|(k, _, _, resumed)| k == name && *resumed)
            .map(|(_, n, _, _)| *n)
            .collect();
        assert!(acked_before.len() >= 2, "{name}: {acked_before:?}");
        assert!(
            sent_after.is_disjoint(&acked_before),
            "{name}: parts {acked_before:?} were on COS, the restart sent {sent_after:?}"
        );
    }
    assert!(sent_before > 0);
    let api_client = checker(&emu);
    let api: &dyn CosApi = &api_client;
    for (path, data) in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_stored(api, name, data).await;
    }
    let uploads = cos_upload::api::list_all_uploads(api, "").await.unwrap();
    assert!(uploads.is_empty(), "multipart uploads left: {uploads:?}");
    list.shutdown().await.unwrap();
    emu.shutdown().await;
}
