//! `cargo xtask sign`: signs JSON-line requests from stdin with the default header policy and
//! writes one JSON line per request to stdout — what to reach for when COS answers
//! `SignatureDoesNotMatch`, and how the signer is checked from outside.
//!
//! Input lines use the vector format (`shared/vectors/README.md`): `id`, `secret_id`,
//! `secret_key`, optional `security_token`, `method`, `path` (a missing leading `/` is added),
//! `headers` and `query` (objects of strings, or arrays of `[name, value]` pairs), `start`,
//! `end`. Other fields (`authorization`, `http_string`, …) are ignored. Output:
//! `{"id":…,"authorization":…,"http_string":…}` (plus `sign_key` and `string_to_sign` with
//! `--explain`), or `{"id":…,"error":"…"}` for a line it rejects. Blank lines are skipped.
//! Exit status: 0 when every line was signed, 1 when some line was rejected, 2 on a usage or
//! IO error.
//!
//! `--tc3` signs Cloud API 3.0 requests (TC3-HMAC-SHA256) instead, from lines in the format of
//! `shared/vectors/tc3-shared.jsonl`; see [`tc3`].

mod tc3;

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};
use serde::Serialize;
use serde_json::Value;

const USAGE: &str = "usage: cargo xtask sign [--tc3] [--explain] < requests.jsonl

