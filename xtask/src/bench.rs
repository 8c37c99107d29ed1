//! `cargo xtask bench upload`: uploads a large generated file to a release-built emulator with
//! cos-upload's `upload` example and, in the same run, the same file as one streamed PUT with
//! curl (a pre-signed URL from cos-sign), then prints both throughputs, their ratio and the
//! example's peak RSS against the memory bound `parts in flight × part size + 64 MiB`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest};

const USAGE: &str =
    "usage: cargo xtask bench upload [--size-mib N] [--part-size-mib N] [--parallel N]

  uploads an N MiB file (default 1024) to the emulator with cos-upload's example and with curl";

const BUCKET: &str = "bench-1250000000";
const SECRET_ID: &str = "AKIDcosrsBENCHMARK00000000000000000";
const SECRET_KEY: &str = "cosrs-bench-secret-key";
/// What the issue allows beyond the parts in flight: runtime, TLS-free client, buffers.
const RSS_ALLOWANCE_MIB: u64 = 64;

struct Options {
    size_mib: u64,
    part_size_mib: u64,
    parallel: u64,
}

/// Runs `bench upload`.
pub fn run(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match upload_bench(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("bench upload: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("upload") => {}
        Some(other) => return Err(format!("unknown benchmark `{other}`")),
        None => return Err("which benchmark?".into()),
    }
    let mut options = Options {
        size_mib: 1024,
        part_size_mib: 16,
        parallel: 4,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("{flag} needs a positive number"))?;
        match flag.as_str() {
            "--size-mib" => options.size_mib = value,
            "--part-size-mib" => options.part_size_mib = value,
            "--parallel" => options.parallel = value,
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    Ok(options)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn upload_bench(options: &Options) -> Result<bool, String> {
    println!("building the emulator and the upload example (release)…");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "cos-emulator",
            "--bin",
            "cos-emulator",
            "-p",
            "cos-upload",
            "--example",
            "upload",
        ])
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err("the release build failed".into());
    }
    let release = target_dir().join("release");
    let work = tempfile::Builder::new()
        .prefix("cos-rs-bench-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let size = options.size_mib << 20;
    let file = work.path().join("source.bin");
    println!("writing a {} MiB file…", options.size_mib);
    crate::data::write_file(&file, 11, size)?;

    let data_dir = work.path().join("emulator");
    std::fs::create_dir_all(&data_dir).map_err(|e| e.to_string())?;
    let mut emulator = Emulator::start(&release.join("cos-emulator"), &data_dir)?;
    let endpoint = emulator.url.clone();
    println!("emulator at {endpoint} (release, data in a temporary directory)\n");

    let example = run_example(
        &release.join("examples").join("upload"),
        &endpoint,
        &file,
        options,
    )?;
    let curl = run_curl(&endpoint, &file, size)?;
    emulator.stop();

    let example_mib_s = mib_per_s(size, example.elapsed);
    let curl_mib_s = mib_per_s(size, curl);
    let ratio = example_mib_s / curl_mib_s;
    let bound_mib = options.parallel * options.part_size_mib + RSS_ALLOWANCE_MIB;
    let rss_mib = example.peak_rss_kib as f64 / 1024.0;
    println!(
        "cos-upload example  {example_mib_s:>8.1} MiB/s  ({} parts of {} MiB, {} in flight, {:.2} s)",
        example.parts,
        options.part_size_mib,
        options.parallel,
        example.elapsed.as_secs_f64()
    );
    println!(
        "curl, one PUT       {curl_mib_s:>8.1} MiB/s  ({:.2} s)",
        curl.as_secs_f64()
    );
    println!("ratio example/curl  {ratio:>8.2}   (target ≥ 1.00)");
    println!(
        "example peak RSS    {rss_mib:>8.1} MiB (target ≤ {bound_mib} MiB = {} × {} MiB + {RSS_ALLOWANCE_MIB} MiB)",
        options.parallel, options.part_size_mib
    );
    let ok = ratio >= 1.0 && rss_mib <= bound_mib as f64;
    println!("{}", if ok { "targets met" } else { "TARGETS NOT MET" });
    Ok(ok)
}

fn mib_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64().max(1e-9)
}

