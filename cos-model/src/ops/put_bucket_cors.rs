//! PUT Bucket cors: replace a bucket's whole CORS configuration (`PUT /?cors`).

use super::bucket_cors::CorsConfiguration;
use crate::operation::expect_empty_success;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;

/// Replace the CORS rules of the bucket given to [`Operation::build`] (COS keeps no earlier
/// rule: read, change and put back to edit one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBucketCors {
    configuration: CorsConfiguration,
}

impl PutBucketCors {
    /// Puts `configuration` (checked with [`CorsConfiguration::validate`] when built).
    pub fn new(configuration: CorsConfiguration) -> Self {
        PutBucketCors { configuration }
    }

    /// The configuration sent.
    pub fn configuration(&self) -> &CorsConfiguration {
        &self.configuration
    }
}

/// What PUT Bucket cors answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutBucketCorsOutput {
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for PutBucketCors {
    type Output = PutBucketCorsOutput;

    fn name(&self) -> &'static str {
        "PutBucketCors"
    }

    fn idempotent(&self) -> bool {
        // The body replaces the whole configuration: sending it twice leaves the same rules.
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        self.configuration.validate()?;
        let mut spec = RequestSpec::bucket(self.name(), Method::PUT);
        spec.query("cors", "");
        // Content-MD5 too: COS's documentation lists it as required for this call.
        spec.xml_body(self.configuration.to_xml()?)?;
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_empty_success(head, &body)?;
        Ok(PutBucketCorsOutput { meta: head.meta() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::CorsRule;
    use crate::ops::test_util::{head, ok_head};
    use crate::options::CorsMethod;
    use crate::{ErrorCode, Region};

    #[test]
    fn builds_with_content_md5() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let config = CorsConfiguration::new([CorsRule::new("*", CorsMethod::Put)
            .allowed_header("*")
            .expose_header("ETag")]);
        let req = PutBucketCors::new(config.clone())
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?cors"
        );
        let si = crate::SigningInput::of(&req).unwrap();
        assert_eq!(si.query, [("cors".to_owned(), String::new())]);
        let body = req.body().to_bytes();
        assert_eq!(req.headers()["content-type"], "application/xml");
        assert_eq!(
            req.headers()["content-md5"],
            crate::options::content_md5(&body).as_str()
        );
        let text = std::str::from_utf8(&body).unwrap();
        assert_eq!(CorsConfiguration::from_xml(text).unwrap(), config);
        assert!(matches!(
            PutBucketCors::new(CorsConfiguration::default()).build(&ep, Some(&b)),
            Err(ModelError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn parses() {
        let out = PutBucketCors::new(CorsConfiguration::default())
            .parse(&ok_head(&[("x-cos-request-id", "NTk1")]), Bytes::new())
            .unwrap();
        assert_eq!(out.meta.request_id.as_deref(), Some("NTk1"));
        let body = "<Error><Code>MalformedXML</Code><Message>m</Message></Error>";
        let err = PutBucketCors::new(CorsConfiguration::default())
            .parse(&head(400, &[]), Bytes::from(body))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::MalformedXML);
    }
}