Signs one request per JSON line (fields: id, secret_id, secret_key, [security_token], method,
path, headers, query, start, end) with the SDKs' default header policy and prints one JSON line
per request: {\"id\",\"authorization\",\"http_string\"} or {\"id\",\"error\"}.
  --explain   also print sign_key and string_to_sign
  --tc3       sign Cloud API 3.0 requests with TC3-HMAC-SHA256 instead (fields: name,
              secret_id, secret_key, service, host, timestamp, method, content_type, query,
              payload; optional signed_headers, headers) and print {\"name\",\"authorization\"}
              (--explain adds canonical_request and string_to_sign) or {\"name\",\"error\"}";

/// Runs the task with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    let mut explain = false;
    let mut tc3 = false;
    for arg in args {
        match arg.as_str() {
            "--explain" => explain = true,
            "--tc3" => tc3 = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument `{other}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let stdin = std::io::stdin().lock();
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    let sign_line = if tc3 { tc3::sign_line } else { sign_line };
    match sign_stream(stdin, &mut stdout, explain, sign_line) {
        Ok(Summary { rejected: 0, .. }) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo xtask sign: {e}");
            ExitCode::from(2)
        }
    }
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    signed: usize,
    rejected: usize,
}

/// Signs every line of `input` into `output` with `sign_line`.
fn sign_stream(
    input: impl BufRead,
    output: &mut impl Write,
    explain: bool,
    sign_line: fn(&str, bool) -> (String, bool),
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (text, ok) = sign_line(&line, explain);
        writeln!(output, "{text}")?;
        if ok {
            summary.signed += 1;
        } else {
            summary.rejected += 1;
        }
    }
    output.flush()?;
    Ok(summary)
}

#[derive(Serialize)]
struct Signed<'a> {
    id: &'a Value,
    authorization: &'a str,
    http_string: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sign_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_to_sign: Option<&'a str>,
}

#[derive(Serialize)]
struct Rejected<'a> {
    id: &'a Value,
    error: &'a str,
}

/// Signs one input line; returns the output line and whether it was signed.
fn sign_line(line: &str, explain: bool) -> (String, bool) {
    let parsed: Result<Value, _> = serde_json::from_str(line);
    let null = Value::Null;
    let (id, result) = match &parsed {
        Ok(value) => (value.get("id").unwrap_or(&null), sign_value(value, explain)),
        Err(e) => (&null, Err(format!("not a JSON object: {e}"))),
    };
    let (text, ok) = match result {
        Ok(out) => (
            serde_json::to_string(&Signed {
                id,
                authorization: &out.authorization,
                http_string: &out.http_string,
                sign_key: out.sign_key.as_deref(),
                string_to_sign: out.string_to_sign.as_deref(),
            }),
            true,
        ),
        Err(error) => (
            serde_json::to_string(&Rejected { id, error: &error }),
            false,
        ),
    };
    // Serializing strings and JSON values cannot fail; keep a valid line if it ever did.
    (
        text.unwrap_or_else(|e| format!("{{\"id\":null,\"error\":\"{e}\"}}")),
        ok,
    )
}

struct Output {
    authorization: String,
    http_string: String,
    sign_key: Option<String>,
    string_to_sign: Option<String>,
}

fn string_field<'a>(value: &'a Value, name: &str) -> Result<&'a str, String> {
    match value.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(format!("`{name}` must be a string")),
        None => Err(format!("missing `{name}`")),
    }
}

fn seconds_field(value: &Value, name: &str) -> Result<u64, String> {
    match value.get(name) {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("`{name}` must be Unix seconds (a non-negative integer)")),
        None => Err(format!("missing `{name}`")),
    }
}

/// Reads `headers` / `query`: an object of strings or an array of `[name, value]` pairs.
fn pairs_field<'a>(value: &'a Value, name: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    let bad =
        || format!("`{name}` must be an object of strings or an array of [name, value] pairs");
    match value.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.as_str(),
                    v.as_str()
                        .ok_or_else(|| format!("`{name}.{k}` must be a string"))?,
                ))
            })
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Ok((k.as_str(), v.as_str())),
                _ => Err(bad()),
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn sign_value(value: &Value, explain: bool) -> Result<Output, String> {
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    let mut credentials = Credentials::new(
        string_field(value, "secret_id")?,
        string_field(value, "secret_key")?,
    );
    if let Some(token) = value.get("security_token").and_then(Value::as_str) {
        credentials = credentials.with_security_token(token);
    }
    let path = string_field(value, "path")?;
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let query = pairs_field(value, "query")?;
    let headers = pairs_field(value, "headers")?;
    let request = SignableRequest {
        method: string_field(value, "method")?,
        path: &path,
        query: &query,
        headers: &headers,
    };
    let key_time = KeyTime::new(seconds_field(value, "start")?, seconds_field(value, "end")?);
    let signature = sign(&request, &credentials, key_time, &HeaderPolicy::Default)
        .map_err(|e| e.to_string())?;
    Ok(Output {
        authorization: signature.authorization().to_string(),
        http_string: signature.http_string().to_string(),
        sign_key: explain.then(|| signature.sign_key().to_string()),
        string_to_sign: explain.then(|| signature.string_to_sign().to_string()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const N5: &str = r#"{"id":"N5","secret_id":"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q","secret_key":"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz","method":"POST","path":"obj","headers":[["Host","examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"]],"query":{"uploads":""},"start":1700000000,"end":1700003600,"authorization":"ignored"}"#;

    #[test]
    fn signs_a_line_in_the_documented_shape() {
        let (text, ok) = sign_line(N5, false);
        assert!(ok);
        assert_eq!(
            text,
            r#"{"id":"N5","authorization":"q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=uploads&q-signature=3798940ab297efce6507dcc34d513a98a0a9b459","http_string":"post\n/obj\nuploads=\nhost=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\n"}"#
        );
    }

    #[test]
    fn explain_adds_the_intermediates() {
        let (text, _) = sign_line(N5, true);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["sign_key"], "552178a693a0d230b84a4f15c143bc3c2cb3d9c0");
        assert_eq!(
            v["string_to_sign"],
            "sha1\n1700000000;1700003600\ncc52a6714267a5b44fc7732b4624271a15e2bc4e\n"
        );
    }

    #[test]
    fn rejected_lines_keep_their_id_and_hide_secrets() {
        let dup = N5.replace(r#"{"uploads":""}"#, r#"{"uploads":"","UPLOADS":""}"#);
        let (text, ok) = sign_line(&dup, false);
        assert!(!ok);
        assert_eq!(
            text,
            r#"{"id":"N5","error":"query parameter `uploads` is given more than once (names are compared lowercased)"}"#
        );
        assert!(!text.contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"));

        let (text, ok) = sign_line(
            r#"{"id":7,"secret_id":"a","secret_key":"b","method":"GET","path":"/","start":2,"end":1}"#,
            false,
        );
        assert!(!ok);
        assert_eq!(
            text,
            r#"{"id":7,"error":"key time ends (1) before it starts (2)"}"#
        );
        let (text, _) = sign_line(r#"{"id":[1],"secret_key":"b"}"#, false);
        assert_eq!(text, r#"{"id":[1],"error":"missing `secret_id`"}"#);
        let (text, _) = sign_line("not json", false);
        assert!(
            text.starts_with(r#"{"id":null,"error":"not a JSON object"#),
            "{text}"
        );
        let (text, _) = sign_line(
            r#"{"id":1,"secret_id":"a","secret_key":"b","method":"GET","path":"/","start":1,"end":2,"headers":{"a":1}}"#,
            false,
        );
        assert_eq!(text, r#"{"id":1,"error":"`headers.a` must be a string"}"#);
    }

    #[test]
    fn stream_keeps_order_and_counts() {
        let input = format!("{N5}\n\n{{}}\n{N5}\n");
        let mut out = Vec::new();
        let summary = sign_stream(input.as_bytes(), &mut out, false, sign_line).unwrap();
        assert_eq!(
            summary,
            Summary {
                signed: 2,
                rejected: 1
            }
        );
        let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("3798940ab297efce6507dcc34d513a98a0a9b459"));
        assert_eq!(lines[1], r#"{"id":null,"error":"missing `secret_id`"}"#);
        assert_eq!(lines[0], lines[2]);
    }
}
