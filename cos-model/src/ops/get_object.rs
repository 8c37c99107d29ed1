//! GET Object: download an object or a range of it (`GET /<key>`).

use super::head_object::ObjectMetadata;
use crate::operation::expect_status;
use crate::options::{ByteRange, Preconditions, TrafficLimit};
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload, ResponseHead,
};
use bytes::Bytes;
use http::{Method, StatusCode};

/// `response-*` query parameters: headers COS should answer with instead of the stored ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseOverrides {
    /// `response-content-type`.
    pub content_type: Option<String>,
    /// `response-content-language`.
    pub content_language: Option<String>,
    /// `response-expires`.
    pub expires: Option<String>,
    /// `response-cache-control`.
    pub cache_control: Option<String>,
    /// `response-content-disposition`.
    pub content_disposition: Option<String>,
    /// `response-content-encoding`.
    pub content_encoding: Option<String>,
}

/// Download `key` (all of it, or a range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetObject {
    key: ObjectKey,
    range: Option<ByteRange>,
    overrides: ResponseOverrides,
    version_id: Option<String>,
    preconditions: Preconditions,
    traffic_limit: Option<TrafficLimit>,
}

impl GetObject {
    /// The whole of `key`.
    pub fn new(key: ObjectKey) -> Self {
        Self {
            key,
            range: None,
            overrides: ResponseOverrides::default(),
            version_id: None,
            preconditions: Preconditions::default(),
            traffic_limit: None,
        }
    }

    /// Only `range` (`Range: bytes=…`); COS answers 206.
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// `response-*` overrides.
    pub fn overrides(mut self, overrides: ResponseOverrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// `response-content-type`.
    pub fn response_content_type(mut self, v: impl Into<String>) -> Self {
        self.overrides.content_type = Some(v.into());
        self
    }

    /// `response-content-disposition`.
    pub fn response_content_disposition(mut self, v: impl Into<String>) -> Self {
        self.overrides.content_disposition = Some(v.into());
        self
    }

    /// `response-cache-control`.
    pub fn response_cache_control(mut self, v: impl Into<String>) -> Self {
        self.overrides.cache_control = Some(v.into());
        self
    }

    /// A given version (`versionId=`).
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }

    /// `If-*` conditions.
    pub fn preconditions(mut self, p: Preconditions) -> Self {
        self.preconditions = p;
        self
    }

    /// `x-cos-traffic-limit`.
    pub fn traffic_limit(mut self, limit: TrafficLimit) -> Self {
        self.traffic_limit = Some(limit);
        self
    }
}

/// What GET Object answers: the bytes and the object's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetObjectOutput {
    /// The body (the range, for a 206).
    pub body: Bytes,
    /// Whether this is a partial response (206).
    pub partial: bool,
    /// `Content-Range` of a partial response (`bytes 0-3/16087`).
    pub content_range: Option<String>,
    /// The metadata headers (`content_length` is the length of this body).
    pub metadata: ObjectMetadata,
}

impl Operation for GetObject {
    type Output = GetObjectOutput;

    fn name(&self) -> &'static str {
        "GetObject"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::object(self.name(), Method::GET, &self.key);
        let o = &self.overrides;
        spec.query_opt("response-content-type", o.content_type.as_deref());
        spec.query_opt("response-content-language", o.content_language.as_deref());
        spec.query_opt("response-expires", o.expires.as_deref());
        spec.query_opt("response-cache-control", o.cache_control.as_deref());
        spec.query_opt(
            "response-content-disposition",
            o.content_disposition.as_deref(),
        );
        spec.query_opt("response-content-encoding", o.content_encoding.as_deref());
        spec.query_opt("versionId", self.version_id.as_deref());
        if let Some(r) = self.range {
            spec.header("range", &r.to_string())?;
        }
        self.preconditions.apply(&mut spec, "")?;
        if let Some(t) = self.traffic_limit {
            spec.header("x-cos-traffic-limit", &t.bits_per_second().to_string())?;
        }
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_status(head, &body, |s| {
            s == StatusCode::OK || s == StatusCode::PARTIAL_CONTENT
        })?;
        let metadata = ObjectMetadata::from_head(head)?;
        if let Some(len) = metadata.content_length
            && len != body.len() as u64
        {
            return Err(ParseError::decode(
                head,
                format!(
                    "Content-Length says {len} bytes, the body has {}",
                    body.len()
                ),
            ));
        }
        Ok(GetObjectOutput {
            partial: head.status == StatusCode::PARTIAL_CONTENT,
            content_range: head.header("content-range").map(str::to_owned),
            body,
            metadata,
        })
    }

    fn response_body_limit(&self) -> u64 {
        u64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region, SigningInput};

    #[test]
    fn builds_the_documented_request() {
        // Vector D2 (shared/spec/cos-protocol.md, "Test vectors"): response-* parameters.
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = GetObject::new(ObjectKey::new("exampleobject(腾讯云)").unwrap())
            .response_content_type("application/octet-stream")
            .response_cache_control("max-age=600")
            .range(ByteRange::new(0, 3).unwrap())
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29?response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600"
        );
        assert_eq!(req.headers()["range"], "bytes=0-3");
        let si = SigningInput::of(&req).unwrap();
        assert_eq!(
            si.query,
            vec![
                (
                    "response-content-type".to_owned(),
                    "application/octet-stream".to_owned()
                ),
                (
                    "response-cache-control".to_owned(),
                    "max-age=600".to_owned()
                ),
            ]
        );
        assert_eq!(
            GetObject::new(ObjectKey::new("a").unwrap()).response_body_limit(),
            u64::MAX
        );
    }

    #[test]
    fn parses_full_and_partial() {
        let op = GetObject::new(ObjectKey::new("exampleobject").unwrap());
        let out = op
            .parse(
                &ok_head(&[
                    ("content-length", "13"),
                    ("content-type", "text/plain"),
                    ("etag", "\"ee8de918d05640145b18f70f4c3aa602\""),
                    ("x-cos-hash-crc64ecma", "16749565679157681890"),
                ]),
                Bytes::from_static(b"ObjectContent"),
            )
            .unwrap();
        assert!(!out.partial);
        assert_eq!(out.body, Bytes::from_static(b"ObjectContent"));
        assert_eq!(out.metadata.content_type.as_deref(), Some("text/plain"));
        let out = op
            .parse(
                &head(
                    206,
                    &[("content-length", "4"), ("content-range", "bytes 0-3/13")],
                ),
                Bytes::from_static(b"Obje"),
            )
            .unwrap();
        assert!(out.partial);
        assert_eq!(out.content_range.as_deref(), Some("bytes 0-3/13"));
        let err = op
            .parse(
                &ok_head(&[("content-length", "13")]),
                Bytes::from_static(b"Obj"),
            )
            .unwrap_err();
        assert!(matches!(err, ParseError::Decode { .. }));
        let err = op
            .parse(
                &head(416, &[]),
                Bytes::from("<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message></Error>"),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::InvalidRange);
    }
}
