//! `cargo xtask integration`: runs the conformance suite (`tests/integration`, crate
//! `cos-integration`) against the emulator — which each case starts in-process on an
//! ephemeral 127.0.0.1 port and stops — or, with `COS_SECRET_ID`, `COS_SECRET_KEY`,
//! `COS_BUCKET` and `COS_REGION` all set, against real COS. With only `COS_BUCKET` and
//! `COS_REGION`, the keys are what the default credential chain finds (`TENCENTCLOUD_*`,
//! `~/.tencentcloud/credentials`, …), passed to the suite as `COS_SECRET_ID`/`COS_SECRET_KEY`.
//!
//! It runs `cargo test -p cos-integration` with the environment passed through; extra
//! arguments go to the test harness (e.g. a case name filter).

use std::process::{Command, ExitCode};
use std::time::Instant;

use cos_integration::target::{RealCos, TargetKind};

use crate::account_keys;

const USAGE: &str = "usage: cargo xtask integration [TEST-HARNESS ARGS...]

Runs the conformance suite (cargo test -p cos-integration) against the emulator, started
in-process on 127.0.0.1 for each case; with COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET and
COS_REGION all set, against real COS instead (with only COS_BUCKET and COS_REGION, the keys
are what the default credential chain finds: TENCENTCLOUD_SECRET_ID/_KEY, a profile file, ...). Arguments go to the test harness, e.g.
`cargo xtask integration multipart` runs the multipart cases only.";

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // Real COS named without COS_SECRET_ID/COS_SECRET_KEY: the default credential chain's
    // keys, handed to the suite in those two variables.
    let chain_keys = match chain_keys() {
        Ok(keys) => keys,
        Err(message) => {
            eprintln!("integration: {message}");
            return ExitCode::from(2);
        }
    };
    // The suite's own reading of the COS_* variables, so the two can never disagree.
    let lookup = |name: &str| match (&chain_keys, name) {
        (Some(keys), "COS_SECRET_ID") => Some(keys.secret_id().to_owned()),
        (Some(keys), "COS_SECRET_KEY") => Some(keys.secret_key().to_owned()),
        _ => std::env::var(name).ok().filter(|v| !v.is_empty()),
    };
    let target = match TargetKind::from_lookup(lookup) {
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
    if let Some(keys) = &chain_keys {
        command
            .env("COS_SECRET_ID", keys.secret_id())
            .env("COS_SECRET_KEY", keys.secret_key());
    }
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

/// With `COS_BUCKET` and `COS_REGION` set but not `COS_SECRET_ID`/`COS_SECRET_KEY`, the keys
/// the default credential chain finds; they must be permanent (the suite has no token).
fn chain_keys() -> Result<Option<cos_sign::Credentials>, String> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    let unset = |name: &str| !set(name);
    if account_keys::explicit()
        || !(set("COS_BUCKET") && set("COS_REGION"))
        || !(unset("COS_SECRET_ID") && unset("COS_SECRET_KEY"))
    {
        return Ok(None);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting a runtime: {e}"))?;
    let keys = runtime.block_on(account_keys::account_keys())?;
    if keys.security_token().is_some() {
        return Err(
            "the conformance suite signs with permanent keys only, and the default \
                    credential chain found temporary ones: set COS_SECRET_ID and COS_SECRET_KEY"
                .into(),
        );
    }
    Ok(Some(keys))
}
