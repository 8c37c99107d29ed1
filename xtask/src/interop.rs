//! `cargo xtask interop`: drives Tencent's own Node.js SDK (`cos-nodejs-sdk-v5`) against the
//! emulator.
//!
//! Steps: install the SDK pinned by `tests/interop/package-lock.json` into
//! `target/interop-node/` (npm registry only), build and start the emulator on an ephemeral
//! loopback port, run `tests/interop/interop.js` against it, stop the emulator (also on failure).
//! Every step of the script prints one line; the first failing step is named.

mod emulator_process;
mod paths;
mod sdk_install;

use std::process::{Command, ExitCode};

use emulator_process::{EmulatorArgs, EmulatorProcess};

/// The key pair the emulator is started with (a test credential, not a secret).
const SECRET_ID: &str = "AKIDcosrsINTEROPnodejs0000000000000000";
const SECRET_KEY: &str = "cosrs-interop-nodejs-secret-key-0000";
/// The bucket the emulator serves from the start.
const BUCKET: &str = "interop-1250000000";
/// The region the SDK puts into the virtual-host `Host`.
const REGION: &str = "ap-guangzhou";

const USAGE: &str = "usage: cargo xtask interop

Installs cos-nodejs-sdk-v5 (pinned in tests/interop/package-lock.json) into
target/interop-node/, starts the emulator on 127.0.0.1 and runs tests/interop/interop.js
against it. Needs node and npm, and the npm registry for the first install.";

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    if let Some(arg) = args.first() {
        return if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            ExitCode::SUCCESS
        } else {
            eprintln!("unexpected argument `{arg}`\n\n{USAGE}");
            ExitCode::from(2)
        };
    }
    match run_interop() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("interop: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_interop() -> Result<(), String> {
    let paths = paths::Paths::discover()?;
    println!(
        "interop: installing the Node SDK into {}",
        paths.node_dir.display()
    );
    let sdk = sdk_install::install(&paths)?;
    println!("interop: {sdk}");

    println!("interop: building the emulator");
    let binary = emulator_process::build_binary(&paths)?;
    let emulator = EmulatorProcess::start(
        &binary,
        &EmulatorArgs {
            credential: (SECRET_ID, SECRET_KEY),
            buckets: &[BUCKET],
        },
    )?;
    println!(
        "interop: emulator at {} (pid {})",
        emulator.endpoint(),
        emulator.pid()
    );

    let work_dir = paths.node_dir.join("work");
    let status = Command::new("node")
        .arg(paths.node_dir.join(sdk_install::SCRIPT))
        .current_dir(&paths.node_dir)
        .env("INTEROP_ENDPOINT", emulator.endpoint())
        .env("INTEROP_SECRET_ID", SECRET_ID)
        .env("INTEROP_SECRET_KEY", SECRET_KEY)
        .env("INTEROP_BUCKET", BUCKET)
        .env("INTEROP_REGION", REGION)
        .env("INTEROP_WORK_DIR", &work_dir)
        .status()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let stopped = emulator.stop();
    if !status.success() {
        return Err(format!(
            "the Node SDK script failed ({status}); its last line names the step"
        ));
    }
    stopped?;
    if let Err(e) = std::fs::remove_dir_all(&work_dir) {
        eprintln!("interop: could not remove {}: {e}", work_dir.display());
    }
    println!("interop: all steps passed");
    Ok(())
}
