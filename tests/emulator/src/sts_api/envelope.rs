//! The `{"Response": …}` envelope every STS answer comes in, success or error (HTTP 200 both).

use serde_json::{Map, Value, json};

/// An STS error: Tencent's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsFailure {
    /// `AuthFailure.SignatureFailure`, `InvalidParameter.OverTimeError`, …
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl StsFailure {
    /// A failure with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// `{"Response": {…fields, "RequestId"}}`.
pub fn success(mut fields: Map<String, Value>, request_id: &str) -> String {
    fields.insert("RequestId".into(), Value::String(request_id.into()));
    json!({ "Response": Value::Object(fields) }).to_string()
}

/// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
pub fn error(failure: &StsFailure, request_id: &str) -> String {
    json!({
        "Response": {
            "Error": {"Code": failure.code, "Message": failure.message},
            "RequestId": request_id,
        }
    })
    .to_string()
}