/// The emulator as a child process, killed on drop.
struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(binary: &Path, data_dir: &Path) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--bucket",
                BUCKET,
                "--credential",
            ])
            .arg(format!("{SECRET_ID}:{SECRET_KEY}"))
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no emulator stdout")?;
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .map_err(|e| format!("reading the emulator's first line: {e}"))?;
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the emulator: {first:?}"))?
            .to_owned();
        Ok(Self { child, url })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

struct ExampleRun {
    elapsed: Duration,
    peak_rss_kib: u64,
    parts: u64,
}

/// Runs the example, sampling its peak RSS (`VmHWM`, the kernel's own high-water mark) until it
/// exits; the last sample is the peak up to a few milliseconds before exit.
fn run_example(
    binary: &Path,
    endpoint: &str,
    file: &Path,
    options: &Options,
) -> Result<ExampleRun, String> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("COS_SECRET_ID", SECRET_ID)
        .env("COS_SECRET_KEY", SECRET_KEY)
        .args([
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--region",
            "ap-guangzhou",
        ])
        .arg("--part-size")
        .arg((options.part_size_mib << 20).to_string())
        .arg("--parallel")
        .arg(options.parallel.to_string())
        .arg(file)
        .arg("bench/cos-upload.bin")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting the example: {e}"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_path)
            .ok()
            .as_deref()
            .and_then(vm_hwm_kib)
        {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the example: {e}")),
        }
    };
    let elapsed = started.elapsed();
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        let _ = stdout.read_to_string(&mut out);
    }
    if !status.success() {
        return Err(format!("the example failed ({status}): {out}"));
    }
    let last = out.lines().last().unwrap_or_default();
    let summary: serde_json::Value =
        serde_json::from_str(last).map_err(|e| format!("the example's last line {last:?}: {e}"))?;
    Ok(ExampleRun {
        elapsed,
        peak_rss_kib,
        parts: summary["parts"].as_u64().unwrap_or(0),
    })
}

/// The `VmHWM` (peak resident set) line of a `/proc/PID/status`, in KiB.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One streamed PUT of the whole file with curl, to a URL pre-signed by cos-sign.
fn run_curl(endpoint: &str, file: &Path, size: u64) -> Result<Duration, String> {
    let host = endpoint
        .strip_prefix("http://")
        .ok_or("the emulator's URL is not http")?;
    let key = "bench/curl.bin";
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let signed_path = format!("/{BUCKET}/{key}");
    let request = SignableRequest {
        method: "PUT",
        path: &signed_path,
        query: &[],
        headers: &[("host", host)],
    };
    let signature = cos_sign::sign(
        &request,
        &Credentials::new(SECRET_ID, SECRET_KEY),
        KeyTime::new(now - 60, now + 3600),
        &HeaderPolicy::Default,
    )
    .map_err(|e| e.to_string())?;
    let url = format!(
        "{endpoint}{}?{}",
        cos_sign::encode::uri_encode_path(&signed_path),
        signature.presigned_query_string()
    );
    let started = Instant::now();
    let output = Command::new("curl")
        .args([
            "-sS",
            "--fail-with-body",
            "-H",
            "Expect:",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_upload}",
        ])
        .arg("--upload-file")
        .arg(file)
        .arg(&url)
        .output()
        .map_err(|e| format!("running curl (is it installed?): {e}"))?;
    let elapsed = started.elapsed();
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !report.starts_with("200 ") {
        return Err(format!(
            "curl's PUT failed: {report} {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let sent: f64 = report
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    if sent as u64 != size {
        return Err(format!("curl sent {sent} bytes of {size}"));
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_is_read_from_proc_status() {
        let status = "Name:\tupload\nVmPeak:\t  300000 kB\nVmHWM:\t   40960 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(40960));
        assert_eq!(vm_hwm_kib("Name:\tx\n"), None);
        let own = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(vm_hwm_kib(&own).is_some_and(|kib| kib > 0));
    }
}
