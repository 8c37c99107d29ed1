//! PUT Object: upload an object in one request (`PUT /<key>`), up to 5 GB.

use crate::operation::expect_empty_success;
use crate::options::{ObjectOptions, TrafficLimit};
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload,
    ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;

/// The largest object PUT Object accepts, kept here for its existing path; defined in
/// [`crate::limits`].
pub use crate::limits::MAX_PUT_SIZE;

/// Upload `body` as `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObject {
    key: ObjectKey,
    body: Payload,
    options: ObjectOptions,
    content_md5: Option<String>,
    traffic_limit: Option<TrafficLimit>,
    forbid_overwrite: bool,
}

impl PutObject {
    /// Upload `body` as `key`.
    pub fn new(key: ObjectKey, body: impl Into<Payload>) -> Self {
        Self {
            key,
            body: body.into(),
            options: ObjectOptions::default(),
            content_md5: None,
            traffic_limit: None,
            forbid_overwrite: false,
        }
    }

    /// Content type, metadata, storage class, ACL, encryption… of the stored object.
    pub fn options(mut self, options: ObjectOptions) -> Self {
        self.options = options;
        self
    }

    /// `Content-Type` (shortcut for the same field of [`ObjectOptions`]).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.options.content_type = Some(content_type.into());
        self
    }

    /// `Content-MD5`: Base64 of the body's MD5 (see [`crate::options::content_md5`]); COS
    /// refuses a mismatching body with `BadDigest`.
    pub fn content_md5(mut self, base64_md5: impl Into<String>) -> Self {
        self.content_md5 = Some(base64_md5.into());
        self
    }

    /// `x-cos-traffic-limit`.
    pub fn traffic_limit(mut self, limit: TrafficLimit) -> Self {
        self.traffic_limit = Some(limit);
        self
    }

    /// `x-cos-forbid-overwrite: true`: fail with 409 when the key exists.
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    /// The key.
    pub fn key(&self) -> &ObjectKey {
        &self.key
    }

    /// The body.
    pub fn body(&self) -> &Payload {
        &self.body
    }
}

/// What PUT Object (and POST Object) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObjectOutput {
    /// `ETag`: for a plain upload the body's MD5 hex.
    pub etag: ETag,
    /// `x-cos-hash-crc64ecma`: the CRC-64 of the stored object.
    pub crc64: Option<u64>,
    /// `x-cos-version-id` (versioned buckets).
    pub version_id: Option<String>,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl PutObjectOutput {
    pub(crate) fn from_head(head: &ResponseHead) -> Result<Self, ParseError> {
        Ok(Self {
            etag: head.require_etag()?,
            crc64: head.crc64()?,
            version_id: head.version_id().map(str::to_owned),
            meta: head.meta(),
        })
    }
}

impl Operation for PutObject {
    type Output = PutObjectOutput;

