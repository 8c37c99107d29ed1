//! `cargo xtask demo`: the main job. Starts the emulator on a free loopback port and the
//! direct-upload signing server, then plays a mini program (with signatures, then with
//! temporary keys from `/sts`), uploads a big file with an
//! interruption and a resume, runs an upload list, verifies every object's CRC64 and prints a
//! table. `--real` runs the same steps against real COS (COS_BUCKET, COS_REGION, and
//! COS_SECRET_ID/COS_SECRET_KEY or keys the default credential chain finds).

mod big_upload;
mod mini_program;
mod report;
mod show;
mod stack;
mod sts_upload;
mod upload_list;

use std::process::ExitCode;
use std::time::Instant;

use report::Report;
use stack::{Stack, Target};

const USAGE: &str = "usage: cargo xtask demo [--real] [--big-mib N] [--serve]

  --real       run against real COS (needs COS_BUCKET, COS_REGION, and COS_SECRET_ID/COS_SECRET_KEY
               or keys the default credential chain finds: TENCENTCLOUD_*, ~/.tencentcloud/credentials, ...)
  --big-mib N  size of the big upload in MiB (default 256)
  --serve      afterwards keep the emulator and the signing server running, give the bucket
               CORS rules for the signing server's direct-upload page and print its URL;
               Ctrl-C stops everything (installs cos-js-sdk-v5 into target/browser-node/)";

/// What the command line asked for.
struct Options {
    real: bool,
    big_mib: u64,
    serve: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        real: false,
        big_mib: 256,
        serve: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--real" => options.real = true,
            "--serve" => options.serve = true,
            "--big-mib" => {
                let value = args.next().ok_or("--big-mib needs a number")?;
                options.big_mib = value
                    .parse()
                    .ok()
                    .filter(|n| *n >= 2)
                    .ok_or_else(|| format!("--big-mib: `{value}` is not a number ≥ 2"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.real && options.serve {
        return Err("--serve runs with the emulator only (it sets the bucket's CORS rules)".into());
    }
    Ok(options)
}

/// Runs the demo; exits non-zero when any step does not behave as COS would.
pub fn run(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}\n");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\ndemo FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(options: Options) -> Result<(), String> {
    let started = Instant::now();
    let target = if options.real {
        Target::real_from_env().await?
    } else {
        Target::Emulator
    };
    let mut browser = cos_sign_server::BrowserAccess::new();
    if options.serve {
        let sdk = tokio::task::spawn_blocking(crate::browser::install_js_sdk)
            .await
            .map_err(|e| format!("installing cos-js-sdk-v5: {e}"))??;
        browser = browser.js_sdk(sdk);
    }
    let stack = Stack::start(target, browser).await?;
    println!("{}", stack.describe());
    let mut report = Report::default();
    let outcome = async {
        mini_program::run(&stack, &mut report).await?;
        sts_upload::run(&stack, &mut report).await?;
        big_upload::run(&stack, &mut report, options.big_mib).await?;
        upload_list::run(&stack, &mut report).await?;
        report.verify(&stack).await
    }
    .await;
    if let Err(e) = outcome {
        stack.stop().await;
        return Err(e);
    }
    report.print();
    if options.serve {
        serve(stack).await?;
    } else {
        stack.stop().await;
    }
    println!(
        "\ndemo finished in {:.1} s; everything it started is stopped",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `--serve`: the page stays up, the bucket's CORS rules allow its origin, until Ctrl-C.
async fn serve(stack: Stack) -> Result<(), String> {
    let put = crate::browser::put_bucket_cors(&stack.client, &stack.page_origin()).await;
    if let Err(e) = put {
        stack.stop().await;
        return Err(e);
    }
    println!(
        "\nserving the direct-upload page: {}\n(the emulator and the signing server keep running; Ctrl-C stops them)",
        stack.page_url()
    );
    let waited = tokio::signal::ctrl_c().await;
    stack.stop().await;
    waited.map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
    println!("stopped");
    Ok(())
}
