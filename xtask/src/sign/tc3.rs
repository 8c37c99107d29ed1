//! `cargo xtask sign --tc3`: TC3-HMAC-SHA256 (Cloud API 3.0) signatures for JSON-line requests,
//! one output line each — how the STS signer is checked from outside, by the shared vectors
//! and by other tools.
//!
//! Input lines use the fields of `shared/vectors/tc3-shared.jsonl`: `name` (echoed),
//! `secret_id`, `secret_key`, `service`, `host` (the value signed on the `host:` line),
//! `timestamp`, `method`, `content_type`, `query` (as sent; `""` for POST), `payload` (the body;
//! its UTF-8 bytes are hashed), optionally `path` (default `/`). `action`, `version`, `region`
//! and `token` travel unsigned and do not change the signature. Optional `signed_headers`
//! (`content-type;host;x-tc-action`) signs more headers, their values taken from `headers` (an
//! object or `[name, value]` pairs) or else from `action`/`timestamp`/`version`/`region`/`token`;
//! a `headers` entry `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` (or `"unsigned_payload": true`)
//! signs the payload as unsigned. Other fields are ignored.
//!
//! Output, exactly: `{"name":…,"authorization":…}`, with `--explain` also
//! `"canonical_request"` and `"string_to_sign"`; `{"name":…,"error":…}` for a line it rejects.

use cos_sign::Credentials;
use cos_sign::tc3::{self, Tc3Request};
use serde::Serialize;
use serde_json::Value;

use super::{pairs_field, seconds_field, string_field};

#[derive(Serialize)]
struct Signed<'a> {
    name: &'a Value,
    authorization: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical_request: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_to_sign: Option<&'a str>,
}

#[derive(Serialize)]
struct Rejected<'a> {
    name: &'a Value,
    error: &'a str,
}

/// Signs one input line; returns the output line and whether it was signed.
pub(super) fn sign_line(line: &str, explain: bool) -> (String, bool) {
    let parsed: Result<Value, _> = serde_json::from_str(line);
    let null = Value::Null;
    let (name, result) = match &parsed {
        Ok(value) => (value.get("name").unwrap_or(&null), sign_value(value)),
        Err(e) => (&null, Err(format!("not a JSON object: {e}"))),
    };
    let (text, ok) = match result {
        Ok(signature) => (
            serde_json::to_string(&Signed {
                name,
                authorization: signature.authorization(),
                canonical_request: explain.then(|| signature.canonical_request()),
                string_to_sign: explain.then(|| signature.string_to_sign()),
            }),
            true,
        ),
        Err(error) => (
            serde_json::to_string(&Rejected {
                name,
                error: &error,
            }),
            false,
        ),
    };
    // Serializing strings and JSON values cannot fail; keep a valid line if it ever did.
    (
        text.unwrap_or_else(|e| format!("{{\"name\":null,\"error\":\"{e}\"}}")),
        ok,
    )
}

/// The value of an extra signed header: from `headers`, else from the request's own fields.
fn header_value(value: &Value, headers: &[(&str, &str)], name: &str) -> Result<String, String> {
    if let Some((_, v)) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Ok((*v).to_string());
    }
    let field = match name {
        "x-tc-action" => "action",
        "x-tc-timestamp" => "timestamp",
        "x-tc-version" => "version",
        "x-tc-region" => "region",
        "x-tc-token" => "token",
        _ => return Err(format!("signed header `{name}` has no value in `headers`")),
    };
    match value.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!(
            "signed header `{name}` has no value (`{field}` is missing)"
        )),
    }
}

