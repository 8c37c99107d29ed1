//! Project tasks, run as `cargo xtask <task>`: demo, emulator, integration, interop, browser,
//! bench, sign.
//!
//! Each task lives in its own module; this file only dispatches, so that the tasks can grow
//! independently.

use std::process::ExitCode;

mod account_keys;
mod bench;
mod browser;
mod data;
mod demo;
mod emulator;
mod integration;
mod interop;
mod sign;

const USAGE: &str = "usage: cargo xtask <task> [args]

tasks:
  demo          the emulator on loopback plus real uploads with progress (the main job)
  emulator      run the local COS emulator (cos-emulator's flags)
  integration   run the conformance suite against the emulator (or real COS with COS_* set)
  interop       drive Tencent's Node.js and Python SDKs (COS and STS) against the emulator
  browser       the direct-upload page in headless Chromium (PUT, form POST, cos-js-sdk-v5)
  bench         benchmarks (`bench upload`)
  sign          sign JSON-line requests from stdin (`--tc3`: Cloud API TC3; `--explain`: intermediates)";

fn main() -> ExitCode {
    // RUST_LOG=info: a few lines per upload; cos_transport=debug: one line per request
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut args = std::env::args().skip(1);
    let Some(task) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "demo" => demo::run(&rest),
        "emulator" => emulator::run(&rest),
        "integration" => integration::run(&rest),
        "interop" => interop::run(&rest),
        "bench" => bench::run(&rest),
        "browser" => browser::run(&rest),
        "sign" => sign::run(&rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown task `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
