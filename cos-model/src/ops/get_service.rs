//! GET Service: list the buckets of the account (`GET /` on the service host).

use super::common::{BucketMarker, Owner, lenient_bool};
use crate::operation::{expect_success, parse_xml};
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, NameError, Operation, ParseError, Payload, Region,
    ResponseHead, ResponseMeta, Timestamp,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// List buckets. Sent to the endpoint with no bucket: `service.cos.myqcloud.com`
/// ([`Endpoint::service`]) for every region, `cos.<region>.myqcloud.com` for one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetService {
    region: Option<Region>,
    tag: Option<(String, String)>,
    created: Option<(u64, &'static str)>,
    marker: Option<BucketMarker>,
    max_keys: Option<u32>,
}

impl GetService {
    /// All buckets, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only buckets in `region` (`region=`).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Only buckets with this tag (`tagkey=`, `tagvalue=`).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tag = Some((key.into(), value.into()));
        self
    }

    /// Only buckets created after `unix_seconds` (`create-time=…&range=gt`).
    pub fn created_after(mut self, unix_seconds: u64) -> Self {
        self.created = Some((unix_seconds, "gt"));
        self
    }

    /// Only buckets created before `unix_seconds` (`create-time=…&range=lt`).
    pub fn created_before(mut self, unix_seconds: u64) -> Self {
        self.created = Some((unix_seconds, "lt"));
        self
    }

    /// Start after this marker (from [`ListAllMyBucketsResult::next_marker`]).
    pub fn marker(mut self, marker: BucketMarker) -> Self {
        self.marker = Some(marker);
        self
    }

    /// At most this many buckets (1..=1000; COS's default is 2000 without paging).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }
}

/// One bucket of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BucketInfo {
    /// `<Name>`, `name-appid`.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// `<Location>`: the region.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// `<CreationDate>`.
    #[serde(rename = "CreationDate", default)]
    pub creation_date: Timestamp,
    /// `<BucketType>` (`cos`, `ofs`).
    #[serde(
        rename = "BucketType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bucket_type: Option<String>,
}

impl BucketInfo {
    /// The name as a validated [`BucketName`].
    pub fn bucket_name(&self) -> Result<BucketName, NameError> {
        BucketName::new(self.name.as_str())
    }
}

mod buckets {
    use super::BucketInfo;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(rename = "Bucket")]
        bucket: &'a [BucketInfo],
    }

    #[derive(Deserialize)]
    struct In {
        #[serde(rename = "Bucket", default)]
        bucket: Vec<BucketInfo>,
    }

    pub(super) fn serialize<S: Serializer>(v: &[BucketInfo], s: S) -> Result<S::Ok, S::Error> {
        Out { bucket: v }.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<BucketInfo>, D::Error> {
        Ok(In::deserialize(d)?.bucket)
    }
}

/// `<ListAllMyBucketsResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListAllMyBucketsResult {
    /// `<Owner>`.
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    /// `<Buckets><Bucket>…</Bucket>*</Buckets>`.
    #[serde(rename = "Buckets", default, with = "buckets")]
    pub buckets: Vec<BucketInfo>,
    /// `<Marker>`.
    #[serde(rename = "Marker", default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<BucketMarker>,
    /// `<NextMarker>`.
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<BucketMarker>,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default, with = "lenient_bool")]
    pub is_truncated: bool,
    /// Request and trace id (headers; not part of the XML).
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl ListAllMyBucketsResult {
    /// The marker of the next page, when the listing is truncated.
    pub fn next_page(&self) -> Option<BucketMarker> {
        if !self.is_truncated {
            return None;
        }
        self.next_marker
            .clone()
            .filter(|m| !m.0.is_empty())
            .or_else(|| self.buckets.last().map(|b| BucketMarker(b.name.clone())))
    }

    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("ListAllMyBucketsResult", self).map_err(ModelError::Body)
    }
}

impl Operation for GetService {
    type Output = ListAllMyBucketsResult;

