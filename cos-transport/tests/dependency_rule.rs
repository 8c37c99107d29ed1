//! The layering rule of DESIGN.md: cos-transport is the only crate of the workspace that knows
//! an HTTP client (hyper's client, hyper-util's client, hyper-rustls, reqwest).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// (package, dependency) pairs where the dependency is an HTTP client.
fn client_dependencies() -> Vec<(String, String)> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            let features: Vec<&str> = dep["features"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f.as_str())
                .collect();
            let is_client = match dep_name {
                "hyper" => features.contains(&"client"),
                "hyper-util" => features.iter().any(|f| f.starts_with("client")),
                "hyper-rustls" | "reqwest" | "ureq" | "isahc" => true,
                _ => false,
            };
            if is_client {
                found.push((name.to_owned(), dep_name.to_owned()));
            }
        }
    }
    found
}

#[test]
fn only_cos_transport_depends_on_an_http_client() {
    let found = client_dependencies();
    // the check sees this crate's own client dependencies (so it is looking at real data)
    assert!(
        found
            .iter()
            .any(|(p, d)| p == "cos-transport" && d == "hyper-rustls")
    );
    let others: Vec<_> = found.iter().filter(|(p, _)| p != "cos-transport").collect();
    assert!(
        others.is_empty(),
        "HTTP client dependencies outside cos-transport: {others:?} \
         (send raw requests through `cos_transport::HyperTransport` and `Transport::send` instead)"
    );
}
