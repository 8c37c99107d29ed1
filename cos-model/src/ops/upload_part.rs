//! Upload Part: upload one part of a multipart upload
//! (`PUT /<key>?partNumber=<n>&uploadId=<id>`).

use crate::operation::expect_empty_success;
use crate::options::TrafficLimit;
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, PartNumber, Payload,
    ResponseHead, ResponseMeta, UploadId,
};
use bytes::Bytes;
use http::Method;

/// The part size limits, kept here for existing paths; defined in [`crate::limits`].
pub use crate::limits::{MAX_PART_SIZE, MIN_PART_SIZE};

/// Upload `body` as part `part_number` of upload `upload_id` of `key`. Sending the same
/// part again replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPart {
    key: ObjectKey,
    upload_id: UploadId,
    part_number: PartNumber,
    body: Payload,
    content_md5: Option<String>,
    traffic_limit: Option<TrafficLimit>,
}

impl UploadPart {
    /// Part `part_number` of `upload_id` with `body`.
    pub fn new(
        key: ObjectKey,
        upload_id: UploadId,
        part_number: PartNumber,
        body: impl Into<Payload>,
    ) -> Self {
        Self {
            key,
            upload_id,
            part_number,
            body: body.into(),
            content_md5: None,
            traffic_limit: None,
        }
    }

    /// `Content-MD5` (Base64 of the part's MD5).
    pub fn content_md5(mut self, base64_md5: impl Into<String>) -> Self {
        self.content_md5 = Some(base64_md5.into());
        self
    }

    /// `x-cos-traffic-limit`.
    pub fn traffic_limit(mut self, limit: TrafficLimit) -> Self {
        self.traffic_limit = Some(limit);
        self
    }

    /// The part number.
    pub fn part_number(&self) -> PartNumber {
        self.part_number
    }

    /// The body.
    pub fn body(&self) -> &Payload {
        &self.body
    }
}

/// What Upload Part answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPartOutput {
    /// `ETag`: the part's MD5 hex; Complete needs it.
    pub etag: ETag,
    /// `x-cos-hash-crc64ecma`: the part's CRC-64.
    pub crc64: Option<u64>,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for UploadPart {
    type Output = UploadPartOutput;

    fn name(&self) -> &'static str {
        "UploadPart"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        if self.body.len() > MAX_PART_SIZE {
            return Err(ModelError::InvalidParameter {
                parameter: "body",
                reason: format!("{} bytes; a part is at most 5 GB", self.body.len()),
            });
        }
        let mut spec = RequestSpec::object(self.name(), Method::PUT, &self.key);
        spec.query("partNumber", self.part_number.to_string());
        spec.query("uploadId", self.upload_id.as_str());
        spec.header_opt("content-md5", self.content_md5.as_deref())?;
        if let Some(t) = self.traffic_limit {
            spec.header("x-cos-traffic-limit", &t.bits_per_second().to_string())?;
        }
        spec.body(self.body.clone());
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(UploadPartOutput {
            etag: head.require_etag()?,
            crc64: head.crc64()?,
            meta: head.meta(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region, SigningInput};

    #[test]
    fn builds_the_documented_request() {
        // Vector N3 (shared/spec/cos-protocol.md, "Test vectors").
        let ep = Endpoint::new(Region::new("ap-guangzhou").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let id = UploadId::new(
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        )
        .unwrap();
        let body = Payload::from_chunks(vec![
            Bytes::from(vec![0u8; 524_288]),
            Bytes::from(vec![1u8; 524_288]),
        ]);
        let req = UploadPart::new(
            ObjectKey::new("folder/big file.bin").unwrap(),
            id.clone(),
            PartNumber::new(1).unwrap(),
            body.clone(),
        )
        .build(&ep, Some(&b))
        .unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(
            req.uri().to_string(),
            format!(
                "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/folder/big%20file.bin?partNumber=1&uploadId={id}"
            )
        );
        assert_eq!(req.headers()["content-length"], "1048576");
        assert_eq!(
            req.headers()["host"],
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
        );
        let si = SigningInput::of(&req).unwrap();
        assert_eq!(si.path, "/folder/big file.bin");
        assert_eq!(
            si.query,
            vec![
                ("partNumber".to_owned(), "1".to_owned()),
                ("uploadId".to_owned(), id.to_string())
            ]
        );
        // The body's chunks are the caller's, not copies.
        assert_eq!(req.body().chunks()[1].as_ptr(), body.chunks()[1].as_ptr());
    }

    #[test]
    fn parses_the_documented_response() {
        let op = UploadPart::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
            PartNumber::new(1).unwrap(),
            Payload::empty(),
        );
        let out = op
            .parse(
                &ok_head(&[
                    ("content-length", "0"),
                    ("connection", "close"),
                    ("date", "Thu, 26 Mar 2020 10:07:01 GMT"),
                    ("etag", "\"ee8de918d05640145b18f70f4c3aa602\""),
                    ("server", "tencent-cos"),
                    ("x-cos-hash-crc64ecma", "16749565679157681890"),
                    (
                        "x-cos-request-id",
                        "NWU3YzZiYjVfYjkzMTFlMDlfMTkzNTdfMTJi****",
                    ),
                ]),
                Bytes::new(),
            )
            .unwrap();
        assert_eq!(out.etag.quoted(), "\"ee8de918d05640145b18f70f4c3aa602\"");
        assert_eq!(out.crc64, Some(16_749_565_679_157_681_890));
        let err = op
            .parse(
                &head(404, &[]),
                Bytes::from("<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>"),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchUpload);
    }
}
