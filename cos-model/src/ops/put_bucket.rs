//! PUT Bucket: create a bucket (`PUT /`).

use crate::operation::expect_empty_success;
use crate::options::Acl;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// Create the bucket given to [`Operation::build`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutBucket {
    acl: Option<Acl>,
    grants: Vec<(&'static str, String)>,
    tagging: Option<String>,
    configuration: Option<CreateBucketConfiguration>,
}

/// `<CreateBucketConfiguration>`: the optional body of PUT Bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreateBucketConfiguration {
    /// `<BucketAZConfig>`: `MAZ` for a multi-AZ bucket.
    #[serde(
        rename = "BucketAZConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bucket_az_config: Option<String>,
    /// `<BucketArchConfig>`: `OFS` for a metadata-accelerated bucket.
    #[serde(
        rename = "BucketArchConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bucket_arch_config: Option<String>,
}

impl CreateBucketConfiguration {
    /// The XML document.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CreateBucketConfiguration", self).map_err(ModelError::Body)
    }

    /// Reads the XML document (servers).
    pub fn from_xml(xml: &str) -> Result<Self, String> {
        crate::xml::from_str(xml)
    }
}

impl PutBucket {
    /// A bucket with the default (private) ACL.
    pub fn new() -> Self {
        Self::default()
    }

    /// `x-cos-acl`.
    pub fn acl(mut self, acl: Acl) -> Self {
        self.acl = Some(acl);
        self
    }

    /// `x-cos-grant-read` (e.g. `id="100000000001"`).
    pub fn grant_read(mut self, grantees: impl Into<String>) -> Self {
        self.grants.push(("x-cos-grant-read", grantees.into()));
        self
    }

    /// `x-cos-grant-write`.
    pub fn grant_write(mut self, grantees: impl Into<String>) -> Self {
        self.grants.push(("x-cos-grant-write", grantees.into()));
        self
    }

    /// `x-cos-grant-full-control`.
    pub fn grant_full_control(mut self, grantees: impl Into<String>) -> Self {
        self.grants
            .push(("x-cos-grant-full-control", grantees.into()));
        self
    }

    /// `x-cos-tagging` (`key1=value1&key2=value2`).
    pub fn tagging(mut self, tags: impl Into<String>) -> Self {
        self.tagging = Some(tags.into());
        self
    }

    /// A multi-AZ bucket (`<BucketAZConfig>MAZ</BucketAZConfig>`).
    pub fn multi_az(mut self) -> Self {
        self.configuration
            .get_or_insert_with(Default::default)
            .bucket_az_config = Some("MAZ".to_owned());
        self
    }

    /// A metadata-accelerated bucket (`<BucketArchConfig>OFS</BucketArchConfig>`).
    pub fn ofs(mut self) -> Self {
        self.configuration
            .get_or_insert_with(Default::default)
            .bucket_arch_config = Some("OFS".to_owned());
        self
    }
}

/// What PUT Bucket answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutBucketOutput {
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for PutBucket {
    type Output = PutBucketOutput;

    fn name(&self) -> &'static str {
        "PutBucket"
    }

    fn idempotent(&self) -> bool {
        false
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::bucket(self.name(), Method::PUT);
        spec.header_opt("x-cos-acl", self.acl.as_ref().map(Acl::as_str))?;
        for (name, value) in &self.grants {
            spec.header(name, value)?;
        }
        spec.header_opt("x-cos-tagging", self.tagging.as_deref())?;
        if let Some(cfg) = &self.configuration {
            spec.xml_body(cfg.to_xml()?)?;
        }
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(PutBucketOutput { meta: head.meta() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region};

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = PutBucket::new()
            .acl(Acl::Private)
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/"
        );
        assert_eq!(req.headers()["content-length"], "0");
        assert_eq!(req.headers()["x-cos-acl"], "private");
        assert!(matches!(
            PutBucket::new().build(&ep, None),
            Err(ModelError::MissingBucket {
                operation: "PutBucket"
            })
        ));
        let req = PutBucket::new().multi_az().build(&ep, Some(&b)).unwrap();
        let body = String::from_utf8(req.body().to_bytes().to_vec()).unwrap();
        assert!(body.ends_with(
            "<CreateBucketConfiguration><BucketAZConfig>MAZ</BucketAZConfig></CreateBucketConfiguration>"
        ));
        assert_eq!(req.headers()["content-type"], "application/xml");
        assert_eq!(
            req.headers()["content-md5"],
            crate::options::content_md5(body.as_bytes()).as_str()
        );
        let cfg = CreateBucketConfiguration::from_xml(&body).unwrap();
        assert_eq!(cfg.bucket_az_config.as_deref(), Some("MAZ"));
    }

    #[test]
    fn parses() {
        let out = PutBucket::new()
            .parse(&ok_head(&[("x-cos-request-id", "NTk1")]), Bytes::new())
            .unwrap();
        assert_eq!(out.meta.request_id.as_deref(), Some("NTk1"));
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>BucketAlreadyExists</Code>\n\t<Message>The requested bucket name is not available.</Message>\n\t<Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com</Resource>\n\t<RequestId>NTk1</RequestId>\n\t<TraceId>OGVm</TraceId>\n</Error>";
        let err = PutBucket::new()
            .parse(&head(409, &[]), Bytes::from(body))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::BucketAlreadyExists);
        assert_eq!(err.status().as_u16(), 409);
    }
}
