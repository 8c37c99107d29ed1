//! HEAD Object: an object's metadata (`HEAD /<key>`).

use crate::operation::expect_success;
use crate::options::{Preconditions, StorageClass};
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload,
    ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;
use std::time::SystemTime;

/// Read the metadata of `key`. Errors come without a body: a 404 is
/// [`ErrorCode::NoSuchResource`](crate::ErrorCode::NoSuchResource) (bucket or key), a 304 (with
/// `If-None-Match`) is [`ErrorCode::NotModified`](crate::ErrorCode::NotModified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadObject {
    key: ObjectKey,
    version_id: Option<String>,
    preconditions: Preconditions,
}

impl HeadObject {
    /// Metadata of `key`.
    pub fn new(key: ObjectKey) -> Self {
        Self {
            key,
            version_id: None,
            preconditions: Preconditions::default(),
        }
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
}

/// The metadata of an object, from the headers of HEAD Object or GET Object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectMetadata {
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `ETag`.
    pub etag: Option<ETag>,
    /// `Last-Modified`.
    pub last_modified: Option<SystemTime>,
    /// `x-cos-hash-crc64ecma`.
    pub crc64: Option<u64>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
    /// `x-cos-storage-class` (absent means `STANDARD`).
    pub storage_class: Option<StorageClass>,
    /// `x-cos-object-type` (`normal`, `appendable`).
    pub object_type: Option<String>,
    /// `x-cos-meta-*`: (name without the prefix, value).
    pub user_metadata: Vec<(String, String)>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl ObjectMetadata {
    /// Reads the headers.
    pub fn from_head(head: &ResponseHead) -> Result<Self, ParseError> {
        let s = |n: &str| head.header(n).map(str::to_owned);
        Ok(Self {
            content_length: head.content_length()?,
            content_type: s("content-type"),
            etag: head.etag(),
            last_modified: head.last_modified()?,
            crc64: head.crc64()?,
            version_id: head.version_id().map(str::to_owned),
            storage_class: head.header("x-cos-storage-class").map(StorageClass::from),
            object_type: s("x-cos-object-type"),
            user_metadata: head.user_metadata(),
            cache_control: s("cache-control"),
            content_disposition: s("content-disposition"),
            content_encoding: s("content-encoding"),
            expires: s("expires"),
            meta: head.meta(),
        })
    }
}

impl Operation for HeadObject {
    type Output = ObjectMetadata;

    fn name(&self) -> &'static str {
        "HeadObject"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::object(self.name(), Method::HEAD, &self.key);
        spec.query_opt("versionId", self.version_id.as_deref());
        self.preconditions.apply(&mut spec, "")?;
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        ObjectMetadata::from_head(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = HeadObject::new(ObjectKey::new("exampleobject").unwrap())
            .version_id("MTg0NDUxNTc1NjIzMTQ1MDAwODg")
            .preconditions(
                Preconditions::new()
                    .if_none_match(ETag::new("abc"))
                    .if_modified_since(UNIX_EPOCH + Duration::from_secs(1_557_989_151)),
            )
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(req.method(), Method::HEAD);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg"
        );
        assert_eq!(req.headers()["if-none-match"], "\"abc\"");
        assert_eq!(
            req.headers()["if-modified-since"],
            "Thu, 16 May 2019 06:45:51 GMT"
        );
    }

    #[test]
    fn parses_documented_response() {
        let h = ok_head(&[
            ("content-type", "image/jpeg"),
            ("content-length", "16087"),
            ("connection", "close"),
            ("date", "Wed, 28 Oct 2020 20:33:39 GMT"),
            ("etag", "\"ee8de918d05640145b18f70f4c3aa602\""),
            ("last-modified", "Wed, 28 Oct 2020 20:33:39 GMT"),
            ("server", "tencent-cos"),
            ("x-cos-hash-crc64ecma", "16749565679157681890"),
            ("x-cos-meta-example-field", "example-value"),
            (
                "x-cos-request-id",
                "NWU5YmY0ZTZfNTlhZjFlMDlfMjA3MjFfMjYy****",
            ),
            ("x-cos-storage-class", "STANDARD_IA"),
        ]);
        let m = HeadObject::new(ObjectKey::new("exampleobject").unwrap())
            .parse(&h, Bytes::new())
            .unwrap();
        assert_eq!(m.content_length, Some(16087));
        assert_eq!(m.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(
            m.etag.unwrap().as_unquoted(),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert_eq!(m.crc64, Some(16_749_565_679_157_681_890));
        assert_eq!(m.storage_class, Some(StorageClass::StandardIa));
        assert_eq!(
            m.user_metadata,
            vec![("example-field".to_owned(), "example-value".to_owned())]
        );
        assert!(m.last_modified.is_some());
    }

    #[test]
    fn errors_without_body() {
        let op = HeadObject::new(ObjectKey::new("missing").unwrap());
        let err = op
            .parse(
                &head(
                    404,
                    &[("x-cos-request-id", "NjA3"), ("x-cos-trace-id", "OGVm")],
                ),
                Bytes::new(),
            )
            .unwrap_err();
        let c = err.cos().unwrap();
        assert_eq!(c.code, ErrorCode::NoSuchResource);
        assert_eq!(c.status.as_u16(), 404);
        assert_eq!(c.request_id.as_deref(), Some("NjA3"));
        assert_eq!(c.trace_id.as_deref(), Some("OGVm"));
        let err = op.parse(&head(304, &[]), Bytes::new()).unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NotModified);
        let err = op
            .parse(
                &ok_head(&[("x-cos-hash-crc64ecma", "-1"), ("x-cos-request-id", "r")]),
                Bytes::new(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            ParseError::InvalidHeader {
                name: "x-cos-hash-crc64ecma",
                ..
            }
        ));
    }
}
