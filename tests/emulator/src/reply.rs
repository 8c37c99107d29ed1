//! Building answers: the body type, empty/XML/streamed responses and the `<Error>` document.

use crate::error::CosError;
use crate::xml::write::XmlWriter;
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::Frame;

/// The error type of response bodies.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;
/// Every response body.
pub type ResBody = UnsyncBoxBody<Bytes, BodyError>;
/// Every response.
pub type Reply = Response<ResBody>;

/// A body from bytes.
pub fn full(data: impl Into<Bytes>) -> ResBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A body streamed from chunks.
pub fn streamed(s: BoxStream<'static, std::io::Result<Bytes>>) -> ResBody {
    BodyExt::boxed_unsync(StreamBody::new(
        s.map(|r| r.map(Frame::data).map_err(|e| Box::new(e) as BodyError)),
    ))
}

/// An answer without a body.
pub fn empty(status: StatusCode) -> Reply {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// An XML answer.
pub fn xml(status: StatusCode, doc: String) -> Reply {
    let mut r = Response::new(full(doc));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

/// The `<Error>` document of `e`.
pub fn error_document(e: &CosError, resource: &str, request_id: &str, trace_id: &str) -> String {
    let mut w = XmlWriter::error_document();
    w.open("Error")
        .elem("Code", e.code.as_str())
        .elem("Message", &e.message)
        .elem("Resource", resource)
        .elem("RequestId", request_id)
        .elem("TraceId", trace_id);
    for (name, value) in &e.extra {
        w.elem(name, value);
    }
    w.close("Error");
    w.finish()
}

/// Sets a header from a string, skipping values that are not valid header text.
pub fn set(r: &mut Reply, name: impl header::IntoHeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn error_document_has_every_field() {
        let e = CosError::new(ErrorCode::SignatureDoesNotMatch)
            .extra("StringToSign", "sha1\n1;2\nabc\n")
            .extra("FormatString", "get\n/\n\nhost=h\n");
        let doc = error_document(&e, "b-1.cos.ap-guangzhou.myqcloud.com/k", "rid", "tid");
        assert!(doc.starts_with("<?xml version='1.0' encoding='utf-8' ?>"));
        for part in [
            "<Code>SignatureDoesNotMatch</Code>",
            "<Resource>b-1.cos.ap-guangzhou.myqcloud.com/k</Resource>",
            "<RequestId>rid</RequestId>",
            "<TraceId>tid</TraceId>",
            "<StringToSign>sha1\n1;2\nabc\n</StringToSign>",
            "<FormatString>get\n/\n\nhost=h\n</FormatString>",
        ] {
            assert!(doc.contains(part), "{part} missing from {doc}");
        }
    }
}
