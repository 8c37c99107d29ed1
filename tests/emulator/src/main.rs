//! `cos-emulator`: runs the local COS server until Ctrl-C or SIGTERM.
//!
//! The first line on stdout is `listening on http://127.0.0.1:PORT`; with `--sts-listen` the
//! second is `sts listening on http://127.0.0.1:PORT`; when no credential is given, the demo
//! pair follows on the next line. Logs go to stderr (`RUST_LOG` filters them).

use clap::Parser;
use cos_emulator::cli::Args;
use cos_emulator::{DEMO_SECRET_ID, DEMO_SECRET_KEY};
use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cos-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let builder = match args.builder() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cos-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cos-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", emulator.endpoint_url());
        if let Some(sts) = emulator.sts_url() {
            let _ = writeln!(out, "sts listening on {sts}");
        }
        if emulator.uses_demo_credential() {
            let _ = writeln!(out, "demo credential {DEMO_SECRET_ID}:{DEMO_SECRET_KEY}");
        }
        let _ = out.flush();
    }
    wait_for_signal().await;
    eprintln!("cos-emulator: stopping");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
