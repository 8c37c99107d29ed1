//! `ResponseHead` (status + headers) and the typed response headers every operation reads.

use crate::{ETag, ParseError};
use http::{HeaderMap, StatusCode};
use std::time::SystemTime;

/// The status and headers of a response, the first input of [`Operation::parse`](crate::Operation::parse).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHead {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
}

/// The headers that identify a response at COS: request id and trace id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseMeta {
    /// `x-cos-request-id` (absent when the response did not come from COS).
    pub request_id: Option<String>,
    /// `x-cos-trace-id`.
    pub trace_id: Option<String>,
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

impl ResponseHead {
    /// A head from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap) -> Self {
        Self { status, headers }
    }

    /// A header as text (`None` when absent or not visible ASCII), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// `x-cos-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-cos-request-id")
    }

    /// `x-cos-trace-id`.
    pub fn trace_id(&self) -> Option<&str> {
        self.header("x-cos-trace-id")
    }

    /// `x-cos-version-id` (versioned buckets).
    pub fn version_id(&self) -> Option<&str> {
        self.header("x-cos-version-id").filter(|v| !v.is_empty())
    }

    /// Request and trace id.
    pub fn meta(&self) -> ResponseMeta {
        ResponseMeta {
            request_id: self.request_id().map(str::to_owned),
            trace_id: self.trace_id().map(str::to_owned),
        }
    }

    /// `ETag` (quotes removed, see [`ETag`]).
    pub fn etag(&self) -> Option<ETag> {
        self.header("etag").filter(|v| !v.is_empty()).map(ETag::new)
    }

    /// `x-cos-hash-crc64ecma`: an unsigned decimal; a malformed value is an error.
    pub fn crc64(&self) -> Result<Option<u64>, ParseError> {
        self.parsed("x-cos-hash-crc64ecma", |v| v.parse::<u64>().ok())
    }

    /// `Content-Length`.
    pub fn content_length(&self) -> Result<Option<u64>, ParseError> {
        self.parsed("content-length", |v| v.parse::<u64>().ok())
    }

    /// `Last-Modified` (an HTTP date).
    pub fn last_modified(&self) -> Result<Option<SystemTime>, ParseError> {
        self.parsed("last-modified", |v| httpdate::parse_http_date(v).ok())
    }

    /// `Date` (an HTTP date), leniently: `None` when absent or malformed.
    pub fn date(&self) -> Option<SystemTime> {
        self.header("date")
            .and_then(|v| httpdate::parse_http_date(v).ok())
    }

    /// A required `ETag`.
    pub(crate) fn require_etag(&self) -> Result<ETag, ParseError> {
        self.etag().ok_or_else(|| ParseError::MissingHeader {
            status: self.status,
            request_id: self.request_id().map(str::to_owned),
            name: "etag",
        })
    }

    fn parsed<T>(
        &self,
        name: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ParseError> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(raw) => raw
                .to_str()
                .ok()
                .map(str::trim)
                .and_then(&parse)
                .map(Some)
                .ok_or_else(|| ParseError::InvalidHeader {
                    status: self.status,
                    request_id: self.request_id().map(str::to_owned),
                    name,
                    value: String::from_utf8_lossy(raw.as_bytes()).into_owned(),
                }),
        }
    }

    /// The `x-cos-meta-*` headers: (suffix after `x-cos-meta-`, value), in header order.
    /// Values that are not valid UTF-8 are decoded lossily.
    pub fn user_metadata(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter_map(|(name, value)| {
                name.as_str().strip_prefix("x-cos-meta-").map(|suffix| {
                    (
                        suffix.to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
            })
            .collect()
    }
}

impl From<&http::response::Parts> for ResponseHead {
    fn from(p: &http::response::Parts) -> Self {
        Self::new(p.status, p.headers.clone())
    }
}

impl<B> From<&http::Response<B>> for ResponseHead {
    fn from(r: &http::Response<B>) -> Self {
        Self::new(r.status(), r.headers().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn typed_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            "etag",
            HeaderValue::from_static("\"ee8de918d05640145b18f70f4c3aa602\""),
        );
        h.insert(
            "x-cos-hash-crc64ecma",
            HeaderValue::from_static("16749565679157681890"),
        );
        h.insert("x-cos-request-id", HeaderValue::from_static("NjA3ZDM0"));
        h.insert("x-cos-trace-id", HeaderValue::from_static("OGVm"));
        h.insert("x-cos-version-id", HeaderValue::from_static("MTg0NDUx"));
        h.insert("content-length", HeaderValue::from_static("13"));
        h.insert(
            "last-modified",
            HeaderValue::from_static("Thu, 16 May 2019 06:45:51 GMT"),
        );
        h.insert("x-cos-meta-author", HeaderValue::from_static("zhang"));
        let head = ResponseHead::new(StatusCode::OK, h);
        assert_eq!(
            head.etag().unwrap().as_unquoted(),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert_eq!(head.crc64().unwrap(), Some(16_749_565_679_157_681_890));
        assert_eq!(head.content_length().unwrap(), Some(13));
        assert_eq!(
            head.last_modified().unwrap(),
            Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_557_989_151))
        );
        assert_eq!(head.version_id(), Some("MTg0NDUx"));
        assert_eq!(
            head.meta(),
            ResponseMeta {
                request_id: Some("NjA3ZDM0".into()),
                trace_id: Some("OGVm".into())
            }
        );
        assert_eq!(
            head.user_metadata(),
            vec![("author".to_owned(), "zhang".to_owned())]
        );
    }

    #[test]
    fn malformed_headers_are_errors() {
        let mut h = HeaderMap::new();
        h.insert("x-cos-hash-crc64ecma", HeaderValue::from_static("0xabc"));
        h.insert("x-cos-request-id", HeaderValue::from_static("rid"));
        let head = ResponseHead::new(StatusCode::OK, h);
        match head.crc64() {
            Err(ParseError::InvalidHeader {
                name,
                request_id,
                value,
                ..
            }) => {
                assert_eq!(name, "x-cos-hash-crc64ecma");
                assert_eq!(request_id.as_deref(), Some("rid"));
                assert_eq!(value, "0xabc");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            head.require_etag(),
            Err(ParseError::MissingHeader { name: "etag", .. })
        ));
    }
}
