//! The `Operation` trait: one COS API call as a value that builds a request and parses the
//! response, with no IO.

use crate::{BucketName, CosError, Endpoint, ModelError, ParseError, Payload, ResponseHead};
use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

/// One COS API call: builds an `http::Request` and reads the response into `Output`.
///
/// Sans-IO: any HTTP stack can carry the request. A built request has an absolute URI, a
/// `host` header, `content-length` on every PUT/POST (0 when empty), and a
/// [`SigningInput`](crate::SigningInput) extension with the decoded path and query to sign. It
/// is not signed: the caller adds `Authorization` (and `x-cos-security-token`).
pub trait Operation {
    /// What a successful response is read into.
    type Output;

    /// The operation's name as COS documents it (`UploadPart`, `CompleteMultipartUpload`, …).
    fn name(&self) -> &'static str;

    /// Whether sending the request twice has the effect of sending it once (so a retry after
    /// an unknown outcome is safe).
    fn idempotent(&self) -> bool;

    /// Builds the request for `endpoint`; `bucket` is required by every operation but
    /// GetService (which ignores it), and its absence is [`ModelError::MissingBucket`].
    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError>;

    /// Reads a response: its status and headers, and the whole body.
    fn parse(&self, response: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError>;

    /// Whether the caller authenticates the request with an `Authorization` header (and the
    /// `x-cos-security-token` header). True for every operation but PostObject, whose signed
    /// policy and token travel as form fields and which COS documents as carrying no
    /// `Authorization` header.
    fn signed_by_header(&self) -> bool {
        true
    }

    /// The largest response body worth reading into memory for this operation (a transport
    /// stops reading past it). 16 MiB for XML answers; GetObject says otherwise.
    fn response_body_limit(&self) -> u64 {
        16 * 1024 * 1024
    }
}

/// Fails with COS's error unless `ok(status)`.
pub(crate) fn expect_status(
    head: &ResponseHead,
    body: &[u8],
    ok: impl Fn(StatusCode) -> bool,
) -> Result<(), ParseError> {
    if ok(head.status) {
        Ok(())
    } else {
        Err(ParseError::Cos(CosError::from_response(
            head.status,
            &head.headers,
            body,
        )))
    }
}

/// Fails unless the status is 2xx.
pub(crate) fn expect_success(head: &ResponseHead, body: &[u8]) -> Result<(), ParseError> {
    expect_status(head, body, |s| s.is_success())
}

/// For operations whose success has an empty body (PUT Object, Upload Part, DELETE, Abort):
/// fails unless the status is 2xx, and also on a 2xx whose body is COS's `<Error>` document
/// (COS's error, status kept) or an HTML page (a proxy's or a captive portal's answer, which
/// never comes from COS; the error quotes its start so the reader sees what it was).
pub(crate) fn expect_empty_success(head: &ResponseHead, body: &[u8]) -> Result<(), ParseError> {
    expect_success(head, body)?;
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    let start = text.trim_start();
    if start.is_empty() {
        return Ok(());
    }
    if crate::xml::root_name(&text).is_some_and(|name| name == "Error") {
        return Err(ParseError::Cos(CosError::from_response(
            head.status,
            &head.headers,
            body,
        )));
    }
    let lower = start
        .get(..start.len().min(16))
        .unwrap_or("")
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Err(ParseError::decode(
            head,
            format!(
                "an HTML page of {} bytes where COS sends no body: {:?}",
                body.len(),
                describe_start(start)
            ),
        ));
    }
    Ok(())
}

/// The first 100 characters of a body, on one line.
fn describe_start(text: &str) -> String {
    let one_line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(100)
        .collect();
    one_line
}

/// Reads `body` as an XML document whose root is `root`; an `<Error>` root is COS's error
/// (whatever the status), anything else is a decode error.
pub(crate) fn parse_xml<T: DeserializeOwned>(
    head: &ResponseHead,
    body: &[u8],
    root: &str,
) -> Result<T, ParseError> {
    let text =
        crate::xml::text(body).ok_or_else(|| ParseError::decode(head, "the body is not UTF-8"))?;
    match crate::xml::root_name(text) {
        Some(name) if name == root => crate::xml::from_str(text)
            .map_err(|e| ParseError::decode(head, format!("<{root}>: {e}"))),
        Some(name) if name == "Error" => Err(ParseError::Cos(CosError::from_response(
            head.status,
            &head.headers,
            body,
        ))),
        Some(name) => Err(ParseError::decode(
            head,
            format!("expected a <{root}> document, got <{name}>"),
        )),
        None if text.is_empty() => Err(ParseError::decode(
            head,
            format!("expected a <{root}> document, got an empty body"),
        )),
        None => Err(ParseError::decode(
            head,
            format!("expected a <{root}> document, got no XML element"),
        )),
    }
}
