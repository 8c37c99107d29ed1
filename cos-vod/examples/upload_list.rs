//! Uploads files through the VOD-style upload list and prints every event as one JSON line.
//!
//! ```sh
//! cargo run -p cos-vod --example upload_list -- \
//!     --endpoint http://127.0.0.1:PORT --bucket NAME-APPID --region REGION \
//!     [--parallel-files N] [--checkpoint-dir DIR] [--state-dir DIR] FILE…
//! ```
//!
//! With `--state-dir DIR` the list is kept in `DIR` (checkpoints in `DIR/checkpoints` unless
//! `--checkpoint-dir` says otherwise): run again with the same directory, with no file
//! arguments, and the list comes back (one `Restored` line per file, with the `file_id` it
//! had), is started, and every unfinished file is finished from its checkpoint. Files given
//! again that the list already holds are not added twice.
//!
//! Credentials: `COS_SECRET_ID`/`COS_SECRET_KEY` when set; otherwise temporary keys fetched
//! from the emulator's `POST /-/sts?duration=SECONDS` for each file (and again whenever they
//! are due for refresh). Exit status 0 when every file succeeded, 1 otherwise.
//!
//! Stdout is the contract other tools drive: one JSON event per line, nothing else. Stderr
//! is for people: with `RUST_LOG` set (`RUST_LOG=cos_vod=info` shows each file's state
//! changes, `cos_transport=debug` each request), the logs; when stderr is a terminal and
//! `RUST_LOG` is not set, one bar per file and a total line; otherwise the total progress
//! as a plain line every few seconds.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Parser;
use cos_transport::{Body, HyperTransport, Transport};
use cos_upload::progress::{human_bytes, human_duration};
use cos_vod::{
    AddOptions, CosEngine, FailureInfo, FailureKind, FileId, FileProgress, FileSource,
    GrantRequest, ListProgress, TemporaryKey, TotalProgress, UploadGrant, VodError, VodEvent,
    VodUploader,
};
use serde_json::{Value, json};
use tokio::sync::watch;

/// The command line.
#[derive(Parser, Debug)]
#[command(about = "Upload files through the VOD-style list; one JSON line per event")]
struct Args {
    /// The COS endpoint URL (`http://127.0.0.1:PORT` for the emulator).
    #[arg(long)]
    endpoint: String,
    /// The bucket, `name-appid`.
    #[arg(long)]
    bucket: String,
    /// The region.
    #[arg(long)]
    region: String,
    /// How many files upload at once.
    #[arg(long, default_value_t = 1)]
    parallel_files: usize,
    /// Keep checkpoints here, so running again with the same files resumes them.
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// Keep the list here, so running again restores it (same file ids) and finishes it.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Lifetime of the temporary keys asked from `/-/sts`, in seconds.
    #[arg(long, default_value_t = 1800)]
    sts_duration: u64,
    /// The files to upload (object key: the file name); optional with `--state-dir`.
    #[arg(required_unless_present = "state_dir")]
    files: Vec<PathBuf>,
}

/// Temporary keys from the emulator's STS endpoint.
async fn fetch_sts(endpoint: &str, duration: u64) -> Result<TemporaryKey, FailureInfo> {
    let fail = |message: String| FailureInfo::new(FailureKind::Credentials, "StsFailed", message);
    let transport = HyperTransport::builder()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let uri = format!(
        "{}/-/sts?duration={duration}",
        endpoint.trim_end_matches('/')
    );
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_LENGTH, "0")
        .body(Body::empty())
        .map_err(|e| fail(e.to_string()))?;
    let response = transport
        .send(request)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    let body: Bytes = response
        .into_body()
        .collect_limited(64 * 1024)
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !status.is_success() {
        return Err(fail(format!("POST /-/sts answered {status}")));
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))?;
    let field = |path: &[&str]| {
        let mut cur = &v;
        for p in path {
            cur = &cur[*p];
        }
        cur.as_str()
            .map(str::to_owned)
            .ok_or_else(|| fail(format!("the STS answer lacks {}", path.join("."))))
    };
    let expired = v["expiredTime"]
        .as_u64()
        .ok_or_else(|| fail("the STS answer lacks expiredTime".into()))?;
    Ok(TemporaryKey::new(
        field(&["credentials", "tmpSecretId"])?,
        field(&["credentials", "tmpSecretKey"])?,
    )
    .with_security_token(field(&["credentials", "sessionToken"])?)
    .with_expiration(UNIX_EPOCH + Duration::from_secs(expired)))
}

