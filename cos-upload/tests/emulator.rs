//! cos-upload against the emulator (a real HTTP server on loopback that verifies signatures and
//! computes ETags and CRC64s from the bytes it receives):
//! - a 256 MiB upload under 5% 5xx and 2% dropped connections completes with matching CRC64
//!   (about 15 s in a debug build; `COS_UPLOAD_BIG_MIB=N` changes the size);
//! - the example killed with SIGKILL half-way and run again with the same checkpoint directory
//!   sends only the missing parts plus at most the parts that were in flight;
//! - temporary keys that expire mid-upload are refreshed and the upload completes;
//! - 1 000 small files through the queue all land;
//! - orphan clean-up against a real listing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cos_emulator::{Emulator, FaultSpec, RunningEmulator};
use cos_model::ops::{HeadObject, ListParts};
use cos_model::{BucketName, Endpoint, ObjectKey, UploadId};
use cos_transport::{Client, StaticCredentials, TemporaryCredentials, TemporaryKey};
use cos_upload::{Checkpoint, PartPolicy, UploadQueue, UploadRequest, Uploader};

const ID: &str = "AKIDcosrsUPLOADtest00000000000000000";
const SECRET: &str = "cos-upload-test-secret-key-000000";
const BUCKET: &str = "uploads-1250000000";
const MIB: u64 = 1024 * 1024;

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .credential(ID, SECRET)
        .bucket(BUCKET)
        .seed(42)
        .start()
        .await
        .expect("the emulator starts")
}

fn client(emu: &RunningEmulator) -> Client {
    Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(StaticCredentials::from_keys(ID, SECRET))
        .build()
        .unwrap()
}

/// Pseudo-random bytes (xorshift), so parts differ and a misplaced part changes the CRC64.
fn write_random(path: &Path, len: u64, seed: u64) -> u64 {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x = seed | 1;
    let mut crc = cos_model::crc64::Crc64::new();
    let mut buf = vec![0u8; MIB as usize];
    let mut left = len;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        let n = left.min(MIB) as usize;
        f.write_all(&buf[..n]).unwrap();
        crc.update(&buf[..n]);
        left -= n as u64;
    }
    f.flush().unwrap();
    crc.finish()
}

