//! `cargo xtask interop`: drives Tencent's own SDKs against the emulator and its STS.
//!
//! Steps: install `cos-nodejs-sdk-v5` (pinned by `tests/interop/package-lock.json`, npm
//! registry) into `target/interop-node/` and the Python SDKs (pinned by
//! `tests/interop/requirements.txt`, PyPI) into `target/interop-python/venv/`; build the emulator
//! and the signing server; start the emulator on ephemeral loopback ports (COS and
//! `--sts-listen`); then run, stopping at the first failure:
//! 1. `interop.js`: the Node SDK against COS;
//! 2. `sts_interop.py`: tencentcloud's `StsClient` (TC3) and `qcloud-python-sts` (signature v1)
//!    get keys from the emulator's STS, and `cos-python-sdk-v5` uploads with them where the
//!    policy allows and is refused elsewhere;
//! 3. `sts_get_authorization.js`: with `cos-sign-server --sts` started against the emulator, the
//!    Node SDK's `getAuthorization` passes the `/sts` answer on unchanged and uploads to the
//!    answer's key, and is refused for any other.
//!
//! Every step prints one line; the first failing step is named; every server started is stopped
//! (also on failure).

mod node_install;
mod paths;
mod python_install;
pub(crate) mod script;
mod server_process;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use server_process::ServerProcess;

/// The key pair the emulator is started with (a test credential, not a secret): the account's
/// permanent keys, which STS requests are signed with.
const SECRET_ID: &str = "AKIDcosrsINTEROPnodejs0000000000000000";
const SECRET_KEY: &str = "cosrs-interop-nodejs-secret-key-0000";
/// The bucket the emulator serves from the start.
const BUCKET: &str = "interop-1250000000";
/// The region the SDKs put into the virtual-host `Host` (and the policies' resources).
const REGION: &str = "ap-guangzhou";
/// The bearer token the signing server is started with (a test value).
const SIGN_SERVER_TOKEN: &str = "cos-rs-interop-sign-server-token";
/// How long one script may run before it is killed.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

const USAGE: &str = "usage: cargo xtask interop

Runs Tencent's own SDKs against the emulator on 127.0.0.1, stopping at the first failure:
  tests/interop/interop.js                 cos-nodejs-sdk-v5 against COS
  tests/interop/sts_interop.py             tencentcloud StsClient (TC3) and qcloud-python-sts
                                           (signature v1) get keys from the emulator's STS;
                                           cos-python-sdk-v5 uploads with them where their
                                           policy allows and is refused (403) elsewhere
  tests/interop/sts_get_authorization.js   cos-nodejs-sdk-v5's getAuthorization fed by
                                           cos-sign-server --sts: the answer's key uploads,
                                           any other key is refused (403)
Installs cos-nodejs-sdk-v5 (pinned in tests/interop/package-lock.json) into
target/interop-node/ and the Python SDKs (pinned in tests/interop/requirements.txt) into
target/interop-python/venv/. Needs node, npm and python3 (with venv and pip), and the npm
registry and PyPI for the first install.";

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
    let node_sdk = node_install::install(&paths)?;
    println!("interop: {node_sdk}");
    println!(
        "interop: installing the Python SDKs into {}",
        paths.python_dir.display()
    );
    let (python, python_sdks) = python_install::install(&paths)?;
    println!("interop: {python_sdks}");

    println!("interop: building the emulator and the signing server");
    let binaries = server_process::build_binaries(
        &paths,
        &[
            ("cos-emulator", "cos-emulator"),
            ("cos-sign-server", "cos-sign-server"),
        ],
    )?;
    let emulator = start_emulator(&binaries[0])?;
    let urls = Urls {
        cos: emulator.url(0).to_owned(),
        sts: emulator.url(1).to_owned(),
    };
    println!(
        "interop: emulator at {} with its STS at {} (pid {})",
        urls.cos,
        urls.sts,
        emulator.pid()
    );
    let outcome = run_suites(&paths, &python, &binaries[1], &urls);
    let stopped = emulator.stop();
    match (outcome, stopped) {
        (Err(failed), Err(stop)) => return Err(format!("{failed} (and {stop})")),
        (Err(failed), Ok(())) | (Ok(()), Err(failed)) => return Err(failed),
        (Ok(()), Ok(())) => {}
    }
    for dir in [paths.node_dir.join("work"), paths.python_dir.join("work")] {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            eprintln!("interop: could not remove {}: {e}", dir.display());
        }
    }
    println!("interop: all steps passed");
    Ok(())
}

