//! A list killed with SIGKILL and restored, against the local COS emulator. The list runs in
//! a child process (this test binary again, running one of the ignored `child_*` tests) so
//! that the kill is a real one: nothing flushed, nothing aborted, the writer possibly
//! mid-write.
//!
//! - Files done, failed, paused, uploading and waiting when the child is killed come back
//!   with the same ids, in the same order and states (the uploading one paused); started,
//!   every unfinished file is stored byte-exact, without any part COS already had sent
//!   again; a file edited meanwhile fails typed, sends nothing, and deleting it aborts the
//!   multipart upload it left.
//! - A child adding files as fast as it can, killed three times at random moments, always
//!   leaves a state file that restores (the old list or the new one, never a torn one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use cos_emulator::{Emulator, FaultSpec, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey, Region};
use cos_transport::{Body, Client, HyperTransport, StaticCredentials, Transport, TransportResult};
use cos_upload::CosApi;
use cos_upload::api::{list_all_parts, list_all_uploads};
use cos_vod::{
    AddOptions, CosEngine, FailureInfo, FailureKind, FileId, FileSource, FileState, GrantRequest,
    TemporaryKey, UploadGrant, VodEvent, VodUploader, VodUploaderBuilder,
};
use serde_json::Value;

const ID: &str = "AKIDvodRESTARTkey00000000000000000000";
const KEY: &str = "vod-restart-secret-key-0000000000";
const BUCKET: &str = "vodrestart-1250000000";
const REGION: &str = "ap-guangzhou";
const MIB: usize = 1 << 20;

/// The child's environment: the emulator's endpoint and the working directory.
const CHILD_ENDPOINT: &str = "COS_VOD_RESTART_ENDPOINT";
const CHILD_DIR: &str = "COS_VOD_RESTART_DIR";

/// The files of the kill test, in list order, with their sizes.
const FILES: [(&str, usize); 6] = [
    ("done.bin", 100_000),
    ("failed.bin", 100_003),
    ("changed.bin", 5 * MIB + 1),
    ("paused.bin", 5 * MIB + 3),
    ("uploading.bin", 10 * MIB + 5),
    ("waiting.bin", 2 * MIB + 7),
];

async fn emulator(faults: &str) -> RunningEmulator {
    let emu = Emulator::builder()
        .credential(ID, KEY)
        .bucket(BucketName::new(BUCKET).unwrap())
        .region(Region::new(REGION).unwrap())
        .start()
        .await
        .unwrap();
    emu.set_faults(faults.parse::<FaultSpec>().unwrap());
    emu
}

fn checker(endpoint: &str) -> Client {
    Client::builder(Endpoint::path_style(endpoint).unwrap())
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

/// The list of the tests, in the children and in the parent: checkpoints beside the state,
/// 1 MiB parts, 2 at a time, one file at a time.
fn list_builder(
    endpoint: &str,
    dir: &Path,
    transport: Option<Arc<Recorder>>,
) -> VodUploaderBuilder {
    let mut engine = CosEngine::builder()
        .checkpoint_dir(dir.join("checkpoints"))
        .part_size(MIB as u64)
        .parallel(2)
        .progress_interval(Duration::ZERO);
    if let Some(t) = transport {
        engine = engine.transport(t);
    }
    VodUploader::builder(engine.build().unwrap())
        .endpoint(Endpoint::path_style(endpoint).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .region(Region::new(REGION).unwrap())
        .progress_interval(Duration::ZERO)
}

/// Static keys for every file but `refuse`, whose credentials are refused.
fn provider(
    refuse: Option<&'static str>,
) -> impl Fn(GrantRequest) -> std::future::Ready<Result<UploadGrant, FailureInfo>> + Send + Sync + 'static
{
    move |req| {
        std::future::ready(if Some(req.name.as_str()) == refuse {
            Err(FailureInfo::new(
                FailureKind::Credentials,
                "NoGrant",
                "the test's provider refuses this file",
            ))
        } else {
            Ok(UploadGrant::new(TemporaryKey::new(ID, KEY)))
        })
    }
}

/// Records the part numbers of every UploadPart sent, per object key.
struct Recorder {
    inner: HyperTransport,
    parts: Mutex<Vec<(String, u32)>>,
}

impl Transport for Recorder {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        let part = request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("partNumber="))
                .and_then(|n| n.parse::<u32>().ok())
        });
        if let Some(n) = part {
            let key = request.uri().path().rsplit('/').next().unwrap_or("");
            self.parts.lock().unwrap().push((key.to_owned(), n));
        }
        self.inner.send(request).await
    }
}

