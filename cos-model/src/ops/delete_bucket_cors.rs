//! DELETE Bucket cors: remove a bucket's CORS configuration (`DELETE /?cors`, 204); after it
//! every preflight is refused.

use crate::operation::expect_empty_success;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;

/// Remove the CORS rules of the bucket given to [`Operation::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteBucketCors;

impl DeleteBucketCors {
    /// The request.
    pub fn new() -> Self {
        DeleteBucketCors
    }
}

/// What DELETE Bucket cors answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteBucketCorsOutput {
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for DeleteBucketCors {
    type Output = DeleteBucketCorsOutput;

    fn name(&self) -> &'static str {
        "DeleteBucketCors"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::bucket(self.name(), Method::DELETE);
        spec.query("cors", "");
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(DeleteBucketCorsOutput { meta: head.meta() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::head;
    use crate::{ErrorCode, Region};

    #[test]
    fn builds_and_parses() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = DeleteBucketCors::new().build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::DELETE);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?cors"
        );
        assert!(
            DeleteBucketCors::new()
                .parse(&head(204, &[]), Bytes::new())
                .is_ok()
        );
        let body = "<Error><Code>NoSuchBucket</Code><Message>m</Message></Error>";
        let err = DeleteBucketCors::new()
            .parse(&head(404, &[]), Bytes::from(body))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchBucket);
    }
}
