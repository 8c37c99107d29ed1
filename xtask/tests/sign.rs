//! `cargo xtask sign` from outside: the 500 SDK-signed vectors piped through the built binary
//! must come back byte for byte, in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const VECTORS: &str = include_str!("../../cos-sign/tests/vectors/sign-plain.jsonl");

fn run_sign(args: &[&str], input: &str) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("sign")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (output.status, String::from_utf8(output.stdout).unwrap())
}

#[test]
fn the_500_vectors_come_back_byte_for_byte() {
    let (status, stdout) = run_sign(&[], VECTORS);
    assert!(status.success(), "{status}");
    let inputs: Vec<Value> = VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outputs: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(inputs.len(), 500);
    assert_eq!(outputs.len(), inputs.len());
    for (input, output) in inputs.iter().zip(&outputs) {
        assert_eq!(output["id"], input["id"]);
        assert_eq!(
            output["authorization"], input["authorization"],
            "{}",
            input["id"]
        );
        assert_eq!(
            output["http_string"], input["http_string"],
            "{}",
            input["id"]
        );
        assert!(output.get("sign_key").is_none());
    }
}

#[test]
fn explain_and_errors_through_the_binary() {
    let first = VECTORS.lines().next().unwrap();
    let bad = r#"{"id":"bad","secret_id":"a","secret_key":"b","method":"GET","path":"/","headers":{"Host":"x","HOST":"y"},"start":1,"end":2}"#;
    let (status, stdout) = run_sign(&["--explain"], &format!("{first}\n{bad}\n"));
    assert_eq!(
        status.code(),
        Some(1),
        "a rejected line makes the exit status 1"
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["sign_key"].as_str().unwrap().len(), 40);
    assert!(
        lines[0]["string_to_sign"]
            .as_str()
            .unwrap()
            .starts_with("sha1\n")
    );
    assert_eq!(lines[1]["id"], "bad");
    assert_eq!(
        lines[1]["error"],
        "header `host` is given more than once (names are compared lowercased)"
    );
}

const TC3_VECTORS: &str = include_str!("../../cos-sign/tests/vectors/tc3-shared.jsonl");

#[test]
fn tc3_the_shared_vectors_come_back_byte_for_byte() {
    let (status, stdout) = run_sign(&["--tc3"], TC3_VECTORS);
    assert!(status.success(), "{status}");
    let inputs: Vec<Value> = TC3_VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(inputs.len(), 25);
    assert_eq!(lines.len(), inputs.len());
    for (input, line) in inputs.iter().zip(&lines) {
        // Exactly {"name":…,"authorization":…}, in that order: other tools read this.
        let expected = format!(
            "{{\"name\":{},\"authorization\":{}}}",
            input["name"], input["expected_authorization"]
        );
        assert_eq!(*line, expected, "{}", input["name"]);
    }
}

#[test]
fn tc3_explain_adds_the_canonical_request_and_the_string_to_sign() {
    let (status, stdout) = run_sign(&["--tc3", "--explain"], TC3_VECTORS);
    assert!(status.success(), "{status}");
    for (input, line) in TC3_VECTORS.lines().zip(stdout.lines()) {
        let input: Value = serde_json::from_str(input).unwrap();
        let output: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = output
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys.len(),
            4,
            "name, authorization, canonical_request, string_to_sign: {keys:?}"
        );
        assert_eq!(output["authorization"], input["expected_authorization"]);
        assert_eq!(output["canonical_request"], input["canonical_request"]);
        assert_eq!(output["string_to_sign"], input["string_to_sign"]);
    }
    let (status, stdout) = run_sign(&["--tc3"], "{\"name\":\"x\"}\n");
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        stdout,
        "{\"name\":\"x\",\"error\":\"missing `secret_id`\"}\n"
    );
}
