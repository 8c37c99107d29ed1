//! Lists, deletes by prefix and copies objects on COS (or on the emulator) with cos-objects,
//! printing a JSON summary as the last line on stdout.
//!
//! ```text
//! cargo run -p cos-objects --example objects -- \
//!     --endpoint http://127.0.0.1:9000 --bucket examplebucket-1250000000 --region ap-guangzhou \
//!     ls [--prefix P] [--delimiter D] [--uploads]
//!   | rm-prefix PREFIX [--dry-run]
//!   | cp SOURCE_KEY KEY [--threshold BYTES] [--part-size BYTES] [--parallel N] [--content-type T]
//! ```
//!
//! Credentials come from `COS_SECRET_ID`, `COS_SECRET_KEY` and, for temporary keys,
//! `COS_SECURITY_TOKEN`. With `--endpoint` requests go path-style to that base URL (what the
//! emulator expects); without it, to `https://<bucket>.cos.<region>.myqcloud.com`.
//!
//! `ls` prints one line per entry (`PRE <prefix>`, or `<size> <key>`; `--uploads`:
//! `<upload id> <key>`), then `{"objects","prefixes"}` (or `{"uploads","prefixes"}`).
//! `rm-prefix` prints each key that is not deleted (and with `--dry-run` each key that would
//! be), then `{"deleted","failed","batches","dry_run"}`. `cp` prints
//! `{"key","bytes","etag","crc64","method","parts"}` (`crc64` as a decimal string). On failure
//! a message goes to stderr and the exit status is 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cos_model::options::ObjectOptions;
use cos_model::{BucketName, Endpoint, ObjectKey, Region};
use cos_objects::{
    CopyMetadata, CopyMethod, DeleteByPrefix, ObjectCopy, ObjectEntry, ObjectListing, UploadEntry,
    UploadListing,
};
use cos_transport::{Client, StaticCredentials};
use futures_util::TryStreamExt;

#[derive(Debug, Parser)]
#[command(about = "List, delete by prefix and copy objects on Tencent Cloud COS")]
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List objects (or unfinished multipart uploads).
    Ls {
        /// Only keys starting with this.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Fold keys into common prefixes at this character (e.g. `/`).
        #[arg(long, default_value = "")]
        delimiter: String,
        /// List unfinished multipart uploads instead of objects.
        #[arg(long)]
        uploads: bool,
    },
    /// Delete every object under a prefix.
    RmPrefix {
        /// The prefix (not empty).
        prefix: String,
        /// Print what would be deleted and delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy an object of the bucket to another key.
    Cp(CpArgs),
}

#[derive(Debug, clap::Args)]
struct CpArgs {
    /// The source key.
    source: String,
    /// The destination key.
    key: String,
    /// Copy in parts above this many bytes (default and maximum: 5 GiB).
    #[arg(long)]
    threshold: Option<u64>,
    /// Bytes per part of a multipart copy.
    #[arg(long)]
    part_size: Option<u64>,
    /// Part copies in flight.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// Replace the metadata with this Content-Type (default: keep the source's).
    #[arg(long)]
    content_type: Option<String>,
}

fn env(name: &str) -> Result<Option<String>, String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn client(args: &Args) -> Result<Client, String> {
    let secret_id = env("COS_SECRET_ID")?.ok_or("COS_SECRET_ID is not set")?;
    let secret_key = env("COS_SECRET_KEY")?.ok_or("COS_SECRET_KEY is not set")?;
    let mut credentials = cos_sign::Credentials::new(secret_id, secret_key);
    if let Some(token) = env("COS_SECURITY_TOKEN")? {
        credentials = credentials.with_security_token(token);
    }
    let bucket = BucketName::new(&args.bucket).map_err(|e| format!("--bucket: {e}"))?;
    let region = Region::new(&args.region).map_err(|e| format!("--region: {e}"))?;
    let endpoint = match &args.endpoint {
        Some(url) => Endpoint::path_style(url).map_err(|e| format!("--endpoint: {e}"))?,
        None => Endpoint::new(region),
    };
    Client::builder(endpoint)
        .bucket(bucket)
        .credentials(StaticCredentials::new(credentials))
        .build()
        .map_err(|e| format!("building the client: {e}"))
}

