//! [`ProgressLine`]: a progress snapshot as one plain line, for logs, CI and any output that
//! is not a terminal (where a bar would print nothing until the end):
//! `412.0 MiB / 1.0 GiB (40.23%), 98.5 MiB/s, eta 6s, parts 51/128, 200.0 MiB resumed`.

use std::fmt;
use std::time::Duration;

use super::Progress;

/// A [`Progress`] shown as one line ([`Progress::line`]).
#[derive(Debug, Clone, Copy)]
pub struct ProgressLine<'a> {
    progress: &'a Progress,
}

impl<'a> ProgressLine<'a> {
    pub(super) fn new(progress: &'a Progress) -> Self {
        Self { progress }
    }
}

impl fmt::Display for ProgressLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.progress;
        write!(f, "{}", Bytes(p.position()))?;
        if let Some(total) = p.total_bytes {
            write!(f, " / {}", Bytes(total))?;
        }
        if let Some(percent) = p.position_percent() {
            write!(f, " ({percent:.2}%)")?;
        }
        write!(f, ", {}/s", Bytes(p.bytes_per_second.max(0.0) as u64))?;
        let stored = p.total_bytes.is_some_and(|t| p.acknowledged_bytes >= t);
        match p.eta {
            _ if p.finished && stored => f.write_str(", done")?,
            _ if p.finished => f.write_str(", stopped")?,
            Some(eta) => write!(f, ", eta {}", human_duration(eta))?,
            None => f.write_str(", eta ?")?,
        }
        if let Some(parts) = p.parts_total.filter(|n| *n > 0) {
            write!(f, ", parts {}/{parts}", p.parts_done)?;
        }
        if p.resumed_bytes > 0 {
            write!(f, ", {} resumed", Bytes(p.resumed_bytes))?;
        }
        Ok(())
    }
}

/// Bytes in binary units with one decimal (`0 B`, `512 B`, `1.5 KiB`, `98.5 MiB`, `1.0 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    Bytes(bytes).to_string()
}

struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// A duration as people read an ETA: `45s`, `3m 05s`, `2h 07m`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() >= 500_000_000);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(98 << 20 | 512 << 10), "98.5 MiB");
        assert_eq!(human_bytes(1 << 30), "1.0 GiB");
    }

    #[test]
    fn durations_read_as_an_eta() {
        assert_eq!(human_duration(Duration::from_millis(5_600)), "6s");
        assert_eq!(human_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(human_duration(Duration::from_secs(7_620)), "2h 07m");
    }

    #[test]
    fn a_resumed_upload_reads_as_this_runs_progress() {
        let p = Progress {
            acknowledged_bytes: 300 << 20,
            total_bytes: Some(1 << 30),
            parts_done: 37,
            parts_total: Some(128),
            resumed_parts: 25,
            resumed_bytes: 200 << 20,
            sent_bytes: 212 << 20,
            bytes_per_second: 98.5 * 1024.0 * 1024.0,
            eta: Some(Duration::from_secs(6)),
            ..Progress::default()
        };
        assert_eq!(
            p.line().to_string(),
            "412.0 MiB / 1.0 GiB (40.23%), 98.5 MiB/s, eta 6s, parts 37/128, 200.0 MiB resumed"
        );
        let unknown = Progress {
            sent_bytes: 10,
            ..Progress::default()
        };
        assert_eq!(unknown.line().to_string(), "10 B, 0 B/s, eta ?");
        let paused = Progress {
            finished: true,
            ..p
        };
        assert!(
            paused
                .line()
                .to_string()
                .contains("98.5 MiB/s, stopped, parts")
        );
        let stored = Progress {
            acknowledged_bytes: 1 << 30,
            ..paused
        };
        assert!(
            stored
                .line()
                .to_string()
                .contains("98.5 MiB/s, done, parts")
        );
    }
}
