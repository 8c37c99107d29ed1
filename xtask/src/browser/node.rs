//! The browser run's tools: node and npm, Debian's `chromium`, and `cos-js-sdk-v5` plus
//! `puppeteer-core` installed with `npm ci` from `tests/browser/` into `<target>/browser-node/`
//! (the SDK file the page loads comes from there too).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "package.json";
const LOCK: &str = "package-lock.json";
const DRIVER: &str = "drive.js";
/// Holds the lock file the current `node_modules` was installed from.
const STAMP: &str = "installed-from.lock";

/// Where the browser run reads and writes.
pub struct Paths {
    /// `tests/browser/`: package.json, its lock file, drive.js.
    pub sources: PathBuf,
    /// `<target>/browser-node/`: node_modules and a copy of drive.js.
    pub node_dir: PathBuf,
    /// `<target>/browser/`: the generated files, the results and the screenshot.
    pub out_dir: PathBuf,
}

impl Paths {
    /// From this crate's manifest directory; honours `CARGO_TARGET_DIR`.
    pub fn discover() -> Result<Self, String> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .parent()
            .ok_or_else(|| format!("{} has no parent directory", manifest.display()))?
            .to_path_buf();
        let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => dir,
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let paths = Paths {
            sources: root.join("tests").join("browser"),
            node_dir: target.join("browser-node"),
            out_dir: target.join("browser"),
        };
        for dir in [&paths.node_dir, &paths.out_dir] {
            fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        Ok(paths)
    }

    /// The SDK's browser build.
    pub fn js_sdk(&self) -> PathBuf {
        self.node_dir
            .join("node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js")
    }

    /// The screenshot taken after the uploads.
    pub fn screenshot(&self) -> PathBuf {
        self.out_dir.join("uploads.png")
    }
}

/// The chromium binary (`CHROMIUM`, else `chromium` on the PATH) and its version line.
pub fn chromium() -> Result<String, String> {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let version = version(&binary).map_err(|e| {
        format!("{e} (install Debian's package: apt-get install -y chromium, or set CHROMIUM)")
    })?;
    println!("browser: {version}");
    Ok(which(&binary).unwrap_or(binary))
}

fn which(binary: &str) -> Option<String> {
    if binary.contains('/') {
        return Some(binary.to_owned());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(binary))
            .find(|candidate| candidate.is_file())
            .map(|p| p.display().to_string())
    })
}

fn version(tool: &str) -> Result<String, String> {
    let output = Command::new(tool)
        .arg("--version")
        .output()
        .map_err(|e| format!("`{tool}` cannot be started: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{tool} --version` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    let path = dir.join(name);
    fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let path = dir.join(name);
    fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Installs (or reuses) the pinned packages and copies the driver; returns the versions.
pub fn install(paths: &Paths) -> Result<String, String> {
    let node = version("node")?;
    version("npm")?;
    let lock = read(&paths.sources, LOCK)?;
    let package = read(&paths.sources, PACKAGE)?;
    let up_to_date = paths.js_sdk().is_file()
        && read(&paths.node_dir, STAMP).is_ok_and(|s| s == lock)
        && read(&paths.node_dir, PACKAGE).is_ok_and(|p| p == package);
    if !up_to_date {
        write(&paths.node_dir, PACKAGE, &package)?;
        write(&paths.node_dir, LOCK, &lock)?;
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            // puppeteer-core downloads nothing; this keeps any puppeteer install script quiet too
            .env("PUPPETEER_SKIP_DOWNLOAD", "1")
            .current_dir(&paths.node_dir)
            .status()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`npm ci` in {} failed ({status}); it needs the npm registry",
                paths.node_dir.display()
            ));
        }
        write(&paths.node_dir, STAMP, &lock)?;
    }
    write(&paths.node_dir, DRIVER, &read(&paths.sources, DRIVER)?)?;
    let sdk = read(&paths.node_dir, "node_modules/cos-js-sdk-v5/package.json")?;
    let sdk_version = serde_json::from_str::<serde_json::Value>(&sdk)
        .ok()
        .and_then(|v| v.get("version")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    Ok(format!("node {node}, cos-js-sdk-v5 {sdk_version}"))
}

/// Installs the packages (if needed) and returns the SDK file the page loads.
pub fn install_js_sdk() -> Result<PathBuf, String> {
    let paths = Paths::discover()?;
    install(&paths)?;
    Ok(paths.js_sdk())
}