/// The parts COS holds for each incomplete upload, by object key.
async fn parts_on_cos(api: &dyn CosApi) -> BTreeMap<String, BTreeSet<u32>> {
    let mut out = BTreeMap::new();
    for upload in list_all_uploads(api, "").await.unwrap() {
        let key = ObjectKey::new(&upload.key).unwrap();
        let parts = list_all_parts(api, &key, &upload.upload_id).await.unwrap();
        out.entry(upload.key)
            .or_insert_with(BTreeSet::new)
            .extend(parts.iter().map(|p| p.number.get()));
    }
    out
}

/// `(id, name, state)` of every file in the state file, if it reads.
fn saved_files(state_dir: &Path) -> Option<Vec<(u64, String, String)>> {
    let bytes = std::fs::read(state_dir.join(cos_vod::STATE_FILE_NAME)).ok()?;
    let doc: Value = serde_json::from_slice(&bytes).ok()?;
    doc["files"]
        .as_array()?
        .iter()
        .map(|f| {
            Some((
                f["id"].as_u64()?,
                f["name"].as_str()?.to_owned(),
                f["state"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// This test binary, running the ignored test `name` as a child process.
fn child(name: &str, endpoint: &str, dir: &Path) -> tokio::process::Child {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENDPOINT, endpoint)
        .env(CHILD_DIR, dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn child_env() -> (String, PathBuf) {
    let (Ok(endpoint), Ok(dir)) = (std::env::var(CHILD_ENDPOINT), std::env::var(CHILD_DIR)) else {
        panic!(
            "a child process of the restart tests: run by them, with {CHILD_ENDPOINT} and {CHILD_DIR} set"
        );
    };
    (endpoint, PathBuf::from(dir))
}

async fn next_event(events: &mut cos_vod::EventStream) -> VodEvent {
    tokio::time::timeout(Duration::from_secs(120), events.recv())
        .await
        .expect("no event within 120 s")
        .expect("event stream ended")
}

/// The child of the kill test: adds the files, starts, pauses `changed.bin` and
/// `paused.bin` once they have parts on COS, and runs until it is killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of a_killed_list_comes_back_with_its_ids_states_and_parts"]
async fn child_list() {
    let (endpoint, dir) = child_env();
    let mut restored = list_builder(&endpoint, &dir, None)
        .provider(provider(Some("failed.bin")))
        .restore(dir.join("state"))
        .await
        .unwrap();
    let list = restored.list;
    for (name, _) in FILES {
        list.add_file(
            FileSource::path(dir.join("src").join(name)),
            AddOptions::new(),
        )
        .await
        .unwrap();
    }
    list.start_upload().await.unwrap();
    let mut paused = BTreeSet::new();
    loop {
        if let VodEvent::Progress {
            file, bytes_done, ..
        } = next_event(&mut restored.events).await
            && ["changed.bin", "paused.bin"].contains(&file.name.as_str())
            && bytes_done >= MIB as u64
            && paused.insert(file.id)
        {
            list.pause_file(file.id).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_list_comes_back_with_its_ids_states_and_parts() {
    let emu = emulator("delay=1:300,ops=UploadPart").await;
    let endpoint = emu.endpoint_url();
    let api_client = checker(&endpoint);
    let api: &dyn CosApi = &api_client;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::create_dir(dir.join("src")).unwrap();
    let mut data = BTreeMap::new();
    for (i, (name, len)) in FILES.iter().enumerate() {
        let bytes = content(i, *len);
        std::fs::write(dir.join("src").join(name), &bytes).unwrap();
        data.insert(*name, bytes);
    }

    // The first process, killed once done, failed, paused (twice), uploading (with parts on
    // COS) and waiting files are all in the state file.
    let mut first = child("child_list", &endpoint, dir);
    let wanted: Vec<(u64, String, String)> = FILES
        .iter()
        .zip([
            "Success",
            "Failure",
            "Paused",
            "Paused",
            "Uploading",
            "Ready",
        ])
        .enumerate()
        .map(|(i, ((name, _), state))| (i as u64 + 1, (*name).to_owned(), state.to_owned()))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = first.try_wait().unwrap() {
            let log = std::fs::read_to_string(dir.join("child_list.log")).unwrap_or_default();
            panic!("the child ended ({status}) before the kill:\n{log}");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the child never reached the states; state file: {:?}",
            saved_files(&dir.join("state"))
        );
        let uploading_parts = parts_on_cos(api)
            .await
            .get("uploading.bin")
            .map_or(0, BTreeSet::len);
        if uploading_parts >= 2 && saved_files(&dir.join("state")).as_ref() == Some(&wanted) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.start_kill().unwrap(); // SIGKILL
    assert!(!first.wait().await.unwrap().success());
    let on_cos_at_kill = parts_on_cos(api).await;
    for key in ["changed.bin", "paused.bin", "uploading.bin"] {
        assert!(
            on_cos_at_kill.get(key).is_some_and(|p| !p.is_empty()),
            "{key}: {on_cos_at_kill:?}"
        );
    }
    let saved = std::fs::read_to_string(dir.join("state").join(cos_vod::STATE_FILE_NAME)).unwrap();
    assert!(
        !saved.contains(KEY) && !saved.contains(ID),
        "credentials saved"
    );

    // changed.bin is edited while nothing runs.
    let edited = dir.join("src").join("changed.bin");
    std::fs::File::options()
        .write(true)
        .open(&edited)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000))
        .unwrap();

    // The restart, in this process: same state and checkpoint directories.
    let recorder = Arc::new(Recorder {
        inner: HyperTransport::builder().build().unwrap(),
        parts: Mutex::default(),
    });
    let mut second = list_builder(&endpoint, dir, Some(recorder.clone()))
        .provider(provider(None))
        .restore(dir.join("state"))
        .await
        .unwrap();
    let mut restored = Vec::new();
    for _ in FILES {
        match next_event(&mut second.events).await {
            VodEvent::Restored {
                file, state, error, ..
            } => restored.push((file.id.as_u64(), file.name, state, error.map(|e| e.code))),
            other => panic!("{} among the Restored events", other.name()),
        }
    }
    let expected = [
        (FileState::Success, None),
        (FileState::Failure, Some("NoGrant")),
        (FileState::Failure, Some("SourceChanged")),
        (FileState::Paused, None),
        (FileState::Paused, None), // it was uploading
        (FileState::Ready, None),
    ];
    assert_eq!(
        restored,
        FILES
            .iter()
            .zip(expected)
            .enumerate()
            .map(|(i, ((name, _), (state, code)))| (
                i as u64 + 1,
                (*name).to_owned(),
                state,
                code.map(str::to_owned)
            ))
            .collect::<Vec<_>>()
    );
    let listed = second.list.list_files().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| (s.id.as_u64(), s.state))
            .collect::<Vec<_>>(),
        restored.iter().map(|r| (r.0, r.2)).collect::<Vec<_>>()
    );

    // Started: every unfinished file is finished, but the edited one, which fails typed.
    second.list.start_upload().await.unwrap();
    let mut failed = Vec::new();
    let counts = loop {
        match next_event(&mut second.events).await {
            VodEvent::Failed { file, error } => failed.push((file.id, error.kind, error.code)),
            VodEvent::ListEnded { counts } => break counts,
            _ => {}
        }
    };
    assert_eq!(
        failed,
        vec![(
            FileId::from_raw(3),
            FailureKind::SourceChanged,
            "SourceChanged".to_owned()
        )]
    );
    assert_eq!((counts.total, counts.succeeded, counts.failed), (6, 5, 1));
    for (name, bytes) in &data {
        let head = api.head_object(&ObjectKey::new(*name).unwrap()).await;
        if *name == "changed.bin" {
            assert!(head.is_err(), "the edited file was stored");
            continue;
        }
        let head = head.unwrap();
        assert_eq!(head.size, Some(bytes.len() as u64), "{name}");
        assert_eq!(head.crc64, Some(cos_model::crc64::crc64(bytes)), "{name}");
    }
    // No part COS had before the kill was sent again; nothing of the edited file was sent.
    let sent = recorder.parts.lock().unwrap().clone();
    for key in ["changed.bin", "paused.bin", "uploading.bin"] {
        let again: BTreeSet<u32> = sent
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, n)| *n)
            .collect();
        if key == "changed.bin" {
            assert!(again.is_empty(), "{key}: sent {again:?}");
        }
        assert!(
            again.is_disjoint(&on_cos_at_kill[key]),
            "{key}: COS had {:?}, the restart sent {again:?}",
            on_cos_at_kill[key]
        );
    }
    // Deleting the edited file aborts the multipart upload it left: nothing is left.
    second.list.delete_file(FileId::from_raw(3)).await.unwrap();
    let left = list_all_uploads(api, "").await.unwrap();
    assert!(left.is_empty(), "multipart uploads left: {left:?}");
    second.list.shutdown().await.unwrap();
    emu.shutdown().await;
}

/// The child of the crash-mid-write test: restores the list, then adds small files as fast
/// as it can, so the writer is always replacing the state file, until it is killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the_state_file_survives_kills_mid_write"]
async fn child_writer() {
    let (endpoint, dir) = child_env();
    let restored = list_builder(&endpoint, &dir, None)
        .restore(dir.join("state"))
        .await
        .unwrap();
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for i in restored.list.list_files().await.unwrap().len().. {
        let path = src.join(format!("f{i:06}-{}.bin", "x".repeat(64)));
        std::fs::write(&path, i.to_le_bytes()).unwrap();
        restored
            .list
            .add_file(
                FileSource::path(&path),
                AddOptions::new().user_data("y".repeat(256)),
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_survives_kills_mid_write() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let state = dir.join("state");
    let mut count = 0;
    for (round, wait_ms) in [(0, 700u64), (1, 450), (2, 900)] {
        let mut c = child("child_writer", "http://127.0.0.1:9", dir);
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        assert!(c.try_wait().unwrap().is_none(), "the writer child ended");
        c.start_kill().unwrap(); // SIGKILL, most likely mid-write
        c.wait().await.unwrap();
        // Whatever the moment, the state file reads, and the list only grew.
        let restored = list_builder("http://127.0.0.1:9", dir, None)
            .restore(&state)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let files = restored.list.list_files().await.unwrap();
        assert!(
            files.len() >= count,
            "round {round}: {} < {count}",
            files.len()
        );
        for (i, f) in files.iter().enumerate() {
            assert_eq!(f.id.as_u64(), i as u64 + 1);
            assert!(f.name.starts_with(&format!("f{i:06}-")), "{}", f.name);
            assert_eq!(f.state, FileState::Ready);
        }
        count = files.len();
        restored.list.shutdown().await.unwrap();
        let names: Vec<String> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let mut names = names;
        names.sort();
        assert_eq!(names, ["list.json", "list.lock"], "round {round}");
    }
    assert!(count > 0, "the children never saved a file");
    eprintln!("{count} files in the list after three kills");
}
