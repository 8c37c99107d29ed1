//! `CosError`: an error answered by COS, from an `<Error>` body, a body-less HEAD, or a 200
//! whose body is `<Error>`.

use crate::ErrorCode;
use crate::response::header_str;
use http::{HeaderMap, StatusCode};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An error COS answered.
///
/// Built by [`CosError::from_response`]; written back by [`CosError::to_xml`] (servers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosError {
    /// The HTTP status (200 for an `<Error>` inside a 200, e.g. Complete Multipart Upload).
    pub status: StatusCode,
    /// The error code.
    pub code: ErrorCode,
    /// The message (the status's reason when the response had no body).
    pub message: String,
    /// `<Resource>`: what the request addressed.
    pub resource: Option<String>,
    /// `<RequestId>` or the `x-cos-request-id` header.
    pub request_id: Option<String>,
    /// `<TraceId>` or the `x-cos-trace-id` header.
    pub trace_id: Option<String>,
    /// `<StringToSign>` (SignatureDoesNotMatch): what the server signed.
    pub string_to_sign: Option<String>,
    /// `<FormatString>` (SignatureDoesNotMatch): the server's HttpString.
    pub format_string: Option<String>,
    /// `<ServerTime>` (time errors), verbatim.
    pub server_time: Option<String>,
    /// The response's `Date` header, if any (the SDKs' first clock source on skew).
    pub date: Option<SystemTime>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "Resource")]
    resource: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "TraceId")]
    trace_id: Option<String>,
    #[serde(rename = "StringToSign")]
    string_to_sign: Option<String>,
    #[serde(rename = "FormatString")]
    format_string: Option<String>,
    #[serde(rename = "ServerTime")]
    server_time: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

impl CosError {
    /// An error with `status`, `code` and `message`, and nothing else.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            resource: None,
            request_id: None,
            trace_id: None,
            string_to_sign: None,
            format_string: None,
            server_time: None,
            date: None,
        }
    }

    /// The error carried by a response: its `<Error>` body when there is one, otherwise the
    /// `x-cos-error-code` / `x-cos-error-message` headers, otherwise the status
    /// ([`ErrorCode::from_status`]). Request and trace ids fall back to the headers. Never fails.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        Self::from_error_body(status, headers, body)
            .unwrap_or_else(|| Self::without_body(status, headers, body))
    }

    /// `Some` when `body` is an `<Error>` document (used to catch a 200 with `<Error>`).
    pub fn from_error_body(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        let text = crate::xml::text(body)?;
        if crate::xml::root_name(text).as_deref() != Some("Error") {
            return None;
        }
        let parsed: ErrorBody = crate::xml::from_str(text).ok()?;
        let code = non_empty(parsed.code)
            .map(|c| ErrorCode::from(c.trim()))
            .or_else(|| header_code(headers))
            .unwrap_or_else(|| ErrorCode::from_status(status));
        let mut e = Self::new(status, code, parsed.message.unwrap_or_default());
        e.resource = non_empty(parsed.resource);
        e.request_id = non_empty(parsed.request_id)
            .or_else(|| header_str(headers, "x-cos-request-id").map(str::to_owned));
        e.trace_id = non_empty(parsed.trace_id)
            .or_else(|| header_str(headers, "x-cos-trace-id").map(str::to_owned));
        e.string_to_sign = parsed.string_to_sign;
        e.format_string = parsed.format_string;
        e.server_time = non_empty(parsed.server_time);
        e.date = date_header(headers);
        Some(e)
    }

    fn without_body(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let code = header_code(headers).unwrap_or_else(|| ErrorCode::from_status(status));
        let mut message = header_str(headers, "x-cos-error-message")
            .map(str::to_owned)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned());
        let snippet: String = String::from_utf8_lossy(&body[..body.len().min(256)])
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if !snippet.is_empty() {
            message = format!("{message} (unexpected body: {snippet})");
        }
        let mut e = Self::new(status, code, message);
        e.request_id = header_str(headers, "x-cos-request-id").map(str::to_owned);
        e.trace_id = header_str(headers, "x-cos-trace-id").map(str::to_owned);
        e.date = date_header(headers);
        e
    }

    /// Whether sending the request again may succeed: a retryable code
    /// ([`ErrorCode::is_retryable`]), or any 5xx status but 501.
    pub fn is_retryable(&self) -> bool {
        self.code.is_retryable()
            || (self.status.is_server_error() && self.status != StatusCode::NOT_IMPLEMENTED)
    }

    /// Whether this error signals clock skew ([`ErrorCode::is_clock_skew`] with the message).
    pub fn is_clock_skew(&self) -> bool {
        self.code.is_clock_skew(&self.message)
    }

    /// Whether the credential is expired or unknown ([`ErrorCode::is_credential_expired`]).
    pub fn is_credential_expired(&self) -> bool {
        self.code.is_credential_expired()
    }

    /// The server's time: `<ServerTime>` (Unix seconds, RFC 3339/ISO 8601 or HTTP date),
    /// else the `Date` header.
    pub fn server_time(&self) -> Option<SystemTime> {
        self.server_time
            .as_deref()
            .and_then(parse_any_time)
            .or(self.date)
    }

    /// The `<Error>` document for this error, as COS writes it.
    pub fn to_xml(&self) -> String {
        use quick_xml::escape::escape;
        let mut s = String::from(crate::xml::DECLARATION);
        s.push_str("<Error>\n");
        let mut el = |name: &str, v: &str| {
            s.push_str(&format!("\t<{name}>{}</{name}>\n", escape(v)));
        };
        el("Code", self.code.as_str());
        el("Message", &self.message);
        for (name, v) in [
            ("Resource", &self.resource),
            ("RequestId", &self.request_id),
            ("TraceId", &self.trace_id),
            ("StringToSign", &self.string_to_sign),
            ("FormatString", &self.format_string),
            ("ServerTime", &self.server_time),
        ] {
            if let Some(v) = v {
                el(name, v);
            }
        }
        s.push_str("</Error>");
        s
    }
}

