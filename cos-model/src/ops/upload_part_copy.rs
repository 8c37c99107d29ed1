//! Upload Part – Copy: fill a part from (a range of) an existing object
//! (`PUT /<key>?partNumber=<n>&uploadId=<id>` with `x-cos-copy-source`).
//!
//! COS may answer 200 with an `<Error>` body; that is parsed as COS's error.

use crate::operation::{expect_success, parse_xml};
use crate::options::{ByteRange, CopySource, Preconditions};
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, PartNumber, Payload,
    ResponseHead, ResponseMeta, Timestamp, UploadId,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// Copy `source` (or `source_range` of it) into part `part_number` of `upload_id` of `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPartCopy {
    key: ObjectKey,
    upload_id: UploadId,
    part_number: PartNumber,
    source: CopySource,
    source_range: Option<ByteRange>,
    source_preconditions: Preconditions,
}

impl UploadPartCopy {
    /// Copy the whole `source` into the part.
    pub fn new(
        key: ObjectKey,
        upload_id: UploadId,
        part_number: PartNumber,
        source: CopySource,
    ) -> Self {
        Self {
            key,
            upload_id,
            part_number,
            source,
            source_range: None,
            source_preconditions: Preconditions::default(),
        }
    }

    /// Copy only this range of the source (`x-cos-copy-source-range`; must be
    /// [`ByteRange::Inclusive`]).
    pub fn source_range(mut self, range: ByteRange) -> Self {
        self.source_range = Some(range);
        self
    }

    /// `x-cos-copy-source-If-*` conditions on the source.
    pub fn source_preconditions(mut self, p: Preconditions) -> Self {
        self.source_preconditions = p;
        self
    }
}

/// `<CopyPartResult>` plus the headers that matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPartResult {
    /// `<ETag>`: the part's ETag, for Complete.
    #[serde(rename = "ETag")]
    pub etag: ETag,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: Timestamp,
    /// `<CRC64>` or the `x-cos-hash-crc64ecma` header: the part's CRC-64.
    #[serde(rename = "CRC64", default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<u64>,
    /// Request and trace id.
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl CopyPartResult {
    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CopyPartResult", self).map_err(ModelError::Body)
    }
}

impl Operation for UploadPartCopy {
    type Output = CopyPartResult;

    fn name(&self) -> &'static str {
        "UploadPartCopy"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::object(self.name(), Method::PUT, &self.key);
        spec.query("partNumber", self.part_number.to_string());
        spec.query("uploadId", self.upload_id.as_str());
        spec.header("x-cos-copy-source", &self.source.header_value())?;
        match self.source_range {
            None => {}
            Some(r @ ByteRange::Inclusive { .. }) => {
                spec.header("x-cos-copy-source-range", &r.to_string())?;
            }
            Some(other) => {
                return Err(ModelError::InvalidParameter {
                    parameter: "x-cos-copy-source-range",
                    reason: format!("{other} is not of the form bytes=first-last"),
                });
            }
        }
        self.source_preconditions
            .apply(&mut spec, "x-cos-copy-source-")?;
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: CopyPartResult = parse_xml(head, &body, "CopyPartResult")?;
        if out.crc64.is_none() {
            out.crc64 = head.crc64()?;
        }
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region};

    fn op() -> UploadPartCopy {
        let src = CopySource::new(
            &BucketName::new("sourcebucket-1250000000").unwrap(),
            &Region::new("ap-guangzhou").unwrap(),
            &ObjectKey::new("source 对象.bin").unwrap(),
        );
        UploadPartCopy::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
            PartNumber::new(2).unwrap(),
            src,
        )
    }

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = op()
            .source_range(ByteRange::new(0, 1_048_575).unwrap())
            .source_preconditions(Preconditions::new().if_match(ETag::new("abc")))
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject?partNumber=2&uploadId=1585130821cbb7df"
        );
        assert_eq!(
            req.headers()["x-cos-copy-source"],
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source%20%E5%AF%B9%E8%B1%A1.bin"
        );
        assert_eq!(req.headers()["x-cos-copy-source-range"], "bytes=0-1048575");
        assert_eq!(req.headers()["x-cos-copy-source-if-match"], "\"abc\"");
        assert_eq!(req.headers()["content-length"], "0");
        assert!(
            op().source_range(ByteRange::From(3))
                .build(&ep, Some(&b))
                .is_err()
        );
    }

    #[test]
    fn parses_the_documented_response() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<CopyPartResult>\n\t<ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag>\n\t<LastModified>2017-09-04T04:45:45</LastModified>\n</CopyPartResult>";
        let out = op()
            .parse(
                &ok_head(&[("x-cos-hash-crc64ecma", "12"), ("x-cos-request-id", "NWE")]),
                Bytes::from(body),
            )
            .unwrap();
        assert_eq!(out.etag.as_unquoted(), "ba82b57cfdfda8bd17ad4e5879ebb4fe");
        assert_eq!(out.last_modified.as_str(), "2017-09-04T04:45:45");
        assert_eq!(out.crc64, Some(12));
        let again = op()
            .parse(
                &ok_head(&[("x-cos-request-id", "NWE")]),
                Bytes::from(out.to_xml().unwrap()),
            )
            .unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn error_inside_200() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>InternalError</Code>\n\t<Message>We encountered an internal error. Please try again.</Message>\n\t<RequestId>NWE</RequestId>\n</Error>";
        let err = op().parse(&ok_head(&[]), Bytes::from(body)).unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::InternalError);
        assert!(err.is_retryable());
        let err = op()
            .parse(
                &head(404, &[]),
                Bytes::from("<Error><Code>NoSuchCopySource</Code><Message>m</Message></Error>"),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchCopySource);
    }
}