fn sign_value(value: &Value) -> Result<tc3::Tc3Signature, String> {
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    let credentials = Credentials::new(
        string_field(value, "secret_id")?,
        string_field(value, "secret_key")?,
    );
    let headers = pairs_field(value, "headers")?;
    let unsigned = value.get("unsigned_payload").and_then(Value::as_bool) == Some(true)
        || headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case(tc3::CONTENT_SHA256_HEADER) && v.trim() == "UNSIGNED-PAYLOAD"
        });
    let payload = string_field(value, "payload")?;
    let path = match value.get("path") {
        None | Some(Value::Null) => "/",
        Some(_) => string_field(value, "path")?,
    };
    let request = Tc3Request {
        method: string_field(value, "method")?,
        host: string_field(value, "host")?,
        path,
        query: string_field(value, "query")?,
        content_type: string_field(value, "content_type")?,
        payload: if unsigned {
            tc3::UNSIGNED_PAYLOAD
        } else {
            payload.as_bytes()
        },
        service: string_field(value, "service")?,
        timestamp: seconds_field(value, "timestamp")?,
    };
    let extra_names: Vec<&str> = match value.get("signed_headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => string_field(value, "signed_headers")?
            .split(';')
            .filter(|n| !n.is_empty() && *n != "content-type" && *n != "host")
            .collect(),
    };
    if extra_names.is_empty() {
        return Ok(tc3::sign(&request, &credentials));
    }
    let extra = extra_names
        .iter()
        .map(|name| Ok((*name, header_value(value, &headers, name)?)))
        .collect::<Result<Vec<(&str, String)>, String>>()?;
    let pairs: Vec<(&str, &str)> = extra.iter().map(|(n, v)| (*n, v.as_str())).collect();
    tc3::sign_with_headers(&request, &pairs, &credentials).map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const DOC_POST: &str = r#"{"name":"doc-cvm-describeinstances-post","secret_id":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE","secret_key":"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE","service":"cvm","host":"cvm.tencentcloudapi.com","action":"DescribeInstances","version":"2017-03-12","region":"ap-guangzhou","timestamp":1551113065,"method":"POST","content_type":"application/json; charset=utf-8","query":"","payload":"{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": \"instance-name\"}]}","token":null}"#;

    #[test]
    fn signs_the_published_example_in_the_documented_shape() {
        let (text, ok) = sign_line(DOC_POST, false);
        assert!(ok);
        assert_eq!(
            text,
            r#"{"name":"doc-cvm-describeinstances-post","authorization":"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"}"#
        );
        let (text, _) = sign_line(DOC_POST, true);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["string_to_sign"],
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert!(
            v["canonical_request"]
                .as_str()
                .unwrap()
                .starts_with("POST\n/\n\ncontent-type:application/json; charset=utf-8\n")
        );
    }

    #[test]
    fn extra_signed_headers_and_unsigned_payloads() {
        let mut v: Value = serde_json::from_str(DOC_POST).unwrap();
        v["signed_headers"] = "content-type;host;x-tc-action;x-tc-timestamp".into();
        let (text, ok) = sign_line(&v.to_string(), true);
        assert!(ok, "{text}");
        let out: Value = serde_json::from_str(&text).unwrap();
        assert!(out["canonical_request"].as_str().unwrap().contains(
            "\nx-tc-action:describeinstances\nx-tc-timestamp:1551113065\n\ncontent-type;host;x-tc-action;x-tc-timestamp\n"
        ));
        v["signed_headers"] = "content-type;host;x-tc-language".into();
        let (text, ok) = sign_line(&v.to_string(), false);
        assert!(!ok);
        assert_eq!(
            text,
            r#"{"name":"doc-cvm-describeinstances-post","error":"signed header `x-tc-language` has no value in `headers`"}"#
        );

        let mut v: Value = serde_json::from_str(DOC_POST).unwrap();
        v["headers"] = serde_json::json!({"X-TC-Content-SHA256": "UNSIGNED-PAYLOAD"});
        let (text, _) = sign_line(&v.to_string(), true);
        let out: Value = serde_json::from_str(&text).unwrap();
        assert!(
            out["canonical_request"]
                .as_str()
                .unwrap()
                .ends_with(&tc3::sha256_hex(b"UNSIGNED-PAYLOAD"))
        );
    }

    #[test]
    fn rejected_lines_keep_their_name_and_hide_secrets() {
        let (text, ok) = sign_line(
            &DOC_POST.replace(r#""timestamp":1551113065"#, r#""timestamp":"x""#),
            false,
        );
        assert!(!ok);
        assert_eq!(
            text,
            r#"{"name":"doc-cvm-describeinstances-post","error":"`timestamp` must be Unix seconds (a non-negative integer)"}"#
        );
        assert!(!text.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"));
        let (text, _) = sign_line(r#"{"name":3}"#, false);
        assert_eq!(text, r#"{"name":3,"error":"missing `secret_id`"}"#);
        let (text, _) = sign_line("[]", false);
        assert_eq!(text, r#"{"name":null,"error":"not a JSON object"}"#);
    }
}