    fn name(&self) -> &'static str {
        "PutObject"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        if self.body.len() > MAX_PUT_SIZE {
            return Err(ModelError::InvalidParameter {
                parameter: "body",
                reason: format!(
                    "{} bytes; PUT Object takes at most 5 GB, use a multipart upload",
                    self.body.len()
                ),
            });
        }
        let mut spec = RequestSpec::object(self.name(), Method::PUT, &self.key);
        self.options.apply(&mut spec)?;
        spec.header_opt("content-md5", self.content_md5.as_deref())?;
        if let Some(t) = self.traffic_limit {
            spec.header("x-cos-traffic-limit", &t.bits_per_second().to_string())?;
        }
        if self.forbid_overwrite {
            spec.header("x-cos-forbid-overwrite", "true")?;
        }
        spec.body(self.body.clone());
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        PutObjectOutput::from_head(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::options::{Acl, StorageClass};
    use crate::{ErrorCode, Region, SigningInput};

    #[test]
    fn builds_the_documented_request() {
        // Doc 436/7778's PUT example (vector D1 of shared/spec/cos-protocol.md, "Test vectors").
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let key = ObjectKey::new("exampleobject(腾讯云)").unwrap();
        let op = PutObject::new(key, Bytes::from_static(b"ObjectContent"))
            .options(
                ObjectOptions::new()
                    .content_type("text/plain")
                    .acl(Acl::Private)
                    .grant_read("uin=\"100000000011\"")
                    .storage_class(StorageClass::Standard)
                    .metadata("Author", "Zhang San 张三"),
            )
            .content_md5(crate::options::content_md5(b"ObjectContent"))
            .traffic_limit(TrafficLimit::new(1_048_576).unwrap())
            .forbid_overwrite(true);
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29"
        );
        let h = req.headers();
        assert_eq!(
            h["host"],
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
        );
        assert_eq!(h["content-length"], "13");
        assert_eq!(h["content-type"], "text/plain");
        assert_eq!(h["content-md5"], "mQ/fVh815F3k6TAUm8m0eg==");
        assert_eq!(h["x-cos-acl"], "private");
        assert_eq!(h["x-cos-grant-read"], "uin=\"100000000011\"");
        assert_eq!(h["x-cos-storage-class"], "STANDARD");
        assert_eq!(
            h["x-cos-meta-author"].as_bytes(),
            "Zhang San 张三".as_bytes()
        );
        assert_eq!(h["x-cos-traffic-limit"], "1048576");
        assert_eq!(h["x-cos-forbid-overwrite"], "true");
        assert_eq!(
            SigningInput::of(&req).unwrap().path,
            "/exampleobject(腾讯云)"
        );
        assert!(SigningInput::of(&req).unwrap().query.is_empty());
        assert_eq!(req.body().to_bytes(), Bytes::from_static(b"ObjectContent"));
    }

    #[test]
    fn refuses_bad_headers_and_missing_bucket() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let key = ObjectKey::new("a").unwrap();
        assert!(matches!(
            PutObject::new(key.clone(), Payload::empty()).build(&ep, None),
            Err(ModelError::MissingBucket { .. })
        ));
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let bad = PutObject::new(key.clone(), Payload::empty()).content_type("text/plain\r\nx: y");
        assert!(matches!(
            bad.build(&ep, Some(&b)),
            Err(ModelError::InvalidHeader { .. })
        ));
        let empty = PutObject::new(key, Payload::empty())
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(empty.headers()["content-length"], "0");
    }

    #[test]
    fn parses_the_documented_response() {
        let h = ok_head(&[
            ("content-length", "0"),
            ("connection", "close"),
            ("date", "Thu, 16 May 2019 06:45:51 GMT"),
            ("etag", "\"ee8de918d05640145b18f70f4c3aa602\""),
            ("server", "tencent-cos"),
            ("x-cos-hash-crc64ecma", "16749565679157681890"),
            (
                "x-cos-request-id",
                "NWNkZDA2Y2ZfNjJjMjJhMDlfMjNmN18yNGEz****",
            ),
        ]);
        let out = PutObject::new(ObjectKey::new("a").unwrap(), Payload::empty())
            .parse(&h, Bytes::new())
            .unwrap();
        assert_eq!(out.etag.as_unquoted(), "ee8de918d05640145b18f70f4c3aa602");
        assert_eq!(out.crc64, Some(16_749_565_679_157_681_890));
        assert_eq!(out.version_id, None);
        assert_eq!(
            out.meta.request_id.as_deref(),
            Some("NWNkZDA2Y2ZfNjJjMjJhMDlfMjNmN18yNGEz****")
        );
        let op = PutObject::new(ObjectKey::new("a").unwrap(), Payload::empty());
        let err = op
            .parse(
                &head(400, &[]),
                Bytes::from("<Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what was received.</Message></Error>"),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::BadDigest);
        assert!(matches!(
            op.parse(&ok_head(&[]), Bytes::new()),
            Err(ParseError::MissingHeader { name: "etag", .. })
        ));
    }
}
