//! `cargo xtask integration`: runs the conformance suite (`tests/integration`, crate
//! `cos-integration`) against the emulator — which each case starts in-process on an
//! ephemeral 127.0.0.1 port and stops — or, with `COS_SECRET_ID`, `COS_SECRET_KEY`,
//! `COS_BUCKET` and `COS_REGION` all set, against real COS.
//!
//! It runs `cargo test -p cos-integration` with the environment passed through; extra
//! arguments go to the test harness (e.g. a case name filter).

use std::process::{Command, ExitCode};
use std::time::Instant;

use cos_integration::target::{RealCos, TargetKind};

const USAGE: &str = "usage: cargo xtask integration [TEST-HARNESS ARGS...]

Runs the conformance suite (cargo test -p cos-integration) against the emulator, started
in-process on 127.0.0.1 for each case; with COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET and
COS_REGION all set, against real COS instead. Arguments go to the test harness, e.g.
`cargo xtask integration multipart` runs the multipart cases only.";

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // The suite's own reading of the COS_* variables, so the two can never disagree.
    let target = match TargetKind::from_env() {
        Ok(target) => target,
        Err(message) => {
            eprintln!("integration: {message}");
            return ExitCode::from(2);
        }
    };
    match &target {
        TargetKind::Emulator => println!(
            "integration: running the conformance suite against the emulator \
             (started in-process on 127.0.0.1:<ephemeral port> for each case, stopped after it)"
        ),
        TargetKind::RealCos(RealCos { bucket, region, .. }) => println!(
            "integration: running the conformance suite against REAL COS: bucket {bucket}, region {region} \
             (objects under cos-rs-conformance/ are created and deleted)"
        ),
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["test", "--package", "cos-integration"]);
    if !args.is_empty() {
        command.arg("--").args(args);
    }
    let shown: Vec<String> = std::iter::once("cargo".to_owned())
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    println!("integration: {}", shown.join(" "));
    let started = Instant::now();
    let status = match command.status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("integration: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let against = match &target {
        TargetKind::Emulator => "the emulator".to_owned(),
        TargetKind::RealCos(real) => format!("real COS ({})", real.bucket),
    };
    if status.success() {
        println!("integration: the suite passed against {against} in {elapsed:.1} s");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "integration: the suite FAILED against {against} ({status}) after {elapsed:.1} s"
        );
        ExitCode::FAILURE
    }
}
