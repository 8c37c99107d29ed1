//! `cargo xtask sign`: not built yet (see the open issues).

use std::process::ExitCode;

/// Runs the task with the arguments after its name.
pub fn run(_args: &[String]) -> ExitCode {
    eprintln!("cargo xtask sign is not built yet");
    ExitCode::FAILURE
}
