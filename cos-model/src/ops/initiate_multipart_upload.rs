//! Initiate Multipart Upload: start a multipart upload (`POST /<key>?uploads`).

use crate::operation::{expect_success, parse_xml};
use crate::options::ObjectOptions;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload, ResponseHead,
    ResponseMeta, UploadId,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// Start a multipart upload of `key`; the object's headers (type, metadata, storage class,
/// ACL, encryption) are given here, not on the parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateMultipartUpload {
    key: ObjectKey,
    options: ObjectOptions,
    forbid_overwrite: bool,
}

impl InitiateMultipartUpload {
    /// Start an upload of `key`.
    pub fn new(key: ObjectKey) -> Self {
        Self {
            key,
            options: ObjectOptions::default(),
            forbid_overwrite: false,
        }
    }

    /// The stored object's headers.
    pub fn options(mut self, options: ObjectOptions) -> Self {
        self.options = options;
        self
    }

    /// `Content-Type` of the stored object.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.options.content_type = Some(content_type.into());
        self
    }

    /// `x-cos-forbid-overwrite: true`.
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    /// The key.
    pub fn key(&self) -> &ObjectKey {
        &self.key
    }
}

/// `<InitiateMultipartUploadResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiateMultipartUploadResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`.
    #[serde(rename = "UploadId")]
    pub upload_id: UploadId,
    /// Request and trace id (headers).
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl InitiateMultipartUploadResult {
    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("InitiateMultipartUploadResult", self).map_err(ModelError::Body)
    }
}

impl Operation for InitiateMultipartUpload {
    type Output = InitiateMultipartUploadResult;

    fn name(&self) -> &'static str {
        "InitiateMultipartUpload"
    }

    fn idempotent(&self) -> bool {
        false
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::object(self.name(), Method::POST, &self.key);
        spec.query("uploads", "");
        self.options.apply(&mut spec)?;
        if self.forbid_overwrite {
            spec.header("x-cos-forbid-overwrite", "true")?;
        }
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: InitiateMultipartUploadResult =
            parse_xml(head, &body, "InitiateMultipartUploadResult")?;
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::ok_head;
    use crate::{Region, SigningInput};

    #[test]
    fn builds_the_documented_request() {
        // Vector N5 (shared/spec/cos-protocol.md, "Test vectors"): POST /obj?uploads,
        // Content-Length: 0.
        let ep = Endpoint::new(Region::new("ap-guangzhou").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = InitiateMultipartUpload::new(ObjectKey::new("obj").unwrap())
            .content_type("video/mp4")
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/obj?uploads"
        );
        assert_eq!(req.headers()["content-length"], "0");
        assert_eq!(req.headers()["content-type"], "video/mp4");
        let si = SigningInput::of(&req).unwrap();
        assert_eq!(si.path, "/obj");
        assert_eq!(si.query, vec![("uploads".to_owned(), String::new())]);
    }

    #[test]
    fn parses_the_documented_response() {
        let body = r#"<?xml version='1.0' encoding='utf-8' ?>
<InitiateMultipartUploadResult>
	<Bucket>examplebucket-1250000000</Bucket>
	<Key>exampleobject</Key>
	<UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>
</InitiateMultipartUploadResult>"#;
        let op = InitiateMultipartUpload::new(ObjectKey::new("exampleobject").unwrap());
        let out = op
            .parse(&ok_head(&[("x-cos-request-id", "NWU5")]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.bucket, "examplebucket-1250000000");
        assert_eq!(out.key, "exampleobject");
        assert_eq!(
            out.upload_id.as_str(),
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"
        );
        let again = op
            .parse(
                &ok_head(&[("x-cos-request-id", "NWU5")]),
                Bytes::from(out.to_xml().unwrap()),
            )
            .unwrap();
        assert_eq!(again, out);
        let err = op
            .parse(&ok_head(&[]), Bytes::from("<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>"))
            .unwrap_err();
        assert!(matches!(err, ParseError::Decode { .. }));
    }
}
