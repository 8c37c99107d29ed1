//! Generated content for the demo and the benchmarks: deterministic pseudo-random bytes (incompressible, so
//! nothing along the way can shortcut them) written to files without holding them whole.

use std::io::Write;
use std::path::Path;

/// A xorshift64* stream: fast, deterministic, good enough to look like real file content.
struct Noise(u64);

impl Noise {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            let word = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// `len` bytes from `seed`.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    Noise(seed | 1).fill(&mut out);
    out
}

/// Writes `len` bytes from `seed` to `path` in 1 MiB blocks; returns their CRC64.
pub fn write_file(path: &Path, seed: u64, len: u64) -> Result<u64, String> {
    let fail = |e: std::io::Error| format!("writing {}: {e}", path.display());
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    let mut noise = Noise(seed | 1);
    let mut crc = cos_model::crc64::Crc64::new();
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
        noise.fill(&mut block[..n]);
        crc.update(&block[..n]);
        file.write_all(&block[..n]).map_err(fail)?;
        left -= n as u64;
    }
    file.flush().map_err(fail)?;
    Ok(crc.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_hold_the_bytes_and_crc_of_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let crc = write_file(&path, 42, 3 * (1 << 20) + 5).unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(written.len(), 3 * (1 << 20) + 5);
        assert_eq!(written, bytes(42, written.len()));
        assert_eq!(crc, cos_model::crc64::crc64(&written));
        assert_ne!(bytes(1, 64), bytes(2, 64));
    }
}
