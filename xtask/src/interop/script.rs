//! Runs one test script (Node or Python) to its end: its output goes straight through, its
//! `FAIL <step>: <reason>` line is kept to name the failing step, and it is killed if it runs
//! past its time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `command` (stdout piped and echoed, stderr inherited); an error naming the failing step
/// when it exits non-zero, or when it is still running after `timeout`.
pub fn run(what: &str, mut command: Command, timeout: Duration) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {what} ({:?}): {e}", command.get_program()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("{what}'s stdout was not captured"))?;
    // Echoes every line as it comes and returns the first FAIL line.
    let reader = std::thread::spawn(move || {
        let mut failed = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let _ = std::io::stdout().flush();
            if failed.is_none() && line.starts_with("FAIL ") {
                failed = Some(line);
            }
        }
        failed
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(None) => {
                // Our own child, by its handle; its stdout then closes and the reader ends.
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(format!(
                    "{what} did not finish within {timeout:?}; killed it"
                ));
            }
            Err(e) => return Err(format!("waiting for {what}: {e}")),
        }
    };
    let failed = reader.join().unwrap_or(None);
    match (status.success(), failed) {
        (true, None) => Ok(()),
        (true, Some(line)) => Err(format!("{what} exited 0 but printed `{line}`")),
        (false, Some(line)) => Err(format!("{what}: {line}")),
        (false, None) => Err(format!("{what} failed ({status}) before naming a step")),
    }
}
