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

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Parser;
use cos_transport::{Body, HyperTransport, Transport};
use cos_vod::{
    AddOptions, CosEngine, FailureInfo, FailureKind, FileSource, GrantRequest, TemporaryKey,
    UploadGrant, VodError, VodEvent, VodUploader,
};
use serde_json::{Value, json};

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
    list.start_upload().await.map_err(|e| e.to_string())?;
    let started = SystemTime::now();
    while let Some(event) = events.recv().await {
        println!("{}", json_line(&event));
        if let VodEvent::ListEnded { counts } = event {
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