async fn head(client: &Client, key: &str) -> (u64, Option<u64>) {
    let m = client
        .execute(&HeadObject::new(ObjectKey::new(key).unwrap()))
        .await
        .unwrap();
    (m.content_length.unwrap(), m.crc64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_upload_survives_5xx_and_dropped_connections() {
    let mib: u64 = std::env::var("COS_UPLOAD_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let emu = emulator().await;
    emu.set_faults("5xx=0.05,reset=0.02".parse::<FaultSpec>().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let crc = write_random(&path, mib * MIB + 12_345, 1);
    let client = client(&emu);
    let uploader = Uploader::builder(client.clone())
        .part_policy(PartPolicy::new().target_part_size(4 * MIB))
        .parts_in_flight(4)
        .build();
    let summary = uploader
        .upload_file(&path, ObjectKey::new("big/object.bin").unwrap())
        .await
        .expect("the upload completes despite the faults");
    assert_eq!(summary.crc64, crc);
    assert!(summary.crc64_verified);
    assert_eq!(summary.bytes, mib * MIB + 12_345);
    assert_eq!(summary.parts as u64, (mib * MIB + 12_345).div_ceil(4 * MIB));
    emu.set_faults(FaultSpec::none());
    assert_eq!(
        head(&client, "big/object.bin").await,
        (summary.bytes, Some(crc))
    );
    emu.shutdown().await;
}

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
        .join(format!("upload{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-p", "cos-upload", "--example", "upload"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the example failed");
    }
    assert!(bin.is_file(), "{} is missing", bin.display());
    bin
}

fn example_command(
    emu: &RunningEmulator,
    checkpoints: &Path,
    file: &Path,
    key: &str,
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(example_binary());
    cmd.env("COS_SECRET_ID", ID)
        .env("COS_SECRET_KEY", SECRET)
        .env_remove("COS_SECURITY_TOKEN")
        .args([
            "--endpoint",
            &emu.endpoint_url(),
            "--bucket",
            BUCKET,
            "--region",
            "ap-guangzhou",
        ])
        .args(["--part-size", &MIB.to_string(), "--parallel", "3"])
        .arg("--checkpoint-dir")
        .arg(checkpoints)
        .arg(file)
        .arg(key)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

fn read_checkpoint(dir: &Path) -> Option<Checkpoint> {
    let entry = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))?;
    serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_upload_resumes_from_its_checkpoint() {
    let emu = emulator().await;
    // Slow parts down so the kill lands half-way.
    emu.set_faults("delay=1:150,ops=UploadPart".parse::<FaultSpec>().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resume.bin");
    let checkpoints = dir.path().join("checkpoints");
    let total_parts = 24u64;
    let crc = write_random(&file, total_parts * MIB - 100, 2);

    let mut first = example_command(&emu, &checkpoints, &file, "resume/me.bin")
        .spawn()
        .unwrap();
    // Wait until about half the parts are checkpointed, then SIGKILL.
    let recorded = loop {
        if let Some(cp) = read_checkpoint(&checkpoints)
            && cp.parts.len() as u64 >= total_parts / 2
        {
            break cp;
        }
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.start_kill().unwrap(); // SIGKILL on Unix
    let status = first.wait().await.unwrap();
    assert!(!status.success());
    // What COS has and what the checkpoint says at the moment of the kill.
    let at_kill = read_checkpoint(&checkpoints).unwrap();
    assert_eq!(at_kill.upload_id, recorded.upload_id);
    let client = client(&emu);
    let listed = client
        .execute(&ListParts::new(
            ObjectKey::new("resume/me.bin").unwrap(),
            UploadId::new(&at_kill.upload_id).unwrap(),
        ))
        .await
        .unwrap()
        .parts
        .len() as u64;
    assert!(listed >= at_kill.parts.len() as u64);

    emu.set_faults(FaultSpec::none());
    let out = example_command(&emu, &checkpoints, &file, "resume/me.bin")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "second run failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let summary: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(summary["key"], "resume/me.bin");
    assert_eq!(summary["parts"].as_u64(), Some(total_parts));
    assert_eq!(summary["crc64"].as_str(), Some(crc.to_string().as_str()));
    let resumed = summary["resumed_parts"].as_u64().unwrap();
    let sent = total_parts - resumed;
    eprintln!(
        "killed with {} parts checkpointed and {listed} on COS; the rerun resumed {resumed} and sent {sent}",
        at_kill.parts.len()
    );
    // Every checkpointed part was trusted; only the missing parts plus at most the parts that
    // were in flight (3) were sent again.
    assert!(
        resumed >= at_kill.parts.len() as u64,
        "resumed {resumed} < checkpointed {}",
        at_kill.parts.len()
    );
    assert!(
        sent <= total_parts - listed + 3,
        "sent {sent}, COS had {listed} of {total_parts}"
    );
    for field in ["bytes", "etag", "seconds", "mib_per_s"] {
        assert!(summary.get(field).is_some(), "{field} missing in {last}");
    }
    assert_eq!(
        head(&client, "resume/me.bin").await,
        (total_parts * MIB - 100, Some(crc))
    );
    assert_eq!(
        std::fs::read_dir(&checkpoints).unwrap().count(),
        0,
        "checkpoint removed"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_fails_clearly() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.bin");
    let out = example_command(&emu, dir.path(), &missing, "x")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.bin"), "{stderr}");
    // Wrong credentials: COS's refusal is surfaced.
    let file = dir.path().join("small.bin");
    write_random(&file, 1000, 3);
    let out = example_command(&emu, dir.path(), &file, "x")
        .env("COS_SECRET_KEY", "wrong")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    emu.shutdown().await;
}

/// A server on 127.0.0.1 that answers every request with 500 InternalError, counting them.
async fn always_500() -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + len);
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let body = "<?xml version='1.0' encoding='utf-8' ?><Error><Code>InternalError</Code>\
                        <Message>We encountered an internal error. Please try again.</Message>\
                        <RequestId>NjQ1</RequestId></Error>";
                    let response = format!(
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/xml\r\n\
                         x-cos-request-id: NjQ1\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_gives_up_after_the_clients_four_puts_with_one_line() {
    let (addr, requests) = always_500().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.bin");
    write_random(&file, 1000, 3);
    let out = tokio::process::Command::new(example_binary())
        .env("COS_SECRET_ID", ID)
        .env("COS_SECRET_KEY", SECRET)
        .env_remove("COS_SECURITY_TOKEN")
        .env_remove("RUST_LOG")
        .args(["--endpoint", &format!("http://{addr}"), "--bucket", BUCKET])
        .args(["--region", "ap-guangzhou"])
        .arg(&file)
        .arg("videos/a.mp4")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(
        lines[0],
        format!(
            "error: upload of {} failed: PUT http://{addr}/{BUCKET}/videos/a.mp4: 500 \
             InternalError: We encountered an internal error. Please try again. (request id \
             NjQ1), 4 attempts",
            file.display()
        )
    );
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "the client's four attempts, and no layer above sends more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_keys_expiring_mid_upload_are_refreshed() {
    let emu = Arc::new(emulator().await);
    // Every part takes a while, so 2-second keys expire several times during the upload.
    emu.set_faults("delay=1:200,ops=UploadPart".parse::<FaultSpec>().unwrap());
    let issuer = emu.clone();
    let provider = TemporaryCredentials::builder(move || {
        let key = issuer.issue_temporary_key(Duration::from_secs(2));
        async move {
            let k = key.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(TemporaryKey::new(k.tmp_secret_id, k.tmp_secret_key)
                .with_security_token(k.session_token)
                .with_start_time(u64::try_from(k.start_time).unwrap_or(0))
                .with_expired_time(u64::try_from(k.expired_time).unwrap_or(0)))
        }
    })
    .refresh_before(Duration::ZERO)
    .build();
    let client = Client::builder(Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(BucketName::new(BUCKET).unwrap())
        .credentials(provider.clone())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sts.bin");
    let crc = write_random(&path, 24 * MIB, 4);
    let uploader = Uploader::builder(client.clone())
        .part_policy(PartPolicy::new().target_part_size(MIB))
        .parts_in_flight(2)
        .build();
    let started = std::time::Instant::now();
    let summary = uploader
        .upload_file(&path, ObjectKey::new("sts/object.bin").unwrap())
        .await
        .expect("the upload outlives its keys");
    assert!(
        started.elapsed() > Duration::from_secs(2),
        "the upload outlived one key"
    );
    assert_eq!(summary.crc64, crc);
    assert!(
        provider.fetches() >= 2,
        "keys were refreshed ({} fetches)",
        provider.fetches()
    );
    emu.set_faults(FaultSpec::none());
    assert_eq!(head(&client, "sts/object.bin").await, (24 * MIB, Some(crc)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_small_files_through_the_queue_all_land() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emu);
    let uploader = Uploader::builder(client.clone())
        .total_parts_in_flight(16)
        .build();
    let mut queue = UploadQueue::new(&uploader, 16);
    let mut crcs = Vec::new();
    for i in 0..1000u64 {
        let path = dir.path().join(format!("f{i:04}"));
        let len = 1 + (i * 97) % 4096;
        crcs.push((len, write_random(&path, len, i + 10)));
        queue.push(UploadRequest::file(
            ObjectKey::new(format!("many/{i:04}")).unwrap(),
            path,
        ));
    }
    let results = queue.join_all().await;
    assert_eq!(results.len(), 1000);
    for r in &results {
        let s = r
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", r.key));
        assert_eq!((s.bytes, s.crc64), crcs[r.index]);
        assert!(s.crc64_verified);
    }
    for i in [0usize, 499, 999] {
        assert_eq!(
            head(&client, &format!("many/{i:04}")).await,
            (crcs[i].0, Some(crcs[i].1))
        );
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_under_a_prefix_are_aborted() {
    use cos_upload::CosApi;
    let emu = emulator().await;
    let client = client(&emu);
    let opts = cos_upload::api::UploadOptions::default();
    let a = client
        .initiate(&ObjectKey::new("tmp/a").unwrap(), &opts)
        .await
        .unwrap();
    let b = client
        .initiate(&ObjectKey::new("keep/b").unwrap(), &opts)
        .await
        .unwrap();
    let uploader = Uploader::builder(client.clone()).build();
    // Nothing is older than an hour yet.
    let none = uploader
        .abort_incomplete("tmp/", Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(none.aborted.is_empty());
    assert_eq!(none.kept.len(), 1);
    let later = std::time::SystemTime::now() + Duration::from_secs(7200);
    let report = uploader
        .abort_incomplete_at("tmp/", Duration::from_secs(3600), later)
        .await
        .unwrap();
    assert_eq!(
        report
            .aborted
            .iter()
            .map(|u| u.upload_id.clone())
            .collect::<Vec<_>>(),
        vec![a]
    );
    let left = cos_upload::api::list_all_uploads(&client, "")
        .await
        .unwrap();
    assert_eq!(
        left.iter().map(|u| u.upload_id.clone()).collect::<Vec<_>>(),
        vec![b]
    );
    emu.shutdown().await;
}
