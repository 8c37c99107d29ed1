//! Uploads one file to COS (or to the emulator) and prints a JSON summary as the last line on
//! stdout.
//!
//! ```text
//! cargo run --release -p cos-upload --example upload -- \
//!     --endpoint http://127.0.0.1:9000 --bucket examplebucket-1250000000 --region ap-guangzhou \
//!     [--part-size BYTES] [--parallel N] [--checkpoint-dir DIR] FILE KEY
//! ```
//!
//! Credentials: `COS_SECRET_ID` and `COS_SECRET_KEY` (with `COS_SECURITY_TOKEN` for temporary
//! keys) when both are set; otherwise the default chain, `cos_transport::DefaultCredentials`
//! (`TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY`, `~/.tencentcloud/credentials`, TKE
//! web identity, the CVM instance role), whose error lists what it tried. With `--endpoint` requests go path-style to that base URL (what the
//! emulator expects); without it, to `https://<bucket>.cos.<region>.myqcloud.com`.
//!
//! Progress goes to stderr: a bar when stderr is a terminal, otherwise (a CI log, a systemd
//! unit, a pipe) a plain line every few seconds (`--progress-every`), so logs show life. The
//! speed and ETA are this run's: after a resume the bytes already stored are shown apart.
//! `RUST_LOG` turns logging on (`RUST_LOG=cos_transport=debug` is one line per request,
//! `info` a few lines per upload); with it set, progress is printed as lines, not a bar, so
//! the two do not draw over each other. On success the last stdout line is
//! `{"key","bytes","etag","crc64","parts","resumed_parts","seconds","mib_per_s"}` (`crc64` as a
//! decimal string, like the `x-cos-hash-crc64ecma` header); on failure a message goes to stderr
//! and the exit status is 1.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use cos_model::{BucketName, Endpoint, ObjectKey, Region};
use cos_transport::{Client, DefaultCredentials, StaticCredentials};
use cos_upload::{PartPolicy, Progress, UploadRequest, Uploader};

#[derive(Debug, Parser)]
#[command(about = "Upload a file to Tencent Cloud COS with cos-upload")]
struct Args {
    /// Base URL to send requests to, path-style (e.g. the emulator's http://127.0.0.1:PORT).
    /// Without it, real COS is addressed by bucket and region.
    #[arg(long)]
    endpoint: Option<String>,
    /// The bucket, `<name>-<APPID>`.
    #[arg(long)]
    bucket: String,
    /// The region, e.g. `ap-guangzhou`.
    #[arg(long)]
    region: String,
    /// Target part size in bytes (COS's 1 MiB minimum and 10 000-part maximum apply).
    #[arg(long)]
    part_size: Option<u64>,
    /// Parts in flight.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
    /// Keep resume checkpoints in this directory (a rerun after a crash continues).
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// How progress is shown on stderr: a bar on a terminal and lines elsewhere (auto), or
    /// always one of them, or nothing.
    #[arg(long, value_enum, default_value_t = Show::Auto)]
    progress: Show,
    /// Seconds between two progress lines (when progress is shown as lines).
    #[arg(long, default_value_t = 5.0)]
    progress_every: f64,
    /// The file to upload.
    file: PathBuf,
    /// The object key.
    key: String,
}

