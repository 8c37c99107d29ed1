//! The servers the interop run starts as child processes (the emulator, the signing server):
//! built with cargo, started on `127.0.0.1:0`, their URLs read from their first stdout lines
//! (`listening on http://127.0.0.1:PORT`, and the emulator's `sts listening on …` after it),
//! stopped with SIGTERM (then SIGKILL) when done or dropped, so also when the run fails.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::paths::Paths;

/// How long a server may take to print its URLs.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long it may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the named binaries (`(package, bin)`) in one cargo run and returns their paths, in
/// the same order (from cargo's JSON messages).
pub fn build_binaries(paths: &Paths, binaries: &[(&str, &str)]) -> Result<Vec<PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build");
    for (package, bin) in binaries {
        command.args(["--package", package, "--bin", bin]);
    }
    let output = command
        .arg("--message-format=json-render-diagnostics")
        .current_dir(&paths.root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let names = binaries
        .iter()
        .map(|(_, bin)| *bin)
        .collect::<Vec<_>>()
        .join(", ");
    if !output.status.success() {
        return Err(format!("building {names} failed ({})", output.status));
    }
    let messages: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    binaries
        .iter()
        .map(|(_, bin)| {
            messages
                .iter()
                .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == *bin)
                .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
                .ok_or_else(|| format!("cargo built {names} but named no executable for {bin}"))
        })
        .collect()
}

/// A running server; stopped on [`ServerProcess::stop`] or drop.
pub struct ServerProcess {
    /// What it is called in messages (`the emulator`, `the signing server`).
    name: &'static str,
    child: Option<Child>,
    /// The URLs read from its first lines, in the order of the banners asked for.
    urls: Vec<String>,
}

impl ServerProcess {
    /// Starts `command` (stdout piped, stderr inherited, `RUST_LOG=warn` unless set) and waits
    /// for one stdout line per banner: `<banner> http://127.0.0.1:PORT`.
    pub fn start(
        name: &'static str,
        mut command: Command,
        banners: &[&'static str],
    ) -> Result<Self, String> {
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", command.get_program()))?;
        let stdout = child.stdout.take();
        // From here on, an early return stops the child (Drop).
        let mut process = ServerProcess {
            name,
            child: Some(child),
            urls: Vec::new(),
        };
        let stdout = stdout.ok_or_else(|| format!("{name}'s stdout was not captured"))?;
        let lines = read_first_lines(name, stdout, banners.len())?;
        for (line, banner) in lines.iter().zip(banners) {
            process.urls.push(parse_url(name, line, banner)?);
        }
        Ok(process)
    }

    /// The URL announced by the `index`th banner.
    pub fn url(&self, index: usize) -> &str {
        &self.urls[index]
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Stops the server: SIGTERM, then SIGKILL after a grace period. An error if it had
    /// already exited (it died under the test).
    pub fn stop(mut self) -> Result<(), String> {
        self.stop_child()
    }

    fn stop_child(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let name = self.name;
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{name} had already exited ({status})"));
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
                    Err(e) => return Err(format!("waiting for {name}: {e}")),
                }
            }
            eprintln!(
                "interop: {name} did not stop within {STOP_TIMEOUT:?} of SIGTERM; killing it"
            );
        }
        child
            .kill()
            .map_err(|e| format!("cannot kill {name}: {e}"))?;
        child
            .wait()
            .map_err(|e| format!("waiting for {name}: {e}"))?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Err(e) = self.stop_child() {
            eprintln!("interop: {e}");
        }
    }
}

/// Reads the first `count` stdout lines on a thread (which then drains the rest, so the child
/// never blocks on a full pipe), with one timeout for all of them.
fn read_first_lines(name: &str, stdout: ChildStdout, count: usize) -> Result<Vec<String>, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for _ in 0..count {
            let line = lines.next();
            let end = !matches!(line, Some(Ok(_)));
            // The receiver may be gone after a timeout; nothing else to do then.
            if tx.send(line).is_err() || end {
                return;
            }
        }
        for _ in lines.map_while(Result::ok) {}
    });
    let deadline = Instant::now() + START_TIMEOUT;
    let mut lines = Vec::with_capacity(count);
    while lines.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Some(Ok(line))) => lines.push(line),
            Ok(Some(Err(e))) => return Err(format!("reading {name}'s stdout: {e}")),
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!(
                    "{name} exited after printing {} of its {count} URL lines",
                    lines.len()
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "{name} printed {} of its {count} URL lines within {START_TIMEOUT:?}",
                    lines.len()
                ));
            }
        }
    }
    Ok(lines)
}

/// `<banner> http://127.0.0.1:PORT` → `http://127.0.0.1:PORT`.
fn parse_url(name: &str, line: &str, banner: &str) -> Result<String, String> {
    let url = line
        .trim()
        .strip_prefix(banner)
        .and_then(|rest| rest.strip_prefix(' '))
        .filter(|url| url.starts_with("http://127.0.0.1:"))
        .ok_or_else(|| {
            format!("{name} printed {line:?} where `{banner} http://127.0.0.1:PORT` was expected")
        })?;
    let port = &url["http://127.0.0.1:".len()..];
    port.parse::<u16>()
        .map_err(|_| format!("bad port in {name}'s line {line:?}"))?;
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn url_lines_parse() {
        assert_eq!(
            parse_url("x", "listening on http://127.0.0.1:40123\n", "listening on").unwrap(),
            "http://127.0.0.1:40123"
        );
        assert_eq!(
            parse_url(
                "x",
                "sts listening on http://127.0.0.1:1",
                "sts listening on"
            )
            .unwrap(),
            "http://127.0.0.1:1"
        );
    }

    #[test]
    fn other_lines_are_rejected() {
        let banner = "listening on";
        assert!(parse_url("x", "listening on http://0.0.0.0:80", banner).is_err());
        assert!(parse_url("x", "listening on http://127.0.0.1:notaport", banner).is_err());
        assert!(parse_url("x", "sts listening on http://127.0.0.1:1", banner).is_err());
        assert!(parse_url("x", "listening onhttp://127.0.0.1:1", banner).is_err());
        assert!(parse_url("x", "hello", banner).is_err());
    }
}
