//! `cargo xtask integration`: runs the conformance suite (`tests/integration`, crate
//! `cos-integration`) against the emulator — which each case starts in-process on an
//! ephemeral 127.0.0.1 port and stops — or, with `COS_SECRET_ID`, `COS_SECRET_KEY`,
//! `COS_BUCKET` and `COS_REGION` all set, against real COS.
//!
//! It runs `cargo test -p cos-integration` with the environment passed through; extra
//! arguments go to the test harness (e.g. a case name filter).

use std::process::{Command, ExitCode};
use std::time::Instant;

/// The variables that select real COS (all four, or none).
const REAL_COS_VARS: [&str; 4] = [
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_BUCKET",
    "COS_REGION",
];

const USAGE: &str = "usage: cargo xtask integration [TEST-HARNESS ARGS...]

Runs the conformance suite (cargo test -p cos-integration) against the emulator, started
in-process on 127.0.0.1 for each case; with COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET and
COS_REGION all set, against real COS instead. Arguments go to the test harness, e.g.
`cargo xtask integration multipart` runs the multipart cases only.";

/// What the suite runs against.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Emulator,
    RealCos { bucket: String, region: String },
}

/// Reads the `COS_*` variables through `lookup`; some but not all set is an error.
fn target(lookup: impl Fn(&str) -> Option<String>) -> Result<Target, String> {
    let values: Vec<Option<String>> = REAL_COS_VARS
        .iter()
        .map(|n| lookup(n).filter(|v| !v.is_empty()))
        .collect();
    if values.iter().all(Option::is_none) {
        return Ok(Target::Emulator);
    }
    match values.as_slice() {
        [Some(_), Some(_), Some(bucket), Some(region)] => Ok(Target::RealCos {
            bucket: bucket.clone(),
            region: region.clone(),
        }),
        _ => {
            let missing: Vec<&str> = REAL_COS_VARS
                .iter()
                .zip(&values)
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            Err(format!(
                "some COS_* variables are set but not {}: set all four to run against real COS, or none for the emulator",
                missing.join(", ")
            ))
        }
    }
}

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let target = match target(|name| std::env::var(name).ok()) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("integration: {message}");
            return ExitCode::from(2);
        }
    };
    match &target {
        Target::Emulator => println!(
            "integration: running the conformance suite against the emulator \
             (started in-process on 127.0.0.1:<ephemeral port> for each case, stopped after it)"
        ),
        Target::RealCos { bucket, region } => println!(
            "integration: running the conformance suite against REAL COS: bucket {bucket}, region {region} \
             (objects under cos-rs-conformance/ are created and deleted)"
        ),
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["test", "--package", "cos-integration"]);
    if !args.is_empty() {
        command.arg("--").args(args);
    }
    let shown: Vec<String> = std::iter::once("cargo".to_owned())
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    println!("integration: {}", shown.join(" "));
    let started = Instant::now();
    let status = match command.status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("integration: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let against = match &target {
        Target::Emulator => "the emulator".to_owned(),
        Target::RealCos { bucket, .. } => format!("real COS ({bucket})"),
    };
    if status.success() {
        println!("integration: the suite passed against {against} in {elapsed:.1} s");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "integration: the suite FAILED against {against} ({status}) after {elapsed:.1} s"
        );
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn no_variables_is_the_emulator() {
        assert_eq!(target(lookup(&[])), Ok(Target::Emulator));
        assert_eq!(target(lookup(&[("COS_BUCKET", "")])), Ok(Target::Emulator));
    }

    #[test]
    fn all_variables_is_real_cos() {
        let vars = [
            ("COS_SECRET_ID", "id"),
            ("COS_SECRET_KEY", "key"),
            ("COS_BUCKET", "b-1250000000"),
            ("COS_REGION", "ap-beijing"),
        ];
        assert_eq!(
            target(lookup(&vars)),
            Ok(Target::RealCos {
                bucket: "b-1250000000".into(),
                region: "ap-beijing".into()
            })
        );
    }

    #[test]
    fn some_variables_is_an_error_naming_the_rest() {
        let err = target(lookup(&[("COS_SECRET_ID", "id")])).unwrap_err();
        assert!(
            err.contains("COS_SECRET_KEY, COS_BUCKET, COS_REGION"),
            "{err}"
        );
    }
}
