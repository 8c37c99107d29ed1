//! Installs Tencent's Python SDKs pinned by `tests/interop/requirements.txt` into a virtual
//! environment at `<target>/interop-python/venv/` (PyPI only; nothing outside the target
//! directory is written but pip's own cache is not used either).
//!
//! Every package, dependencies included, is pinned in that file and installed with `--no-deps`,
//! so nothing unpinned comes in; `pip check` then proves the list is complete. crcmod ships no
//! wheel: it is built with the pinned setuptools below, without build isolation (which would
//! fetch an unpinned setuptools). The environment is rebuilt when the file, the setuptools pin
//! or the Python version changes.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use super::node_install::tool_version;
use super::paths::Paths;

/// The script the run executes (from `tests/interop/`, not copied).
pub const SCRIPT: &str = "sts_interop.py";
const REQUIREMENTS: &str = "requirements.txt";
/// Builds crcmod (sdist only); installed before the requirements.
const SETUPTOOLS: &str = "setuptools==80.9.0";
/// What the current environment was installed from.
const STAMP: &str = "installed-from.txt";
/// The packages named on the install line (the rest are their dependencies).
const TENCENT_PACKAGES: [&str; 4] = [
    "tencentcloud-sdk-python-common",
    "tencentcloud-sdk-python-sts",
    "qcloud-python-sts",
    "cos-python-sdk-v5",
];

/// The installed environment.
pub struct PythonEnv {
    /// `venv/bin/python`.
    pub python: PathBuf,
    /// `tests/interop/sts_interop.py`.
    pub script: PathBuf,
}

/// Installs (or reuses) the environment; returns it and a line naming Python's and the SDKs'
/// versions.
pub fn install(paths: &Paths) -> Result<(PythonEnv, String), String> {
    let python_version = tool_version("python3")?;
    let requirements_path = paths.sources.join(REQUIREMENTS);
    let requirements = fs::read_to_string(&requirements_path)
        .map_err(|e| format!("cannot read {}: {e}", requirements_path.display()))?;
    let pins = pins(&requirements)?;
    let venv = paths.python_dir.join("venv");
    let python = venv.join("bin").join("python");
    let stamp_path = paths.python_dir.join(STAMP);
    let stamp = format!("{python_version}\n{SETUPTOOLS}\n{requirements}");
    let up_to_date = python.is_file() && fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp);
    if up_to_date {
        println!("interop: the Python environment matches {REQUIREMENTS}; not reinstalling");
    } else {
        if venv.exists() {
            fs::remove_dir_all(&venv)
                .map_err(|e| format!("cannot remove the old {}: {e}", venv.display()))?;
        }
        fs::create_dir_all(&paths.python_dir)
            .map_err(|e| format!("cannot create {}: {e}", paths.python_dir.display()))?;
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
            "is Python's venv module installed?",
        )?;
        let pip = || {
            let mut command = Command::new(&python);
            command.args([
                "-m",
                "pip",
                "--no-input",
                "--disable-pip-version-check",
                "--no-cache-dir",
            ]);
            command
        };
        run(
            pip().args(["install", "--quiet", "--no-deps", SETUPTOOLS]),
            "pip install setuptools",
            NEEDS_PYPI,
        )?;
        run(
            pip()
                .args([
                    "install",
                    "--quiet",
                    "--no-deps",
                    "--no-build-isolation",
                    "--requirement",
                ])
                .arg(&requirements_path),
            "pip install --requirement tests/interop/requirements.txt",
            NEEDS_PYPI,
        )?;
        let check = pip()
            .arg("check")
            .output()
            .map_err(|e| format!("cannot run pip check: {e}"))?;
        if !check.status.success() {
            return Err(format!(
                "pip check failed: a dependency is missing from {REQUIREMENTS} or pinned to a \
                 version that does not fit:\n{}",
                String::from_utf8_lossy(&check.stdout).trim()
            ));
        }
        fs::write(&stamp_path, &stamp)
            .map_err(|e| format!("cannot write {}: {e}", stamp_path.display()))?;
    }
    let named = TENCENT_PACKAGES
        .iter()
        .map(|name| {
            pins.iter()
                .find(|(n, _)| n == name)
                .map(|(n, v)| format!("{n} {v}"))
                .ok_or_else(|| format!("{REQUIREMENTS} does not pin {name}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let env = PythonEnv {
        python,
        script: paths.sources.join(SCRIPT),
    };
    let line = format!(
        "{python_version}, {} (+{} pinned dependencies)",
        named.join(", "),
        pins.len() - named.len()
    );
    Ok((env, line))
}

/// The `name==version` lines of a requirements file; anything else but comments is refused,
/// so that every package stays pinned to one version.
fn pins(requirements: &str) -> Result<Vec<(String, String)>, String> {
    requirements
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once("==")
                .filter(|(name, version)| {
                    !name.is_empty()
                        && !version.is_empty()
                        && !version.contains(['*', ',', ';', ' '])
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                })
                .map(|(name, version)| (name.to_owned(), version.to_owned()))
                .ok_or_else(|| {
                    format!("{REQUIREMENTS}: `{line}` is not an exact `name==version` pin")
                })
        })
        .collect()
}

const NEEDS_PYPI: &str = "installing needs PyPI";

fn run(command: &mut Command, what: &str, hint: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status}); {hint}"))
    }
}

#[cfg(test)]
mod tests {
    use super::pins;

    #[test]
    fn exact_pins_are_read() {
        let got = pins("# c\n\nrequests==2.34.2  # why\ncos-python-sdk-v5==1.9.44\n").unwrap();
        assert_eq!(
            got,
            vec![
                ("requests".to_owned(), "2.34.2".to_owned()),
                ("cos-python-sdk-v5".to_owned(), "1.9.44".to_owned())
            ]
        );
    }

    #[test]
    fn loose_requirements_are_refused() {
        for line in [
            "requests",
            "requests>=2",
            "requests==2.*",
            "a==1; python_version<'3'",
        ] {
            assert!(pins(line).is_err(), "{line}");
        }
    }
}
