//! DELETE Object: remove an object (`DELETE /<key>`).

use crate::operation::expect_empty_success;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload, ResponseHead,
    ResponseMeta,
};
use bytes::Bytes;
use http::Method;

/// Delete `key` (204 even when it does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObject {
    key: ObjectKey,
    version_id: Option<String>,
}

impl DeleteObject {
    /// Delete `key`.
    pub fn new(key: ObjectKey) -> Self {
        Self {
            key,
            version_id: None,
        }
    }

    /// Delete one version (`versionId=`).
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }
}

/// What DELETE Object answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteObjectOutput {
    /// `x-cos-version-id`: the deleted version or the new delete marker's.
    pub version_id: Option<String>,
    /// `x-cos-delete-marker: true`: a delete marker was created or removed.
    pub delete_marker: bool,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for DeleteObject {
    type Output = DeleteObjectOutput;

    fn name(&self) -> &'static str {
        "DeleteObject"
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
        spec.query_opt("versionId", self.version_id.as_deref());
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(DeleteObjectOutput {
            version_id: head.version_id().map(str::to_owned),
            delete_marker: head
                .header("x-cos-delete-marker")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            meta: head.meta(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;
    use crate::ops::test_util::head;

    #[test]
    fn builds_and_parses() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let op = DeleteObject::new(ObjectKey::new("dir/a b.txt").unwrap());
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::DELETE);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b.txt"
        );
        assert!(req.headers().get("content-length").is_none());
        let out = op
            .parse(
                &head(
                    204,
                    &[
                        ("x-cos-request-id", "NWU5"),
                        ("x-cos-delete-marker", "true"),
                        ("x-cos-version-id", "MTg0"),
                    ],
                ),
                Bytes::new(),
            )
            .unwrap();
        assert!(out.delete_marker);
        assert_eq!(out.version_id.as_deref(), Some("MTg0"));
        assert!(op.parse(&head(403, &[]), Bytes::new()).is_err());
    }
}
