//! What an STS request says, whichever way it was sent: the action, the signing scheme, and
//! the parameters — a JSON body (TC3), a form body (v1 POST) or the query (GET).

use std::collections::BTreeMap;

use http::request::Parts;
use serde_json::Value;

use super::StsFailure;
use crate::query::Query;

/// How the request is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// TC3-HMAC-SHA256 in the `Authorization` header.
    Tc3 {
        /// The header's value.
        authorization: String,
    },
    /// Signature v1: the `Signature` parameter.
    V1,
}

/// A parsed STS request.
#[derive(Debug, Clone)]
pub struct StsRequest {
    /// The action.
    pub action: String,
    /// The signing scheme.
    pub scheme: Scheme,
    /// The parameters (from the JSON body, the form or the query), as JSON values.
    pub params: BTreeMap<String, Value>,
    /// The v1 parameters exactly as sent (name, decoded value), for the signature check.
    pub v1_pairs: Vec<(String, String)>,
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// `a=1&b=2` decoded (`+` is a space in forms): a form body reads as a query does.
fn form_pairs(text: &str) -> Option<Vec<(String, String)>> {
    Query::parse(Some(text)).map(|q| q.pairs().to_vec())
}

/// Reads the request.
pub fn read(parts: &Parts, body: &[u8]) -> Result<StsRequest, StsFailure> {
    let authorization = header(parts, "authorization").map(str::to_string);
    let tc3 = authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("TC3-HMAC-SHA256"));
    if tc3 {
        let action = header(parts, "x-tc-action")
            .ok_or_else(|| StsFailure::new("MissingParameter", "The request lacks X-TC-Action."))?
            .to_string();
        let params = if parts.method == http::Method::POST {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => m.into_iter().collect(),
                Ok(_) | Err(_) if body.is_empty() => BTreeMap::new(),
                _ => {
                    return Err(StsFailure::new(
                        "InvalidParameter",
                        "The request body is not a JSON object.",
                    ));
                }
            }
        } else {
            form_pairs(parts.uri.query().unwrap_or(""))
                .ok_or_else(|| StsFailure::new("InvalidParameter", "The query is not decodable."))?
                .into_iter()
                .map(|(n, v)| (n, Value::String(v)))
                .collect()
        };
        return Ok(StsRequest {
            action,
            scheme: Scheme::Tc3 {
                authorization: authorization.unwrap_or_default(),
            },
            params,
            v1_pairs: Vec::new(),
        });
    }
    let text = if parts.method == http::Method::POST {
        std::str::from_utf8(body)
            .map_err(|_| StsFailure::new("InvalidParameter", "The form is not UTF-8."))?
            .to_string()
    } else {
        parts.uri.query().unwrap_or("").to_string()
    };
    let pairs = form_pairs(&text)
        .ok_or_else(|| StsFailure::new("InvalidParameter", "The form is not decodable."))?;
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    if find("Signature").is_none() {
        return Err(StsFailure::new(
            "AuthFailure.InvalidAuthorization",
            "The request has neither a TC3 Authorization header nor a Signature parameter.",
        ));
    }
    let action = find("Action")
        .ok_or_else(|| StsFailure::new("MissingParameter", "The request lacks Action."))?;
    let params = pairs
        .iter()
        .map(|(n, v)| (n.clone(), Value::String(v.clone())))
        .collect();
    Ok(StsRequest {
        action,
        scheme: Scheme::V1,
        params,
        v1_pairs: pairs,
    })
}

impl StsRequest {
    /// A parameter as text (JSON strings as they are, numbers as written).
    pub fn text(&self, name: &str) -> Option<String> {
        match self.params.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}