async fn ls(client: &Client, prefix: &str, delimiter: &str) -> Result<String, String> {
    let mut entries = ObjectListing::new()
        .prefix(prefix)
        .delimiter(delimiter)
        .entries(client);
    let (mut objects, mut prefixes) = (0u64, 0u64);
    while let Some(entry) = entries.try_next().await.map_err(|e| e.to_string())? {
        match entry {
            ObjectEntry::Object(o) => {
                objects += 1;
                println!("{} {}", o.size, o.key);
            }
            ObjectEntry::Prefix(p) => {
                prefixes += 1;
                println!("PRE {p}");
            }
        }
    }
    Ok(serde_json::json!({ "objects": objects, "prefixes": prefixes }).to_string())
}

async fn ls_uploads(client: &Client, prefix: &str, delimiter: &str) -> Result<String, String> {
    let mut entries = UploadListing::new()
        .prefix(prefix)
        .delimiter(delimiter)
        .entries(client);
    let (mut uploads, mut prefixes) = (0u64, 0u64);
    while let Some(entry) = entries.try_next().await.map_err(|e| e.to_string())? {
        match entry {
            UploadEntry::Upload(u) => {
                uploads += 1;
                println!("{} {}", u.upload_id, u.key);
            }
            UploadEntry::Prefix(p) => {
                prefixes += 1;
                println!("PRE {p}");
            }
        }
    }
    Ok(serde_json::json!({ "uploads": uploads, "prefixes": prefixes }).to_string())
}

async fn rm_prefix(client: &Client, prefix: &str, dry_run: bool) -> Result<String, String> {
    let mut batches = DeleteByPrefix::new(prefix).dry_run(dry_run).batches(client);
    let (mut deleted, mut failed, mut count) = (0u64, 0u64, 0u64);
    while let Some(batch) = batches.try_next().await.map_err(|e| e.to_string())? {
        count += 1;
        deleted += batch.deleted.len() as u64;
        failed += batch.failed.len() as u64;
        if dry_run {
            for key in &batch.deleted {
                println!("would delete {key}");
            }
        }
        for failure in &batch.failed {
            println!("not deleted {failure}");
        }
    }
    Ok(serde_json::json!({
        "deleted": deleted,
        "failed": failed,
        "batches": count,
        "dry_run": dry_run,
    })
    .to_string())
}

async fn cp(client: &Client, args: &CpArgs) -> Result<String, String> {
    let source = ObjectKey::new(args.source.as_str()).map_err(|e| format!("SOURCE_KEY: {e}"))?;
    let key = ObjectKey::new(args.key.as_str()).map_err(|e| format!("KEY: {e}"))?;
    let mut copy = ObjectCopy::new(source, key).concurrency(args.parallel);
    if let Some(t) = args.threshold {
        copy = copy.threshold(t);
    }
    if let Some(p) = args.part_size {
        copy = copy.part_size(p);
    }
    if let Some(ct) = &args.content_type {
        copy = copy.metadata(CopyMetadata::replace(
            ObjectOptions::new().content_type(ct.as_str()),
        ));
    }
    let out = copy.run(client).await.map_err(|e| e.to_string())?;
    let (method, parts) = match &out.method {
        CopyMethod::Multipart { parts, .. } => ("multipart", *parts),
        _ => ("single", 1),
    };
    Ok(serde_json::json!({
        "key": out.key.as_str(),
        "bytes": out.size,
        "etag": out.etag.as_unquoted(),
        "crc64": out.crc64.map(|c| c.to_string()),
        "method": method,
        "parts": parts,
    })
    .to_string())
}

async fn run(args: Args) -> Result<String, String> {
    let client = client(&args)?;
    match &args.command {
        Command::Ls {
            prefix,
            delimiter,
            uploads: false,
        } => ls(&client, prefix, delimiter).await,
        Command::Ls {
            prefix,
            delimiter,
            uploads: true,
        } => ls_uploads(&client, prefix, delimiter).await,
        Command::RmPrefix { prefix, dry_run } => rm_prefix(&client, prefix, *dry_run).await,
        Command::Cp(cp_args) => cp(&client, cp_args).await,
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