fn env(name: &str) -> Result<Option<String>, String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// The client, with `COS_SECRET_ID`/`COS_SECRET_KEY` when both are set (explicit keys win),
/// else with the default chain, resolved now so a missing key fails before any upload starts.
async fn client(args: &Args) -> Result<Client, String> {
    let bucket = BucketName::new(&args.bucket).map_err(|e| format!("--bucket: {e}"))?;
    let region = Region::new(&args.region).map_err(|e| format!("--region: {e}"))?;
    let endpoint = match &args.endpoint {
        Some(url) => Endpoint::path_style(url).map_err(|e| format!("--endpoint: {e}"))?,
        None => Endpoint::new(region),
    };
    let builder = Client::builder(endpoint).bucket(bucket);
    let builder = match (env("COS_SECRET_ID")?, env("COS_SECRET_KEY")?) {
        (Some(secret_id), Some(secret_key)) => {
            let mut credentials = cos_sign::Credentials::new(secret_id, secret_key);
            if let Some(token) = env("COS_SECURITY_TOKEN")? {
                credentials = credentials.with_security_token(token);
            }
            builder.credentials(StaticCredentials::new(credentials))
        }
        _ => {
            let chain = DefaultCredentials::new();
            let source = chain
                .resolve()
                .await
                .map_err(|e| format!("credentials: {e}"))?;
            tracing::info!(source = source.name(), "credentials from the default chain");
            builder.credentials(chain)
        }
    };
    builder
        .build()
        .map_err(|e| format!("building the client: {e}"))
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Show {
    /// A bar when stderr is a terminal and `RUST_LOG` is not set; lines otherwise.
    Auto,
    /// An indicatif bar.
    Bar,
    /// A plain line every `--progress-every` seconds, and one at the end.
    Lines,
    /// Nothing.
    None,
}

impl Show {
    fn resolve(self) -> Show {
        match self {
            Show::Auto => {
                let logging = std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty());
                if std::io::stderr().is_terminal() && !logging {
                    Show::Bar
                } else {
                    Show::Lines
                }
            }
            other => other,
        }
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    // the speed and ETA are the upload's own (this run's bytes), not indicatif's estimate,
    // which would count a resume's stored bytes as speed
    let style = indicatif::ProgressStyle::with_template("{bar:40} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn show(bar: &indicatif::ProgressBar, p: &Progress) {
    if let Some(total) = p.total_bytes {
        bar.set_length(total);
    }
    bar.set_position(p.position());
    bar.set_message(p.line().to_string());
}

/// `[1m 05s] 412.0 MiB / 1.0 GiB (40.23%), 98.5 MiB/s, eta 6s, parts 51/128`
fn plain_line(p: &Progress) -> String {
    format!(
        "[{}] {}",
        cos_upload::progress::human_duration(p.elapsed),
        p.line()
    )
}

/// Prints a plain line at most every `every` (and the final one), from the upload's task.
fn lines_every(every: Duration) -> impl Fn(&Progress) + Send + Sync + 'static {
    let last = Mutex::new(None::<Duration>);
    move |p: &Progress| {
        let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
        let due = match *last {
            None => p.elapsed >= every,
            Some(at) => p.elapsed.saturating_sub(at) >= every,
        };
        // the last line only for a stored object: a failure's one line is its error
        let stored = p.finished && Some(p.acknowledged_bytes) == p.total_bytes;
        if (due && !p.finished) || stored {
            *last = Some(p.elapsed);
            eprintln!("{}", plain_line(p));
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let client = client(&args).await?;
    let key = ObjectKey::new(&args.key).map_err(|e| format!("KEY: {e}"))?;
    let mut policy = PartPolicy::new();
    if let Some(size) = args.part_size {
        policy = policy.target_part_size(size).single_put_threshold(size);
    }
    let mut builder = Uploader::builder(client)
        .part_policy(policy)
        .parts_in_flight(args.parallel)
        .total_parts_in_flight(args.parallel)
        .progress_interval(std::time::Duration::from_millis(100));
    if let Some(dir) = &args.checkpoint_dir {
        builder = builder.checkpoint_dir(dir);
    }
    let uploader = builder.build();
    let mut request = UploadRequest::file(key, &args.file);
    let mut bar = None;
    match args.progress.resolve() {
        Show::Bar => {
            let b = progress_bar();
            bar = Some(b.clone());
            request = request.on_progress(move |p| show(&b, p));
        }
        Show::Lines => {
            let every = Duration::try_from_secs_f64(args.progress_every)
                .map_err(|_| "--progress-every: not a number of seconds")?;
            request = request.on_progress(lines_every(every));
        }
        Show::Auto | Show::None => {}
    }
    let started = Instant::now();
    let result = uploader.upload(request).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // The error's text is whole: the request (method and URL), what COS or the network said
    // and how many sends it took, once; its sources repeat parts of it for programs, not people.
    let summary = result.map_err(|e| format!("upload of {} failed: {e}", args.file.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let mib_per_s = if seconds > 0.0 {
        summary.bytes as f64 / (1024.0 * 1024.0) / seconds
    } else {
        0.0
    };
    let line = serde_json::json!({
        "key": summary.key,
        "bytes": summary.bytes,
        "etag": summary.etag.to_string(),
        "crc64": summary.crc64.to_string(),
        "parts": summary.parts,
        "resumed_parts": summary.resumed_parts,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "mib_per_s": (mib_per_s * 100.0).round() / 100.0,
    });
    println!("{line}");
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
