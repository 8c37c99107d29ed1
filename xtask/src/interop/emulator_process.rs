//! The emulator as a child process: built with cargo, started on `127.0.0.1:0`, its endpoint
//! read from the first stdout line (`listening on http://127.0.0.1:PORT`), stopped with
//! SIGTERM (then SIGKILL) when done or dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::paths::Paths;

/// How long the emulator may take to print its endpoint.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long it may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds `cos-emulator`'s binary and returns its path (from cargo's JSON messages).
pub fn build_binary(paths: &Paths) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--package",
            "cos-emulator",
            "--bin",
            "cos-emulator",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(&paths.root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("building cos-emulator failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| {
            msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "cos-emulator"
        })
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built cos-emulator but named no executable".to_owned())
}

/// What the emulator is started with.
pub struct EmulatorArgs<'a> {
    /// The one permanent key pair it accepts.
    pub credential: (&'a str, &'a str),
    /// Buckets that exist from the start.
    pub buckets: &'a [&'a str],
}

/// A running emulator; stopped on [`EmulatorProcess::stop`] or drop.
pub struct EmulatorProcess {
    child: Option<Child>,
    endpoint: String,
}

impl EmulatorProcess {
    /// Starts the binary on an ephemeral loopback port and waits for its endpoint line.
    pub fn start(binary: &Path, args: &EmulatorArgs<'_>) -> Result<Self, String> {
        let mut command = Command::new(binary);
        command
            .args(["--listen", "127.0.0.1:0", "--credential"])
            .arg(format!("{}:{}", args.credential.0, args.credential.1));
        for bucket in args.buckets {
            command.args(["--bucket", bucket]);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take();
        let mut process = EmulatorProcess {
            child: Some(child),
            endpoint: String::new(),
        };
        let stdout = stdout.ok_or("the emulator's stdout was not captured")?;
        process.endpoint = read_endpoint(stdout)?;
        Ok(process)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Stops the emulator: SIGTERM, then SIGKILL after a grace period.
    pub fn stop(mut self) -> Result<(), String> {
        self.stop_child()
    }

    fn stop_child(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the emulator had already exited ({status})"));
        }
        let terminated = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = Instant::now() + STOP_TIMEOUT;
            while Instant::now() < deadline {
                match child.try_wait() {
                    Ok(Some(_)) => return Ok(()),
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                    Err(e) => return Err(format!("waiting for the emulator: {e}")),
                }
            }
            eprintln!(
                "interop: the emulator did not stop within {STOP_TIMEOUT:?} of SIGTERM; killing it"
            );
        }
        child
            .kill()
            .map_err(|e| format!("cannot kill the emulator: {e}"))?;
        child
            .wait()
            .map_err(|e| format!("waiting for the emulator: {e}"))?;
        Ok(())
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        if let Err(e) = self.stop_child() {
            eprintln!("interop: {e}");
        }
    }
}

/// Reads the first stdout line on a thread (which then drains the rest) with a timeout.
fn read_endpoint(stdout: std::process::ChildStdout) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        // The receiver may be gone after a timeout; nothing else to do then.
        let _ = tx.send(first);
        for _ in lines.map_while(Result::ok) {}
    });
    let line = match rx.recv_timeout(START_TIMEOUT) {
        Ok(Some(Ok(line))) => line,
        Ok(Some(Err(e))) => return Err(format!("reading the emulator's stdout: {e}")),
        Ok(None) => return Err("the emulator exited without printing its endpoint".to_owned()),
        Err(_) => {
            return Err(format!(
                "the emulator printed no endpoint within {START_TIMEOUT:?}"
            ));
        }
    };
    parse_endpoint(&line)
}

/// `listening on http://127.0.0.1:PORT` → `http://127.0.0.1:PORT`.
fn parse_endpoint(line: &str) -> Result<String, String> {
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .filter(|url| url.starts_with("http://127.0.0.1:"))
        .ok_or_else(|| {
            format!(
                "the emulator's first line is not `listening on http://127.0.0.1:PORT`: {line:?}"
            )
        })?;
    let port = &endpoint["http://127.0.0.1:".len()..];
    port.parse::<u16>()
        .map_err(|_| format!("bad port in the emulator's first line: {line:?}"))?;
    Ok(endpoint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_endpoint;

    #[test]
    fn endpoint_line_parses() {
        assert_eq!(
            parse_endpoint("listening on http://127.0.0.1:40123\n").unwrap(),
            "http://127.0.0.1:40123"
        );
    }

    #[test]
    fn other_lines_are_rejected() {
        assert!(parse_endpoint("listening on http://0.0.0.0:80").is_err());
        assert!(parse_endpoint("listening on http://127.0.0.1:notaport").is_err());
        assert!(parse_endpoint("hello").is_err());
    }
}