    fn name(&self) -> &'static str {
        "GetService"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        _bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        super::common::check_max("max-keys", self.max_keys)?;
        let mut spec = RequestSpec::service(self.name(), Method::GET);
        spec.query_opt("region", self.region.as_ref());
        if let Some((k, v)) = &self.tag {
            spec.query("tagkey", k.as_str())
                .query("tagvalue", v.as_str());
        }
        if let Some((t, range)) = self.created {
            spec.query("create-time", t.to_string())
                .query("range", range.to_owned());
        }
        spec.query_opt("marker", self.marker.as_ref().map(|m| m.0.as_str()));
        spec.query_opt("max-keys", self.max_keys);
        spec.build(endpoint, None)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: ListAllMyBucketsResult = parse_xml(head, &body, "ListAllMyBucketsResult")?;
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};

    #[test]
    fn builds_service_request() {
        let req = GetService::new().build(&Endpoint::service(), None).unwrap();
        assert_eq!(req.method(), Method::GET);
        assert_eq!(req.uri().to_string(), "https://service.cos.myqcloud.com/");
        assert_eq!(req.headers()["host"], "service.cos.myqcloud.com");
        assert!(req.headers().get("content-length").is_none());
        let req = GetService::new()
            .region(Region::new("ap-beijing").unwrap())
            .tag("k", "v 1")
            .created_after(1_700_000_000)
            .max_keys(10)
            .marker(BucketMarker("b-1".into()))
            .build(&Endpoint::new(Region::new("ap-beijing").unwrap()), None)
            .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://cos.ap-beijing.myqcloud.com/?region=ap-beijing&tagkey=k&tagvalue=v%201&create-time=1700000000&range=gt&marker=b-1&max-keys=10"
        );
        let si = crate::SigningInput::of(&req).unwrap();
        assert_eq!(si.path, "/");
        assert_eq!(si.query[2], ("tagvalue".to_owned(), "v 1".to_owned()));
        assert!(
            GetService::new()
                .max_keys(0)
                .build(&Endpoint::service(), None)
                .is_err()
        );
    }

    #[test]
    fn parses_documented_response() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult>
	<Owner>
		<ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
		<DisplayName>100000000001</DisplayName>
	</Owner>
	<Buckets>
		<Bucket>
			<Name>examplebucket1-1250000000</Name>
			<Location>ap-beijing</Location>
			<CreationDate>2019-05-24T11:20:10Z</CreationDate>
			<BucketType>cos</BucketType>
		</Bucket>
		<Bucket>
			<Name>examplebucket2-1250000000</Name>
			<Location>ap-beijing</Location>
			<CreationDate>2019-05-24T11:22:10Z</CreationDate>
			<BucketType>cos</BucketType>
		</Bucket>
	</Buckets>
</ListAllMyBucketsResult>"#;
        let out = GetService::new()
            .parse(&ok_head(&[("x-cos-request-id", "NWQ4")]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.owner.id, "qcs::cam::uin/100000000001:uin/100000000001");
        assert_eq!(out.buckets.len(), 2);
        assert_eq!(out.buckets[1].name, "examplebucket2-1250000000");
        assert_eq!(out.buckets[0].bucket_name().unwrap().app_id(), "1250000000");
        assert_eq!(out.buckets[0].location, "ap-beijing");
        assert_eq!(out.buckets[0].bucket_type.as_deref(), Some("cos"));
        assert!(out.buckets[0].creation_date.to_system_time().is_some());
        assert!(!out.is_truncated);
        assert_eq!(out.next_page(), None);
        assert_eq!(out.meta.request_id.as_deref(), Some("NWQ4"));
        let again = GetService::new()
            .parse(
                &ok_head(&[("x-cos-request-id", "NWQ4")]),
                Bytes::from(out.to_xml().unwrap()),
            )
            .unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn paging_and_errors() {
        let body = "<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets><Bucket><Name>a-1</Name><Location>ap-beijing</Location><CreationDate>2019-05-24T11:20:10Z</CreationDate></Bucket></Buckets><Marker></Marker><NextMarker>a-1</NextMarker><IsTruncated>true</IsTruncated></ListAllMyBucketsResult>";
        let out = GetService::new()
            .parse(&ok_head(&[]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.next_page(), Some(BucketMarker("a-1".into())));
        let err = GetService::new()
            .parse(
                &head(403, &[]),
                Bytes::from("<Error><Code>InvalidAccessKeyId</Code><Message>x</Message></Error>"),
            )
            .unwrap_err();
        assert!(err.cos().unwrap().is_credential_expired());
    }
}