fn header_code(headers: &HeaderMap) -> Option<ErrorCode> {
    header_str(headers, "x-cos-error-code")
        .filter(|c| !c.is_empty())
        .map(ErrorCode::from)
}

fn date_header(headers: &HeaderMap) -> Option<SystemTime> {
    header_str(headers, "date").and_then(|d| httpdate::parse_http_date(d).ok())
}

fn parse_any_time(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        // Milliseconds when absurdly large for seconds.
        let secs = if secs > 100_000_000_000 {
            secs / 1000
        } else {
            secs
        };
        return UNIX_EPOCH.checked_add(Duration::from_secs(secs));
    }
    crate::time::parse_iso8601(s).or_else(|| httpdate::parse_http_date(s).ok())
}

impl fmt::Display for CosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // "403 SignatureDoesNotMatch: The request signature … (request id …, trace id …)"
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        match (&self.request_id, &self.trace_id) {
            (Some(r), Some(t)) => write!(f, " (request id {r}, trace id {t})"),
            (Some(r), None) => write!(f, " (request id {r})"),
            (None, Some(t)) => write!(f, " (trace id {t})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for CosError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn parses_documented_error_body() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>NoSuchKey</Code>\n\t<Message>The specified key does not exist.</Message>\n\t<Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Resource>\n\t<RequestId>NjA3ZDM0YzlfOTBmYTUwNjRfNmQ3N18xYTQ2****</RequestId>\n\t<TraceId>OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTBjYzE2MjAxN2M1MzJiOTdkZjMxMDVlYTZjN2FiMmI0NTk3NWFiNjAyMzdhM2RlMmVmOGNjNGVhZDE2NzNmZDQ=</TraceId>\n</Error>";
        let h = headers(&[
            ("x-cos-request-id", "header-id"),
            ("date", "Thu, 16 May 2019 06:45:51 GMT"),
        ]);
        let e = CosError::from_response(StatusCode::NOT_FOUND, &h, body.as_bytes());
        assert_eq!(e.code, ErrorCode::NoSuchKey);
        assert_eq!(e.message, "The specified key does not exist.");
        assert_eq!(
            e.resource.as_deref(),
            Some("examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject")
        );
        assert_eq!(
            e.request_id.as_deref(),
            Some("NjA3ZDM0YzlfOTBmYTUwNjRfNmQ3N18xYTQ2****")
        );
        assert!(e.trace_id.as_deref().unwrap().starts_with("OGVmYzZi"));
        assert_eq!(
            e.server_time(),
            Some(UNIX_EPOCH + Duration::from_secs(1_557_989_151))
        );
        assert!(!e.is_retryable());
        let again = CosError::from_response(StatusCode::NOT_FOUND, &h, e.to_xml().as_bytes());
        assert_eq!(again, e);
    }

    #[test]
    fn signature_mismatch_keeps_server_strings() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>SignatureDoesNotMatch</Code>\n<Message>The Signature you specified is invalid.</Message>\n<Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a b.txt</Resource>\n<RequestId>NjVh</RequestId>\n<TraceId>OGVm</TraceId>\n<StringToSign>sha1\n1700000000;1700003600\n2b8e0a9c1f3d4e5a6b7c8d9e0f1a2b3c4d5e6f7a\n</StringToSign>\n<FormatString>put\n/a b.txt\n\ncontent-length=5&amp;host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\n</FormatString>\n</Error>";
        let e = CosError::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body.as_bytes());
        assert_eq!(e.code, ErrorCode::SignatureDoesNotMatch);
        assert!(
            e.string_to_sign
                .as_deref()
                .unwrap()
                .starts_with("sha1\n1700000000;1700003600\n")
        );
        assert!(
            e.format_string
                .as_deref()
                .unwrap()
                .contains("content-length=5&host=")
        );
        assert!(!e.is_clock_skew());
    }

    #[test]
    fn expired_request_is_clock_skew() {
        let body = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><ServerTime>2019-05-16T06:45:51Z</ServerTime></Error>";
        let e = CosError::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body.as_bytes());
        assert!(e.is_clock_skew());
        assert_eq!(
            e.server_time(),
            Some(UNIX_EPOCH + Duration::from_secs(1_557_989_151))
        );
    }

    #[test]
    fn head_errors_without_body() {
        let h = headers(&[("x-cos-request-id", "NjA3"), ("x-cos-trace-id", "OGVm")]);
        let e = CosError::from_response(StatusCode::NOT_FOUND, &h, b"");
        assert_eq!(e.code, ErrorCode::NoSuchResource);
        assert_eq!(e.message, "Not Found");
        assert_eq!(e.request_id.as_deref(), Some("NjA3"));
        assert_eq!(e.trace_id.as_deref(), Some("OGVm"));
        let e = CosError::from_response(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), b"");
        assert!(e.is_retryable());
        let h = headers(&[("x-cos-error-code", "NoSuchKey")]);
        let e = CosError::from_response(StatusCode::NOT_FOUND, &h, b"");
        assert_eq!(e.code, ErrorCode::NoSuchKey);
        let e = CosError::from_response(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.code, ErrorCode::Unknown);
        assert!(e.message.contains("bad gateway"));
        assert!(e.is_retryable());
    }

    #[test]
    fn error_inside_200() {
        let body = "\n\n   <?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>r1</RequestId></Error>";
        let e =
            CosError::from_error_body(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap();
        assert_eq!(e.status, StatusCode::OK);
        assert!(e.is_retryable());
        assert!(
            CosError::from_error_body(
                StatusCode::OK,
                &HeaderMap::new(),
                b"<CompleteMultipartUploadResult/>"
            )
            .is_none()
        );
    }
}
