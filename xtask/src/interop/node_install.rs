//! Installs the pinned `cos-nodejs-sdk-v5` with `npm ci` into `<target>/interop-node/` and puts
//! the Node scripts beside it, so that `require('cos-nodejs-sdk-v5')` resolves there.

use std::fs;
use std::process::Command;

use super::paths::Paths;

/// The SDK run against the emulator (in `tests/interop/` and, copied, in the node directory).
pub const SCRIPT: &str = "interop.js";
/// The SDK's `getAuthorization` fed by the signing server's `/sts` (copied likewise).
pub const STS_SCRIPT: &str = "sts_get_authorization.js";
const PACKAGE: &str = "package.json";
const LOCK: &str = "package-lock.json";
/// Holds the lock file the current `node_modules` was installed from.
const STAMP: &str = "installed-from.lock";

/// Installs (or reuses) the SDK; returns a line naming node's and the SDK's versions.
pub fn install(paths: &Paths) -> Result<String, String> {
    let node = tool_version("node")?;
    tool_version("npm")?;
    fs::create_dir_all(&paths.node_dir)
        .map_err(|e| format!("cannot create {}: {e}", paths.node_dir.display()))?;
    let lock = read(paths, LOCK)?;
    let package = read(paths, PACKAGE)?;
    let stamp = paths.node_dir.join(STAMP);
    let installed = paths
        .node_dir
        .join("node_modules")
        .join("cos-nodejs-sdk-v5")
        .join(PACKAGE);
    let up_to_date = installed.is_file()
        && fs::read_to_string(&stamp).is_ok_and(|s| s == lock)
        && fs::read_to_string(paths.node_dir.join(PACKAGE)).is_ok_and(|p| p == package);
    if up_to_date {
        println!("interop: node_modules matches {LOCK}; not reinstalling");
    } else {
        write(paths, PACKAGE, &package)?;
        write(paths, LOCK, &lock)?;
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&paths.node_dir)
            .status()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`npm ci` in {} failed ({status}); it needs the npm registry",
                paths.node_dir.display()
            ));
        }
        fs::write(&stamp, &lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    for script in [SCRIPT, STS_SCRIPT] {
        let text = read(paths, script)?;
        write(paths, script, &text)?;
    }
    let sdk_manifest = fs::read_to_string(&installed)
        .map_err(|e| format!("the SDK is not installed at {}: {e}", installed.display()))?;
    let version = serde_json::from_str::<serde_json::Value>(&sdk_manifest)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
        .ok_or_else(|| format!("{} has no version", installed.display()))?;
    Ok(format!("node {node}, cos-nodejs-sdk-v5 {version}"))
}

fn read(paths: &Paths, name: &str) -> Result<String, String> {
    let path = paths.sources.join(name);
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(paths: &Paths, name: &str, content: &str) -> Result<(), String> {
    let path = paths.node_dir.join(name);
    fs::write(&path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub(super) fn tool_version(tool: &str) -> Result<String, String> {
    let output = Command::new(tool).arg("--version").output().map_err(|e| {
        format!("`{tool}` is needed for the interop run and cannot be started: {e}")
    })?;
    if !output.status.success() {
        return Err(format!("`{tool} --version` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
