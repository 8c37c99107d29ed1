//! Embeddability: without default features cos-sign is `no_std` + `alloc`, and nothing async
//! or IO is in its dependency tree. Checked two ways: `cargo tree` over the feature-resolved
//! graph (no `std` feature, no async/IO crate), and linking a `#![no_std]` static library with
//! its own panic handler against it (`tests/no_std_probe/lib.rs`), which fails if any
//! dependency links `std`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `name version|features` of every non-proc-macro dependency, for the given feature flags.
fn dependency_features(features: &[&str]) -> Vec<(String, Vec<String>)> {
    let output = cargo()
        .args([
            "tree",
            "--manifest-path",
            &format!("{MANIFEST_DIR}/Cargo.toml"),
            "-p",
            "cos-sign",
        ])
        .args([
            "--no-default-features",
            "-e",
            "normal,no-proc-macro",
            "--prefix",
            "none",
            "-f",
            "{p}|{f}",
        ])
        .args(features)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (package, features) = line.split_once('|').unwrap();
            let name = package.split_whitespace().next().unwrap().to_string();
            let features = features
                .trim_end_matches(" (*)")
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            (name, features)
        })
        .collect()
}

const ASYNC_OR_IO: [&str; 12] = [
    "tokio",
    "async-std",
    "async-io",
    "smol",
    "futures",
    "mio",
    "hyper",
    "reqwest",
    "socket2",
    "polling",
    "http-body",
    "tracing",
];

#[test]
fn no_std_feature_and_no_async_or_io_crate_without_default_features() {
    for flags in [&[][..], &["--features", "verify"][..]] {
        let deps = dependency_features(flags);
        assert!(deps.iter().any(|(name, _)| name == "sha1"), "{deps:?}");
        for (name, features) in &deps {
            assert!(
                !features.iter().any(|f| f == "std"),
                "{name} has `std` enabled with {flags:?}"
            );
            assert!(
                !ASYNC_OR_IO
                    .iter()
                    .any(|bad| name == bad || name.starts_with(&format!("{bad}-"))),
                "{name} is an async/IO crate in the tree with {flags:?}"
            );
        }
    }
}

#[test]
fn the_crate_root_is_no_std_unconditionally() {
    let lib = std::fs::read_to_string(Path::new(MANIFEST_DIR).join("src/lib.rs")).unwrap();
    assert!(lib.lines().any(|l| l.trim() == "#![no_std]"));
    assert!(lib.contains("#[cfg(feature = \"std\")]\nextern crate std;"));
}

#[test]
fn a_no_std_library_links_against_it() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no_std_probe");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(
        Path::new(MANIFEST_DIR).join("tests/no_std_probe/lib.rs"),
        dir.join("src/lib.rs"),
    )
    .unwrap();
    let manifest = format!(
        r#"[package]
name = "cos-sign-no-std-probe"
version = "0.0.0"
edition = "2024"
publish = false

[lib]
crate-type = ["staticlib"]

[dependencies]
cos-sign = {{ path = {:?}, default-features = false, features = ["verify"] }}

[profile.dev]
panic = "abort"

[workspace]
"#,
        MANIFEST_DIR
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // Start from the workspace's lock so the probe builds the versions the workspace uses.
    let lock = Path::new(MANIFEST_DIR).join("../Cargo.lock");
    if lock.exists() && !dir.join("Cargo.lock").exists() {
        std::fs::copy(lock, dir.join("Cargo.lock")).unwrap();
    }
    let output = cargo()
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the no_std probe did not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
