//! The command line of the `cos-emulator` binary:
//! `cos-emulator --listen 127.0.0.1:0 [--credential ID:KEY]… [--bucket NAME-APPID]…
//! [--data-dir DIR] [--faults SPEC] [--seed N] [--region R] [--sts-listen ADDR]
//! [--allow-origin ORIGIN]…`.

use crate::{EmulatorBuilder, EmulatorError, FaultSpec};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The binary's arguments.
#[derive(Debug, Clone, Parser, PartialEq)]
#[command(
    name = "cos-emulator",
    version,
    about = "A local Tencent Cloud COS server, as strict as COS, for tests"
)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// A permanent key pair `ID:KEY` (repeatable; without any, a printed demo pair).
    #[arg(long = "credential", value_name = "ID:KEY")]
    pub credentials: Vec<String>,
    /// A bucket `<name>-<appid>` that exists from the start (repeatable).
    #[arg(long = "bucket", value_name = "NAME-APPID")]
    pub buckets: Vec<String>,
    /// Keep object bytes in files under DIR instead of memory (nothing survives a restart).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Faults: comma-separated `5xx=RATE`, `slowdown=RATE`, `reset=RATE`,
    /// `reset-response=RATE`, `delay=RATE:MILLIS`, `skew=SECONDS`, `ops=Op1+Op2`.
    #[arg(long, value_name = "SPEC", value_parser = parse_faults)]
    pub faults: Option<FaultSpec>,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Pin the region (hosts naming another region are refused).
    #[arg(long)]
    pub region: Option<String>,
    /// Also serve the STS API (GetFederationToken, AssumeRole) on this address; prints
    /// `sts listening on http://…` as the second line.
    #[arg(long, value_name = "ADDR")]
    pub sts_listen: Option<SocketAddr>,
    /// A page origin (e.g. http://127.0.0.1:8080) allowed to call the STS listener from a
    /// browser (repeatable); no other origin is.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
}

fn parse_faults(s: &str) -> Result<FaultSpec, String> {
    s.parse::<FaultSpec>().map_err(|e| e.to_string())
}

impl Args {
    /// The builder these arguments describe.
    pub fn builder(&self) -> Result<EmulatorBuilder, EmulatorError> {
        let mut b = crate::Emulator::builder()
            .listen(self.listen)
            .seed(self.seed);
        for c in &self.credentials {
            let (id, key) = c.split_once(':').ok_or(EmulatorError::InvalidCredential)?;
            if id.is_empty() || key.is_empty() {
                return Err(EmulatorError::InvalidCredential);
            }
            b = b.credential(id, key);
        }
        for bucket in &self.buckets {
            b = b.bucket(bucket.clone());
        }
        if let Some(d) = &self.data_dir {
            b = b.data_dir(d.clone());
        }
        if let Some(f) = &self.faults {
            b = b.faults(f.clone());
        }
        if let Some(r) = &self.region {
            b = b.region(r.clone());
        }
        if let Some(addr) = self.sts_listen {
            b = b.sts_listen(addr);
        }
        for origin in &self.allow_origins {
            b = b.allow_origin(origin.clone());
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_command_line() {
        let a = Args::try_parse_from([
            "cos-emulator",
            "--listen",
            "127.0.0.1:0",
            "--credential",
            "AKIDa:k:with:colons",
            "--credential",
            "id2:key2",
            "--bucket",
            "examplebucket-1250000000",
            "--data-dir",
            "/tmp/x",
            "--faults",
            "5xx=0.05,reset=0.02",
            "--seed",
            "7",
            "--region",
            "ap-guangzhou",
            "--allow-origin",
            "http://127.0.0.1:8080",
            "--allow-origin",
            "https://app.example.com",
        ])
        .unwrap();
        assert_eq!(
            a.allow_origins,
            ["http://127.0.0.1:8080", "https://app.example.com"]
        );
        assert_eq!(a.credentials.len(), 2);
        assert_eq!(a.seed, 7);
        assert_eq!(a.faults.as_ref().unwrap().reset, 0.02);
        assert!(a.builder().is_ok());
        assert!(Args::try_parse_from(["cos-emulator", "--faults", "boom=1"]).is_err());
        let bad = Args::try_parse_from(["cos-emulator", "--credential", "nocolon"]).unwrap();
        assert!(bad.builder().is_err());
    }
}
