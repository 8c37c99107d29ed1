//! How the demo shows progress: indicatif bars when stderr is a terminal (and `RUST_LOG` is
//! not set, so log lines and bars do not draw over each other), otherwise a plain line every
//! few seconds on stdout beside the demo's own lines, so a CI log or a pipe shows life.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Seconds between two plain progress lines.
const EVERY: Duration = Duration::from_secs(2);

/// Whether to draw bars.
pub fn bars() -> bool {
    let logging = std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty());
    std::io::stderr().is_terminal() && !logging
}

/// Prints at most one line per [`EVERY`].
#[derive(Debug)]
pub struct Lines {
    last: Option<Instant>,
}

impl Lines {
    /// Nothing printed yet (the first line comes after one interval).
    pub fn new() -> Self {
        Self { last: None }
    }

    /// Prints `line()` when the interval has passed since `started` or since the last line.
    pub fn tick(&mut self, started: Instant, line: impl FnOnce() -> String) {
        let since = self.last.unwrap_or(started);
        if since.elapsed() >= EVERY {
            self.last = Some(Instant::now());
            println!("   [{}] {}", seconds(started.elapsed()), line());
        }
    }
}

fn seconds(d: Duration) -> String {
    cos_upload::progress::human_duration(d)
}
