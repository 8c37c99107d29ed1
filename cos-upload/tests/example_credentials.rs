//! The upload example finds its keys by itself: against the emulator (which checks every
//! signature) it uploads with nothing but `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY`
//! set, and with nothing but a profile file in `$HOME` — the example run with an emptied
//! environment, `HOME` pointed at a temp directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use cos_emulator::{Emulator, RunningEmulator};

const ID: &str = "AKIDcosrsCHAINtest000000000000000000";
const SECRET: &str = "cos-upload-chain-secret-key-0000";
const BUCKET: &str = "chain-1250000000";

/// The example binary, built beside this test (or here, with the same cargo).
fn upload_example() -> PathBuf {
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_build = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let deps = std::env::current_exe().unwrap();
    let examples = deps.parent().unwrap().parent().unwrap().join("examples");
    let bin = examples.join(format!("upload{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = std::process::Command::new(cargo)
            .args(["build", "-p", "cos-upload", "--example", "upload"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(
            built.success() && bin.is_file(),
            "building the upload example failed"
        );
    }
    bin
}

/// Runs the example with only `vars` (and `HOME=home`) in its environment.
async fn run(emu: &RunningEmulator, home: &Path, vars: &[(&str, &str)], key: &str) -> Output {
    let file = home.join("payload.bin");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let mut cmd = tokio::process::Command::new(upload_example());
    cmd.env_clear()
        .env("HOME", home)
        .envs(vars.iter().copied())
        .args(["--endpoint", &emu.endpoint_url(), "--bucket", BUCKET])
        .args(["--region", "ap-guangzhou", "--progress", "none"])
        .arg(&file)
        .arg(key);
    cmd.output().await.unwrap()
}

fn uploaded(out: &Output, key: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the example failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    let summary: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(summary["key"], key);
    assert_eq!(summary["bytes"], 100_000);
    assert!(!stderr.contains(SECRET) && !stdout.contains(SECRET));
}

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .credential(ID, SECRET)
        .bucket(BUCKET)
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_with_only_tencentcloud_variables() {
    let emu = emulator().await;
    let home = tempfile::tempdir().unwrap();
    let vars = [
        ("TENCENTCLOUD_SECRET_ID", ID),
        ("TENCENTCLOUD_SECRET_KEY", SECRET),
    ];
    let out = run(&emu, home.path(), &vars, "chain/env.bin").await;
    uploaded(&out, "chain/env.bin");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_with_only_a_profile_file() {
    let emu = emulator().await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".tencentcloud")).unwrap();
    std::fs::write(
        home.path().join(".tencentcloud").join("credentials"),
        format!("[default]\nsecret_id = {ID}\nsecret_key = {SECRET}\n"),
    )
    .unwrap();
    let out = run(&emu, home.path(), &[], "chain/profile.bin").await;
    uploaded(&out, "chain/profile.bin");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_key_pair_fails_naming_the_missing_half() {
    let emu = emulator().await;
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &emu,
        home.path(),
        &[("TENCENTCLOUD_SECRET_KEY", SECRET)],
        "chain/none.bin",
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "environment: TENCENTCLOUD_SECRET_KEY is set but TENCENTCLOUD_SECRET_ID is not"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
    emu.shutdown().await;
}
