//! PUT Object – Copy: copy an object (`PUT /<key>` with `x-cos-copy-source`), up to 5 GB.
//!
//! COS may answer 200 with an `<Error>` body; that is parsed as COS's error.

use crate::operation::{expect_success, parse_xml};
use crate::options::{CopySource, MetadataDirective, ObjectOptions, Preconditions};
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload,
    ResponseHead, ResponseMeta, Timestamp,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// Copy `source` to `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObjectCopy {
    key: ObjectKey,
    source: CopySource,
    directive: MetadataDirective,
    options: ObjectOptions,
    source_preconditions: Preconditions,
    forbid_overwrite: bool,
}

impl PutObjectCopy {
    /// Copy `source` to `key`, keeping the source's metadata.
    pub fn new(key: ObjectKey, source: CopySource) -> Self {
        Self {
            key,
            source,
            directive: MetadataDirective::Copy,
            options: ObjectOptions::default(),
            source_preconditions: Preconditions::default(),
            forbid_overwrite: false,
        }
    }

    /// Replace the metadata with `options` (`x-cos-metadata-directive: Replaced`).
    pub fn replace_metadata(mut self, options: ObjectOptions) -> Self {
        self.directive = MetadataDirective::Replaced;
        self.options = options;
        self
    }

    /// Headers that apply whatever the directive (storage class, ACL, encryption); with
    /// [`MetadataDirective::Copy`] COS ignores the metadata among them.
    pub fn options(mut self, options: ObjectOptions) -> Self {
        self.options = options;
        self
    }

    /// `x-cos-copy-source-If-*` conditions on the source.
    pub fn source_preconditions(mut self, p: Preconditions) -> Self {
        self.source_preconditions = p;
        self
    }

    /// `x-cos-forbid-overwrite: true`.
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }
}

/// `<CopyObjectResult>` plus the headers that matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyObjectResult {
    /// `<ETag>`.
    #[serde(rename = "ETag")]
    pub etag: ETag,
    /// `<CRC64>` (or `x-cos-hash-crc64ecma`).
    #[serde(rename = "CRC64", default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<u64>,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: Timestamp,
    /// `<VersionId>` (or `x-cos-version-id`).
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Request and trace id.
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl CopyObjectResult {
    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CopyObjectResult", self).map_err(ModelError::Body)
    }
}

impl Operation for PutObjectCopy {
    type Output = CopyObjectResult;

    fn name(&self) -> &'static str {
        "PutObjectCopy"
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
        spec.header("x-cos-copy-source", &self.source.header_value())?;
        spec.header("x-cos-metadata-directive", self.directive.as_str())?;
        self.options.apply(&mut spec)?;
        self.source_preconditions
            .apply(&mut spec, "x-cos-copy-source-")?;
        if self.forbid_overwrite {
            spec.header("x-cos-forbid-overwrite", "true")?;
        }
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: CopyObjectResult = parse_xml(head, &body, "CopyObjectResult")?;
        if out.crc64.is_none() {
            out.crc64 = head.crc64()?;
        }
        if out.version_id.is_none() {
            out.version_id = head.version_id().map(str::to_owned);
        }
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::ok_head;
    use crate::options::StorageClass;
    use crate::{ErrorCode, Region};

    fn op() -> PutObjectCopy {
        let src = CopySource::new(
            &BucketName::new("sourcebucket-1250000000").unwrap(),
            &Region::new("ap-beijing").unwrap(),
            &ObjectKey::new("sourceobject").unwrap(),
        )
        .version_id("MTg0NDUxNzc2ODQ2NzQxNTg3OTk");
        PutObjectCopy::new(ObjectKey::new("exampleobject").unwrap(), src)
    }

    #[test]
    fn builds_the_documented_request() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = op()
            .replace_metadata(
                ObjectOptions::new()
                    .content_type("image/png")
                    .metadata("example-field", "example-value")
                    .storage_class(StorageClass::StandardIa),
            )
            .build(&ep, Some(&b))
            .unwrap();
        let h = req.headers();
        assert_eq!(
            h["x-cos-copy-source"],
            "sourcebucket-1250000000.cos.ap-beijing.myqcloud.com/sourceobject?versionId=MTg0NDUxNzc2ODQ2NzQxNTg3OTk"
        );
        assert_eq!(h["x-cos-metadata-directive"], "Replaced");
        assert_eq!(h["x-cos-meta-example-field"], "example-value");
        assert_eq!(h["x-cos-storage-class"], "STANDARD_IA");
        assert_eq!(h["content-length"], "0");
        let plain = op().build(&ep, Some(&b)).unwrap();
        assert_eq!(plain.headers()["x-cos-metadata-directive"], "Copy");
    }

    #[test]
    fn parses_the_documented_response() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<CopyObjectResult>\n\t<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>\n\t<CRC64>16749565679157681890</CRC64>\n\t<LastModified>2020-10-28T11:07:13Z</LastModified>\n\t<VersionId>MTg0NDUxNzc2ODQ2NzQxNTg3OTk</VersionId>\n</CopyObjectResult>";
        let out = op()
            .parse(&ok_head(&[("x-cos-request-id", "NWY5")]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.etag.as_unquoted(), "ee8de918d05640145b18f70f4c3aa602");
        assert_eq!(out.crc64, Some(16_749_565_679_157_681_890));
        assert_eq!(
            out.version_id.as_deref(),
            Some("MTg0NDUxNzc2ODQ2NzQxNTg3OTk")
        );
        assert!(out.last_modified.to_system_time().is_some());
        let again = op()
            .parse(
                &ok_head(&[("x-cos-request-id", "NWY5")]),
                Bytes::from(out.to_xml().unwrap()),
            )
            .unwrap();
        assert_eq!(again, out);
        let err = op()
            .parse(&ok_head(&[]), Bytes::from("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::SlowDown);
        assert!(err.is_retryable());
    }
}
