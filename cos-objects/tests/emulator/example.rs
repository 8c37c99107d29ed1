//! The `objects` example against the emulator: its command lines work and its last stdout
//! line is the JSON summary other tools read.

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;
use cos_model::ObjectKey;
use cos_model::ops::PutObject;

use super::{BUCKET, ID, MIB, REGION, SECRET, client, emulator, random_bytes};

/// The example binary: `cargo test` builds it beside this test's executable; when only this
/// test target was built, it is built here with the same cargo.
fn example_binary() -> PathBuf {
    static BUILT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    let debug_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = debug_dir
        .join("examples")
        .join(format!("objects{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "cos-objects", "--example", "objects"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the example failed");
    }
    assert!(bin.is_file(), "{} is missing", bin.display());
    bin
}

/// Runs the example with `args`; its stdout lines, the last parsed as JSON.
fn run(endpoint: &str, args: &[&str]) -> (Vec<String>, serde_json::Value) {
    let out = Command::new(example_binary())
        .args([
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--region",
            REGION,
        ])
        .args(args)
        .env("COS_SECRET_ID", ID)
        .env("COS_SECRET_KEY", SECRET)
        .env_remove("COS_SECURITY_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = stdout.lines().map(String::from).collect();
    let summary = serde_json::from_str(lines.last().unwrap()).unwrap();
    (lines, summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_lists_copies_and_deletes() {
    let emu = emulator().await;
    let client = client(&emu);
    let body = random_bytes(3 * MIB as usize, 4);
    for k in ["ex/a", "ex/b é", "ex/sub/c"] {
        client
            .execute(&PutObject::new(
                ObjectKey::new(k).unwrap(),
                Bytes::copy_from_slice(&body),
            ))
            .await
            .unwrap();
    }
    let url = emu.endpoint_url();
    let endpoint = url.clone();
    let (lines, summary) = tokio::task::spawn_blocking(move || {
        run(&endpoint, &["ls", "--prefix", "ex/", "--delimiter", "/"])
    })
    .await
    .unwrap();
    assert_eq!(summary, serde_json::json!({"objects": 2, "prefixes": 1}));
    let size = body.len();
    assert_eq!(
        lines[..3],
        [
            format!("{size} ex/a"),
            format!("{size} ex/b é"),
            "PRE ex/sub/".into()
        ]
    );

    let endpoint = url.clone();
    let (_, summary) = tokio::task::spawn_blocking(move || {
        run(
            &endpoint,
            &[
                "cp",
                "ex/a",
                "copied/a",
                "--threshold",
                "1048576",
                "--part-size",
                "1048576",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(summary["method"], "multipart");
    assert_eq!(summary["parts"], 3);
    assert_eq!(summary["bytes"], size);
    assert_eq!(summary["crc64"], cos_model::crc64::crc64(&body).to_string());

    let endpoint = url.clone();
    let (lines, summary) =
        tokio::task::spawn_blocking(move || run(&endpoint, &["rm-prefix", "ex/", "--dry-run"]))
            .await
            .unwrap();
    assert_eq!(
        summary,
        serde_json::json!({"deleted": 3, "failed": 0, "batches": 1, "dry_run": true})
    );
    assert_eq!(lines.len(), 4, "{lines:?}");

    let endpoint = url.clone();
    let (_, summary) = tokio::task::spawn_blocking(move || run(&endpoint, &["rm-prefix", "ex/"]))
        .await
        .unwrap();
    assert_eq!(summary["deleted"], 3);
    let (_, summary) = tokio::task::spawn_blocking(move || run(&url, &["ls"]))
        .await
        .unwrap();
    assert_eq!(summary, serde_json::json!({"objects": 1, "prefixes": 0}));
    emu.shutdown().await;
}
