//! `cargo xtask emulator [ARGS]`: builds and runs the `cos-emulator` binary with ARGS
//! (`--listen 127.0.0.1:0 --credential ID:KEY --bucket NAME-APPID --data-dir DIR --faults SPEC
//! --seed N --region R`). It uses the dev profile, the one `cargo test` already builds, so CI
//! compiles the emulator once. On Unix the task replaces itself with `cargo run` (which in turn
//! becomes the emulator), so Ctrl-C and SIGTERM reach the emulator itself and its stdout (first
//! line `listening on http://…`) and exit status pass through unchanged.

use std::process::{Command, ExitCode};

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "run",
            "--quiet",
            "--package",
            "cos-emulator",
            "--bin",
            "cos-emulator",
            "--",
        ])
        .args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let error = command.exec();
        eprintln!("cannot run cargo for the emulator: {error}");
        ExitCode::FAILURE
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
        Err(e) => {
            eprintln!("cannot run cargo for the emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
