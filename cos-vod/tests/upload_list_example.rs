//! The `upload_list` example with `--state-dir`, as other tools drive it: killed (SIGKILL)
//! with one file stored, one uploading and one waiting, then run again with the same
//! directory and no file arguments, it restores the list (one `Restored` line per file, with
//! the `file_id` of the first run), starts it, finishes every unfinished file and exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_emulator::{Emulator, FaultSpec, RunningEmulator};
use cos_model::{BucketName, Endpoint, ObjectKey, Region};
use cos_transport::{Client, StaticCredentials};
use cos_upload::CosApi;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

const ID: &str = "AKIDvodEXAMPLEkey00000000000000000000";
const KEY: &str = "vod-example-secret-key-0000000000";
const BUCKET: &str = "vodexample-1250000000";
const REGION: &str = "ap-guangzhou";
const MIB: usize = 1 << 20;

async fn emulator() -> RunningEmulator {
    let emu = Emulator::builder()
        .credential(ID, KEY)
        .bucket(BucketName::new(BUCKET).unwrap())
        .region(Region::new(REGION).unwrap())
        .start()
        .await
        .unwrap();
    // Slow parts: the kill lands while the big file uploads.
    emu.set_faults("delay=1:1500,ops=UploadPart".parse::<FaultSpec>().unwrap());
    emu
}

/// The example binary: `cargo test` builds it beside this test's executable; when only this
/// test target was built, it is built here with the same cargo.
fn example_binary() -> PathBuf {
    static BUILT: Mutex<()> = Mutex::new(());
    let _guard = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    let debug_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = debug_dir
        .join("examples")
        .join(format!("upload_list{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-p", "cos-vod", "--example", "upload_list"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the example failed");
    }
    assert!(bin.is_file(), "{} is missing", bin.display());
    bin
}

fn example(emu: &RunningEmulator, state: &Path, files: &[PathBuf]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(example_binary());
    cmd.env("COS_SECRET_ID", ID)
        .env("COS_SECRET_KEY", KEY)
        .args(["--endpoint", &emu.endpoint_url()])
        .args(["--bucket", BUCKET, "--region", REGION])
        .arg("--state-dir")
        .arg(state)
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

fn states(state: &Path) -> Option<Vec<String>> {
    let doc: Value =
        serde_json::from_slice(&std::fs::read(state.join(cos_vod::STATE_FILE_NAME)).ok()?).ok()?;
    doc["files"]
        .as_array()?
        .iter()
        .map(|f| f["state"].as_str().map(str::to_owned))
        .collect()
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_restores_its_list_with_the_same_file_ids() {
    let emu = emulator().await;
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state");
    let mut files = Vec::new();
    let mut data = BTreeMap::new();
    // The default part size is 8 MiB: the big file goes in two parts.
    for (i, (name, len)) in [
        ("one.bin", 200_000),
        ("big.bin", 9 * MIB + 3),
        ("three.bin", 300_001),
    ]
    .into_iter()
    .enumerate()
    {
        let bytes: Vec<u8> = (0..len).map(|j| (j * 31 + i * 7) as u8).collect();
        let path = work.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        files.push(path);
        data.insert(name.to_owned(), bytes);
    }

    let mut first = example(&emu, &state, &files).spawn().unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let reader = {
        let out = out.clone();
        let mut stdout = tokio::io::BufReader::new(first.stdout.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                let mut out = out.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        })
    };
    let wanted = ["Success", "Uploading", "Ready"]
        .map(str::to_owned)
        .to_vec();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    // Killed once the big file's upload has its checkpoint (killed between Initiate and the
    // checkpoint, its multipart upload would be known to no one, and stay on COS).
    let checkpointed = || {
        std::fs::read_dir(state.join("checkpoints"))
            .map(|d| {
                d.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .unwrap_or(false)
    };
    while states(&state).as_ref() != Some(&wanted) || !checkpointed() {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before the kill:\n{}",
            out.lock().unwrap()
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            states(&state)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.start_kill().unwrap(); // SIGKILL
    assert!(!first.wait().await.unwrap().success());
    reader.await.unwrap();
    let first_lines = lines(&out.lock().unwrap());
    let ids: BTreeMap<String, u64> = first_lines
        .iter()
        .filter(|l| l["event"] == "FileAdded")
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["file_id"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids.len(), 3, "{first_lines:?}");
    assert!(
        first_lines
            .iter()
            .any(|l| l["event"] == "Succeeded" && l["name"] == "one.bin")
    );

    // Again, same directory, no files.
    let second = example(&emu, &state, &[]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "second run failed: {stderr}");
    let second_lines = lines(&String::from_utf8(second.stdout).unwrap());
    let restored: Vec<(String, u64, String)> = second_lines
        .iter()
        .take(3)
        .map(|l| {
            assert_eq!(l["event"], "Restored", "{l}");
            (
                l["name"].as_str().unwrap().to_owned(),
                l["file_id"].as_u64().unwrap(),
                l["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        restored,
        vec![
            ("one.bin".to_owned(), ids["one.bin"], "Success".to_owned()),
            ("big.bin".to_owned(), ids["big.bin"], "Paused".to_owned()),
            ("three.bin".to_owned(), ids["three.bin"], "Ready".to_owned()),
        ]
    );
    for line in &second_lines {
        if let Some(name) = line["name"].as_str() {
            assert_eq!(line["file_id"].as_u64(), Some(ids[name]), "{line}");
        }
    }
    let succeeded: Vec<&str> = second_lines
        .iter()
        .filter(|l| l["event"] == "Succeeded")
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(succeeded, ["big.bin", "three.bin"]);
    let end = second_lines.last().unwrap();
    assert_eq!(end["event"], "ListEnded");
    assert_eq!(
        (end["total"].as_u64(), end["succeeded"].as_u64()),
        (Some(3), Some(3))
    );

    let client = Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::from_keys(ID, KEY))
        .build()
        .unwrap();
    let api: &dyn CosApi = &client;
    for (name, bytes) in &data {
        let head = api
            .head_object(&ObjectKey::new(name).unwrap())
            .await
            .unwrap();
        assert_eq!(head.size, Some(bytes.len() as u64), "{name}");
        assert_eq!(head.crc64, Some(cos_model::crc64::crc64(bytes)), "{name}");
    }
    let left = cos_upload::api::list_all_uploads(api, "").await.unwrap();
    assert!(left.is_empty(), "multipart uploads left: {left:?}");
    emu.shutdown().await;
}
