//! The demo's closing table: every object it stored, verified against COS with HEAD (size and
//! `x-cos-hash-crc64ecma` against the CRC64 of the local bytes), with time and throughput.

use std::time::Duration;

use cos_model::ObjectKey;
use cos_model::ops::HeadObject;

use super::stack::Stack;

/// One stored object.
pub struct Row {
    /// How it got there.
    pub via: &'static str,
    /// The object key.
    pub key: String,
    /// Its length.
    pub bytes: u64,
    /// CRC64 of the local bytes.
    pub crc64: u64,
    /// Upload wall time (for a resumed upload: both runs).
    pub elapsed: Duration,
    /// Filled by [`Report::verify`].
    pub verified: bool,
}

/// All stored objects, in upload order.
#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Records an object.
    pub fn add(&mut self, via: &'static str, key: &str, bytes: u64, crc64: u64, elapsed: Duration) {
        self.rows.push(Row {
            via,
            key: key.to_owned(),
            bytes,
            crc64,
            elapsed,
            verified: false,
        });
    }

    /// HEADs every object: its length and COS's CRC64 must equal the local ones.
    pub async fn verify(&mut self, stack: &Stack) -> Result<(), String> {
        println!("\n== 5. verify every object with HEAD (size and x-cos-hash-crc64ecma)");
        for row in &mut self.rows {
            let key = ObjectKey::new(&row.key).map_err(|e| format!("{}: {e}", row.key))?;
            let head = stack
                .client
                .execute(&HeadObject::new(key))
                .await
                .map_err(|e| format!("HEAD {}: {e}", row.key))?;
            if head.content_length != Some(row.bytes) {
                return Err(format!(
                    "{}: COS holds {:?} bytes, the source has {}",
                    row.key, head.content_length, row.bytes
                ));
            }
            if head.crc64 != Some(row.crc64) {
                return Err(format!(
                    "{}: COS's CRC64 is {:?}, the source's is {}",
                    row.key, head.crc64, row.crc64
                ));
            }
            row.verified = true;
        }
        println!("   {} objects match their sources", self.rows.len());
        Ok(())
    }

    /// Prints the table.
    pub fn print(&self) {
        let key_width = self
            .rows
            .iter()
            .map(|r| r.key.len())
            .max()
            .unwrap_or(3)
            .max(3);
        println!(
            "\n{:<14} {:<key_width$} {:>12} {:>22} {:>8} {:>9} {:>10}",
            "via", "key", "bytes", "crc64", "verified", "seconds", "MiB/s"
        );
        for row in &self.rows {
            let seconds = row.elapsed.as_secs_f64();
            let mib_per_s = if seconds > 0.0 {
                row.bytes as f64 / (1024.0 * 1024.0) / seconds
            } else {
                0.0
            };
            println!(
                "{:<14} {:<key_width$} {:>12} {:>22} {:>8} {:>9.2} {:>10.1}",
                row.via,
                row.key,
                row.bytes,
                row.crc64,
                if row.verified { "yes" } else { "NO" },
                seconds,
                mib_per_s
            );
        }
        let total: u64 = self.rows.iter().map(|r| r.bytes).sum();
        println!(
            "{} objects, {:.1} MiB",
            self.rows.len(),
            total as f64 / (1024.0 * 1024.0)
        );
    }
}