/// Where the emulator listens.
struct Urls {
    /// `http://127.0.0.1:PORT`: COS.
    cos: String,
    /// `http://127.0.0.1:PORT`: its STS API.
    sts: String,
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

/// The three scripts in order; the emulator is running throughout.
fn run_suites(
    paths: &paths::Paths,
    python: &python_install::PythonEnv,
    sign_server_binary: &Path,
    urls: &Urls,
) -> Result<(), String> {
    let node_script = |script: &str, work: &Path| {
        let mut command = Command::new("node");
        command
            .arg(paths.node_dir.join(script))
            .current_dir(&paths.node_dir)
            .env("INTEROP_ENDPOINT", &urls.cos)
            .env("INTEROP_SECRET_ID", SECRET_ID)
            .env("INTEROP_SECRET_KEY", SECRET_KEY)
            .env("INTEROP_BUCKET", BUCKET)
            .env("INTEROP_REGION", REGION)
            .env("INTEROP_WORK_DIR", work);
        command
    };
    let node_work = paths.node_dir.join("work");

    suite(
        node_install::SCRIPT,
        node_script(node_install::SCRIPT, &node_work),
    )?;

    let mut command = Command::new(&python.python);
    command
        .arg(&python.script)
        .current_dir(&paths.python_dir)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        // requests honours proxy variables; the emulator is on loopback
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("INTEROP_ENDPOINT", &urls.cos)
        .env("INTEROP_STS_ENDPOINT", &urls.sts)
        .env("INTEROP_SECRET_ID", SECRET_ID)
        .env("INTEROP_SECRET_KEY", SECRET_KEY)
        .env("INTEROP_BUCKET", BUCKET)
        .env("INTEROP_REGION", REGION)
        .env("INTEROP_WORK_DIR", paths.python_dir.join("work"));
    suite(python_install::SCRIPT, command)?;

    let sign_server = start_sign_server(sign_server_binary, urls)?;
    println!(
        "interop: signing server at {} (pid {}), /sts keys from {}",
        sign_server.url(0),
        sign_server.pid(),
        urls.sts
    );
    let mut command = node_script(node_install::STS_SCRIPT, &node_work);
    command
        .env("INTEROP_SIGN_SERVER", sign_server.url(0))
        .env("INTEROP_SIGN_TOKEN", SIGN_SERVER_TOKEN);
    let outcome = suite(node_install::STS_SCRIPT, command);
    let stopped = sign_server.stop();
    outcome?;
    stopped
}

/// `cos-sign-server --sts` with the account's keys, minting `/sts` keys at the emulator's STS
/// for uploads to the emulator's COS.
fn start_sign_server(binary: &Path, urls: &Urls) -> Result<ServerProcess, String> {
    let mut command = Command::new(binary);
    command
        .args(["--bucket", BUCKET, "--region", REGION])
        .args(["--endpoint", &urls.cos])
        .args(["--sts", "--sts-endpoint", &urls.sts])
        .args(["--listen", "127.0.0.1:0"])
        .env("COS_SIGN_SERVER_TOKEN", SIGN_SERVER_TOKEN)
        .env("COS_SECRET_ID", SECRET_ID)
        .env("COS_SECRET_KEY", SECRET_KEY)
        .env_remove("COS_SECURITY_TOKEN");
    ServerProcess::start("the signing server", command, &["listening on"])
}

/// Runs one script of `tests/interop/`; a failure names the step that failed.
fn suite(name: &str, command: Command) -> Result<(), String> {
    println!("interop: running tests/interop/{name}");
    script::run(name, command, SCRIPT_TIMEOUT)
}
