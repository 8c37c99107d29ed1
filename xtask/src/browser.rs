//! `cargo xtask browser`: the browser half, in a real browser. Installs `cos-js-sdk-v5` and
//! `puppeteer-core` (pinned by `tests/browser/package-lock.json`, npm registry) into
//! `target/browser-node/`; starts the emulator (COS and STS) and the signing server with its
//! page on 127.0.0.1; gives the bucket CORS rules that allow the page's origin (through cos-rs's
//! PutBucketCors); then `tests/browser/drive.js` has Debian's headless `chromium` upload files
//! of three sizes (the largest through the SDK's multipart path) three ways each, try the SDK
//! outside its keys' scope, and try a PUT from an origin the rules do not allow. Every object
//! is then checked through cos-rs (HEAD: size, CRC64, ETag); the screenshot taken after the
//! uploads is `target/browser/uploads.png`.
//!
//! Node drives the browser because the page's own SDK is JavaScript and has to be installed
//! from npm anyway; puppeteer-core is the DevTools client Chromium's authors maintain, and it
//! drives the system's chromium without downloading a browser of its own.

mod check;
mod node;
mod stack;

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

pub use node::install_js_sdk;
pub use stack::put_bucket_cors;

/// How long the browser run may take before it is killed.
const DRIVE_TIMEOUT: Duration = Duration::from_secs(110);

const USAGE: &str = "usage: cargo xtask browser

Uploads files from the signing server's page in headless Chromium (PUT /put-auth, form POST
/post-policy, cos-js-sdk-v5 with /sts keys, simple and multipart) to the emulator, checks each
object through cos-rs (size, CRC64, ETag), checks that the SDK is refused outside its keys'
scope and that a page on an origin the bucket's CORS rules do not allow is blocked by the
preflight; saves target/browser/uploads.png. Needs node, npm and chromium (CHROMIUM=path to
use another binary), and the npm registry for the first install into target/browser-node/.";

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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("browser: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(browser()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("browser: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn browser() -> Result<(), String> {
    let started = Instant::now();
    let paths = node::Paths::discover()?;
    let chromium = node::chromium()?;
    let versions = node::install(&paths)?;
    println!("browser: {versions}, {chromium}");
    let files = check::make_files(&paths.out_dir)?;
    let stack = stack::BrowserStack::start(&paths.js_sdk()).await?;
    println!(
        "browser: emulator {}, page {}",
        stack.endpoint_url, stack.page_url
    );
    let outcome = drive(&paths, &chromium, &stack, &files).await;
    let outcome = match outcome {
        Ok(results) => check::verify(&stack, &files, &results).await,
        Err(e) => Err(e),
    };
    stack.stop().await;
    outcome?;
    println!(
        "browser: passed in {:.1} s; screenshot {}",
        started.elapsed().as_secs_f64(),
        paths.screenshot().display()
    );
    Ok(())
}

async fn drive(
    paths: &node::Paths,
    chromium: &str,
    stack: &stack::BrowserStack,
    files: &[check::TestFile],
) -> Result<serde_json::Value, String> {
    let results_path = paths.out_dir.join("results.json");
    let _ = std::fs::remove_file(&results_path);
    let list: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let mut command = Command::new("node");
    command
        .arg(paths.node_dir.join("drive.js"))
        .current_dir(&paths.node_dir)
        .env("BROWSER_CHROMIUM", chromium)
        .env("BROWSER_PAGE_URL", stack.page_url_with_token())
        .env("BROWSER_BLOCKED_URL", stack.blocked_url_with_token())
        .env("BROWSER_FILES", serde_json::json!(list).to_string())
        .env("BROWSER_SCREENSHOT", paths.screenshot())
        .env("BROWSER_RESULTS", &results_path);
    tokio::task::spawn_blocking(move || {
        crate::interop::script::run("drive.js", command, DRIVE_TIMEOUT)
    })
    .await
    .map_err(|e| format!("drive.js: {e}"))??;
    let text = std::fs::read_to_string(&results_path)
        .map_err(|e| format!("reading {}: {e}", results_path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", results_path.display()))
}
