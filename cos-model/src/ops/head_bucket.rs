//! HEAD Bucket: does the bucket exist and may I access it (`HEAD /`).

use crate::operation::expect_success;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ErrorCode, ModelError, Operation, ParseError, Payload, ResponseHead,
    ResponseMeta,
};
use bytes::Bytes;
use http::{Method, StatusCode};

/// Check the bucket given to [`Operation::build`].
///
/// COS answers errors without a body; a 404 is reported as [`ErrorCode::NoSuchBucket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeadBucket;

impl HeadBucket {
    /// The request.
    pub fn new() -> Self {
        Self
    }
}

/// What HEAD Bucket answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeadBucketOutput {
    /// `x-cos-bucket-region`.
    pub region: Option<String>,
    /// `x-cos-bucket-az-type` (`MAZ` for multi-AZ buckets).
    pub az_type: Option<String>,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for HeadBucket {
    type Output = HeadBucketOutput;

    fn name(&self) -> &'static str {
        "HeadBucket"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        RequestSpec::bucket(self.name(), Method::HEAD).build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body).map_err(|e| match e {
            ParseError::Cos(mut c)
                if c.status == StatusCode::NOT_FOUND && c.code == ErrorCode::NoSuchResource =>
            {
                c.code = ErrorCode::NoSuchBucket;
                ParseError::Cos(c)
            }
            other => other,
        })?;
        Ok(HeadBucketOutput {
            region: head.header("x-cos-bucket-region").map(str::to_owned),
            az_type: head.header("x-cos-bucket-az-type").map(str::to_owned),
            meta: head.meta(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;
    use crate::ops::test_util::{head, ok_head};

    #[test]
    fn builds_and_parses() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = HeadBucket.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::HEAD);
        assert!(req.headers().get("content-length").is_none());
        let out = HeadBucket
            .parse(
                &ok_head(&[
                    ("x-cos-bucket-region", "ap-beijing"),
                    ("x-cos-request-id", "NWQ0"),
                ]),
                Bytes::new(),
            )
            .unwrap();
        assert_eq!(out.region.as_deref(), Some("ap-beijing"));
        let err = HeadBucket
            .parse(&head(404, &[("x-cos-request-id", "NWQ0")]), Bytes::new())
            .unwrap_err();
        let c = err.cos().unwrap();
        assert_eq!(c.code, ErrorCode::NoSuchBucket);
        assert_eq!(c.request_id.as_deref(), Some("NWQ0"));
        let err = HeadBucket.parse(&head(403, &[]), Bytes::new()).unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::AccessDenied);
    }
}
