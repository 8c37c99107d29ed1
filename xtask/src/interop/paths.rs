//! Where the interop run finds its inputs (`tests/interop/`) and puts its outputs
//! (`<target>/interop-node/`, `<target>/interop-python/`).

use std::path::PathBuf;

/// The directories the interop run works with.
pub struct Paths {
    /// The workspace root.
    pub root: PathBuf,
    /// `tests/interop/`: the driver scripts, package.json and its lock file, requirements.txt.
    pub sources: PathBuf,
    /// `<target>/interop-node/`: the installed Node SDK, copies of the Node scripts, scratch files.
    pub node_dir: PathBuf,
    /// `<target>/interop-python/`: the virtual environment with the pinned Python SDKs.
    pub python_dir: PathBuf,
}

impl Paths {
    /// Finds the workspace from this crate's manifest directory; honours `CARGO_TARGET_DIR`.
    pub fn discover() -> Result<Self, String> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .parent()
            .ok_or_else(|| format!("{} has no parent directory", manifest.display()))?
            .to_path_buf();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_absolute() {
                    dir
                } else {
                    root.join(dir)
                }
            })
            .unwrap_or_else(|| root.join("target"));
        Ok(Paths {
            sources: root.join("tests").join("interop"),
            node_dir: target.join("interop-node"),
            python_dir: target.join("interop-python"),
            root,
        })
    }
}
