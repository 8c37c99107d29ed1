//! Abort Multipart Upload: discard an upload and its parts (`DELETE /<key>?uploadId=<id>`).

use crate::operation::expect_empty_success;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload, ResponseHead,
    ResponseMeta, UploadId,
};
use bytes::Bytes;
use http::Method;

/// Abort upload `upload_id` of `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortMultipartUpload {
    key: ObjectKey,
    upload_id: UploadId,
}

impl AbortMultipartUpload {
    /// Abort `upload_id` of `key`.
    pub fn new(key: ObjectKey, upload_id: UploadId) -> Self {
        Self { key, upload_id }
    }
}

/// What Abort Multipart Upload answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AbortMultipartUploadOutput {
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for AbortMultipartUpload {
    type Output = AbortMultipartUploadOutput;

    fn name(&self) -> &'static str {
        "AbortMultipartUpload"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::object(self.name(), Method::DELETE, &self.key);
        spec.query("uploadId", self.upload_id.as_str());
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(AbortMultipartUploadOutput { meta: head.meta() })
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
        let op = AbortMultipartUpload::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
        );
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::DELETE);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject?uploadId=1585130821cbb7df"
        );
        let out = op
            .parse(&head(204, &[("x-cos-request-id", "NWU3")]), Bytes::new())
            .unwrap();
        assert_eq!(out.meta.request_id.as_deref(), Some("NWU3"));
        let err = op
            .parse(&head(404, &[]), Bytes::from("<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>"))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchUpload);
    }
}
