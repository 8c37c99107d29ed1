//! GET Bucket cors: read a bucket's CORS configuration (`GET /?cors`); a bucket without one
//! answers 404 `NoSuchCORSConfiguration`.

use super::bucket_cors::CorsConfiguration;
use crate::operation::{expect_success, parse_xml};
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::Method;

/// Read the CORS rules of the bucket given to [`Operation::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetBucketCors;

impl GetBucketCors {
    /// The request.
    pub fn new() -> Self {
        GetBucketCors
    }
}

/// What GET Bucket cors answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetBucketCorsOutput {
    /// The rules as stored.
    pub configuration: CorsConfiguration,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

impl Operation for GetBucketCors {
    type Output = GetBucketCorsOutput;

    fn name(&self) -> &'static str {
        "GetBucketCors"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let mut spec = RequestSpec::bucket(self.name(), Method::GET);
        spec.query("cors", "");
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let configuration = parse_xml(head, &body, "CORSConfiguration")?;
        Ok(GetBucketCorsOutput {
            configuration,
            meta: head.meta(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::options::CorsMethod;
    use crate::{ErrorCode, Region};

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = GetBucketCors::new().build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::GET);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?cors"
        );
    }

    #[test]
    fn parses_stored_rules_and_the_missing_configuration() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<CORSConfiguration>\n\t<CORSRule>\n\t\t<AllowedOrigin>*</AllowedOrigin>\n\t\t<AllowedMethod>GET</AllowedMethod>\n\t\t<ExposeHeader>etag</ExposeHeader>\n\t\t<ExposeHeader>ETag</ExposeHeader>\n\t\t<MaxAgeSeconds>5</MaxAgeSeconds>\n\t</CORSRule>\n</CORSConfiguration>";
        let out = GetBucketCors::new()
            .parse(&ok_head(&[("x-cos-request-id", "r")]), Bytes::from(body))
            .unwrap();
        let rule = &out.configuration.rules[0];
        assert_eq!(rule.id, None);
        assert_eq!(rule.allowed_methods, [CorsMethod::Get]);
        assert_eq!(rule.expose_headers, ["etag", "ETag"]);
        assert_eq!(rule.max_age_seconds, Some(5));
        assert_eq!(out.configuration.response_vary, None);
        assert_eq!(out.meta.request_id.as_deref(), Some("r"));
        let missing = "<Error><Code>NoSuchCORSConfiguration</Code><Message>The CORS configuration does not exist.</Message></Error>";
        let err = GetBucketCors::new()
            .parse(&head(404, &[]), Bytes::from(missing))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchCORSConfiguration);
    }
}