/// One JSON line for an event.
fn json_line(event: &VodEvent) -> Value {
    let file = event.file();
    let mut line = json!({
        "event": event.name(),
        "file_id": file.map(|f| f.id.as_u64()),
        "index": file.map(|f| f.index),
        "name": file.map(|f| f.name.clone()),
    });
    let extra = match event {
        VodEvent::FileAdded { size, .. } => json!({ "size": size }),
        VodEvent::Restored {
            size,
            state,
            bytes_done,
            error,
            ..
        } => json!({
            "size": size,
            "state": state.as_str(),
            "bytes_done": bytes_done,
            "code": error.as_ref().map(|e| e.code.clone()),
        }),
        VodEvent::UploadStarted { needs_auth, .. } => json!({ "needs_auth": needs_auth }),
        VodEvent::Progress {
            bytes_done,
            bytes_total,
            speed,
            ..
        } => json!({
            "bytes_done": bytes_done,
            "bytes_total": bytes_total,
            "fraction": event.fraction(),
            "speed": speed,
        }),
        VodEvent::Canceled { reason, .. } => json!({ "reason": format!("{reason:?}") }),
        VodEvent::Succeeded { result, .. } => json!({
            "bucket": result.bucket,
            "key": result.key,
            "etag": result.etag,
            "crc64": result.crc64.map(|c| c.to_string()),
            "bytes": result.bytes,
        }),
        VodEvent::Failed { error, .. } => json!({
            "code": error.code,
            "message": error.message,
            "request_id": error.request_id,
            "status": error.status,
        }),
        VodEvent::ListEnded { counts } => json!({
            "total": counts.total,
            "succeeded": counts.succeeded,
            "failed": counts.failed,
            "canceled": counts.canceled,
            "paused": counts.paused,
            "awaiting_auth": counts.awaiting_auth,
        }),
        _ => json!({}),
    };
    if let (Value::Object(line), Value::Object(extra)) = (&mut line, extra) {
        line.extend(extra);
    }
    line
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("upload_list: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs the list; whether every file succeeded.
async fn run(args: Args) -> Result<bool, String> {
    let mut engine = CosEngine::builder();
    let checkpoints = args
        .checkpoint_dir
        .clone()
        .or_else(|| args.state_dir.as_ref().map(|d| d.join("checkpoints")));
    if let Some(dir) = checkpoints {
        engine = engine.checkpoint_dir(dir);
    }
    let engine = engine.build().map_err(|e| e.to_string())?;
    let static_keys = match (
        std::env::var("COS_SECRET_ID"),
        std::env::var("COS_SECRET_KEY"),
    ) {
        (Ok(id), Ok(key)) if !id.is_empty() && !key.is_empty() => Some(TemporaryKey::new(id, key)),
        _ => None,
    };
    let target =
        cos_model::Endpoint::path_style(&args.endpoint).map_err(|e| format!("--endpoint: {e}"))?;
    let bucket = cos_model::BucketName::new(&args.bucket).map_err(|e| format!("--bucket: {e}"))?;
    let region = cos_model::Region::new(&args.region).map_err(|e| format!("--region: {e}"))?;
    let endpoint = args.endpoint.clone();
    let duration = args.sts_duration;
    let builder = VodUploader::builder(engine)
        .endpoint(target)
        .bucket(bucket)
        .region(region)
        .max_concurrent_files(args.parallel_files)
        .provider(move |_request: GrantRequest| {
            let static_keys = static_keys.clone();
            let endpoint = endpoint.clone();
            async move {
                let keys = match static_keys {
                    Some(keys) => keys,
                    None => fetch_sts(&endpoint, duration).await?,
                };
                Ok(UploadGrant::new(keys))
            }
        });
    let (list, mut events) = match &args.state_dir {
        Some(dir) => {
            let restored = builder.restore(dir).await.map_err(|e| e.to_string())?;
            (restored.list, restored.events)
        }
        None => {
            let list = builder.spawn();
            let events = list.events().await.map_err(|e| e.to_string())?;
            (list, events)
        }
    };
    for path in &args.files {
        match list
            .add_file(FileSource::path(path), AddOptions::new())
            .await
        {
            Ok(_) => {}
            // Already in the restored list: it is finished there.
            Err(VodError::Duplicate { .. }) if args.state_dir.is_some() => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    let progress = list.progress_watch().await.map_err(|e| e.to_string())?;
    list.start_upload().await.map_err(|e| e.to_string())?;
    let started = SystemTime::now();
    let display = tokio::spawn(show_progress(progress));
    while let Some(event) = events.recv().await {
        println!("{}", json_line(&event));
        if let VodEvent::ListEnded { counts } = event {
            display.abort();
            // the bars stay as last drawn; the summary line follows them
            let _ = display.await;
            eprintln!(
                "upload_list: {} of {} files stored in {:.1} s",
                counts.succeeded,
                counts.total,
                started.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0)
            );
            list.shutdown().await.map_err(|e| e.to_string())?;
            return Ok(counts.succeeded == counts.total);
        }
    }
    Err("the list shut down before the run ended".into())
}

/// Draws the list's progress on stderr until aborted: bars on a terminal (unless `RUST_LOG`
/// asks for logs there), a plain total line every few seconds otherwise.
async fn show_progress(progress: watch::Receiver<ListProgress>) {
    let logging = std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !logging {
        bars(progress).await
    } else {
        lines(progress, Duration::from_secs(5)).await
    }
}

/// `3/5 files, 412.0 MiB / 1.0 GiB (40.23%), 98.5 MiB/s, eta 6s`: bytes where the files
/// stand on the wire, speed and ETA of this run's bytes (a resume's stored bytes are not
/// speed).
fn total_line(t: &TotalProgress) -> String {
    let percent = if t.bytes_total == 0 {
        100.0
    } else {
        (t.bytes_sent.min(t.bytes_total) as f64 / t.bytes_total as f64 * 10_000.0).floor() / 100.0
    };
    let mut line = format!(
        "{}/{} files, {} / {} ({percent:.2}%)",
        t.succeeded,
        t.files,
        human_bytes(t.bytes_sent),
        human_bytes(t.bytes_total),
    );
    if t.uploading > 0 {
        line.push_str(&format!(", {}/s", human_bytes(t.speed as u64)));
        if let Some(eta) = t.eta {
            line.push_str(&format!(", eta {}", human_duration(eta)));
        }
    }
    line
}

fn file_line(f: &FileProgress) -> String {
    let mut line = format!(
        "{} {} {} / {}",
        f.name,
        f.state.as_str(),
        human_bytes(f.bytes_sent),
        human_bytes(f.size)
    );
    if f.speed > 0.0 {
        line.push_str(&format!(", {}/s", human_bytes(f.speed as u64)));
    }
    line
}

async fn bars(mut progress: watch::Receiver<ListProgress>) {
    let multi = indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
    // positions and speeds are the list's own (this run's bytes), not indicatif's estimate,
    // which would count a resume's stored bytes as speed
    let style = indicatif::ProgressStyle::with_template("{bar:30} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let total = multi.add(indicatif::ProgressBar::new_spinner());
    total.set_style(
        indicatif::ProgressStyle::with_template("{msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let mut files: HashMap<FileId, indicatif::ProgressBar> = HashMap::new();
    loop {
        {
            let p = progress.borrow_and_update();
            files.retain(|id, bar| {
                let listed = p.file(*id).is_some();
                if !listed {
                    bar.finish_and_clear();
                }
                listed
            });
            for f in p.files() {
                let bar = files.entry(f.id).or_insert_with(|| {
                    let bar = multi.insert_before(&total, indicatif::ProgressBar::new(f.size));
                    bar.set_style(style.clone());
                    bar
                });
                bar.set_length(f.size);
                bar.set_position(f.bytes_sent);
                bar.set_message(file_line(f));
            }
            total.set_message(total_line(&p.total()));
        }
        if progress.changed().await.is_err() {
            return;
        }
    }
}

async fn lines(mut progress: watch::Receiver<ListProgress>, every: Duration) {
    let started = Instant::now();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        if progress.has_changed().is_err() {
            return;
        }
        let total = progress.borrow_and_update().total();
        eprintln!(
            "upload_list: [{}] {}",
            human_duration(started.elapsed()),
            total_line(&total)
        );
    }
}
