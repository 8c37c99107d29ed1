//! `cargo xtask interop`: drives Tencent's own Node.js SDK (`cos-nodejs-sdk-v5`) against the
//! emulator.
//!
//! Steps: install the SDK pinned by `tests/interop/package-lock.json` into
//! `target/interop-node/` (npm registry only), build and start the emulator on ephemeral
//! loopback ports (COS and `--sts-listen`), run `tests/interop/interop.js` against it, stop the
//! emulator (also on failure).
//! Every step of the script prints one line; the first failing step is named.

mod paths;
mod script;
mod sdk_install;
mod server_process;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use server_process::ServerProcess;

/// The key pair the emulator is started with (a test credential, not a secret).
const SECRET_ID: &str = "AKIDcosrsINTEROPnodejs0000000000000000";
const SECRET_KEY: &str = "cosrs-interop-nodejs-secret-key-0000";
/// The bucket the emulator serves from the start.
const BUCKET: &str = "interop-1250000000";
/// The region the SDK puts into the virtual-host `Host`.
const REGION: &str = "ap-guangzhou";
/// How long one script may run before it is killed.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

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
    let binaries = server_process::build_binaries(&paths, &[("cos-emulator", "cos-emulator")])?;
    let emulator = start_emulator(&binaries[0])?;
    println!(
        "interop: emulator at {} with its STS at {} (pid {})",
        emulator.url(0),
        emulator.url(1),
        emulator.pid()
    );

    let work_dir = paths.node_dir.join("work");
    let mut command = Command::new("node");
    command
        .arg(paths.node_dir.join(sdk_install::SCRIPT))
        .current_dir(&paths.node_dir)
        .env("INTEROP_ENDPOINT", emulator.url(0))
        .env("INTEROP_SECRET_ID", SECRET_ID)
        .env("INTEROP_SECRET_KEY", SECRET_KEY)
        .env("INTEROP_BUCKET", BUCKET)
        .env("INTEROP_REGION", REGION)
        .env("INTEROP_WORK_DIR", &work_dir);
    let outcome = suite(sdk_install::SCRIPT, command);
    let stopped = emulator.stop();
    match (outcome, stopped) {
        (Err(failed), Err(stop)) => return Err(format!("{failed} (and {stop})")),
        (Err(failed), Ok(())) | (Ok(()), Err(failed)) => return Err(failed),
        (Ok(()), Ok(())) => {}
    }
    if let Err(e) = std::fs::remove_dir_all(&work_dir) {
        eprintln!("interop: could not remove {}: {e}", work_dir.display());
    }
    println!("interop: all steps passed");
    Ok(())
}

fn start_emulator(binary: &Path) -> Result<ServerProcess, String> {
    let mut command = Command::new(binary);
    command
        .args(["--listen", "127.0.0.1:0", "--sts-listen", "127.0.0.1:0"])
        .args(["--credential", &format!("{SECRET_ID}:{SECRET_KEY}")])
        .args(["--bucket", BUCKET]);
    ServerProcess::start(
        "the emulator",
        command,
        &["listening on", "sts listening on"],
    )
}

/// Runs one script of `tests/interop/`; a failure names the step that failed.
fn suite(name: &str, command: Command) -> Result<(), String> {
    println!("interop: running tests/interop/{name}");
    script::run(name, command, SCRIPT_TIMEOUT)
}
