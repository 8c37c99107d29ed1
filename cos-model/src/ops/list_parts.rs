//! List Parts: the parts uploaded so far (`GET /<key>?uploadId=<id>&encoding-type=url`).

use super::common::{Owner, PartNumberMarker, UrlEncodedListing, check_max, lenient_bool};
use crate::operation::{expect_success, parse_xml};
use crate::options::StorageClass;
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, PartNumber, Payload,
    ResponseHead, ResponseMeta, Timestamp, UploadId,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// List the parts of upload `upload_id` of `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParts {
    key: ObjectKey,
    upload_id: UploadId,
    max_parts: Option<u32>,
    marker: Option<PartNumberMarker>,
}

impl ListParts {
    /// The first page of parts.
    pub fn new(key: ObjectKey, upload_id: UploadId) -> Self {
        Self {
            key,
            upload_id,
            max_parts: None,
            marker: None,
        }
    }

    /// At most this many parts (1..=1000).
    pub fn max_parts(mut self, n: u32) -> Self {
        self.max_parts = Some(n);
        self
    }

    /// Parts after this marker (from [`ListPartsResult::next_page`]).
    pub fn marker(mut self, marker: PartNumberMarker) -> Self {
        self.marker = Some(marker);
        self
    }
}

/// One `<Part>` of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// `<PartNumber>`.
    #[serde(rename = "PartNumber")]
    pub part_number: PartNumber,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: Timestamp,
    /// `<ETag>`: the part's MD5 hex, quoted on the wire.
    #[serde(rename = "ETag")]
    pub etag: ETag,
    /// `<Size>` in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
}

/// `<ListPartsResult>`; the key is decoded when `<Encoding-type>` is `url`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListPartsResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Encoding-type>`.
    #[serde(
        rename = "Encoding-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`.
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    /// `<Initiator>`.
    #[serde(rename = "Initiator", default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Owner>,
    /// `<Owner>`.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// `<StorageClass>`.
    #[serde(
        rename = "StorageClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_class: Option<StorageClass>,
    /// `<PartNumberMarker>`.
    #[serde(rename = "PartNumberMarker", default)]
    pub part_number_marker: PartNumberMarker,
    /// `<NextPartNumberMarker>`.
    #[serde(
        rename = "NextPartNumberMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_part_number_marker: Option<PartNumberMarker>,
    /// `<MaxParts>`.
    #[serde(rename = "MaxParts", default)]
    pub max_parts: u32,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default, with = "lenient_bool")]
    pub is_truncated: bool,
    /// `<Part>`*.
    #[serde(rename = "Part", default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartInfo>,
    /// Request and trace id (headers).
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl ListPartsResult {
    /// The marker of the next page, when the listing is truncated.
    pub fn next_page(&self) -> Option<PartNumberMarker> {
        if !self.is_truncated {
            return None;
        }
        self.next_part_number_marker
            .filter(|m| m.0 > 0)
            .or_else(|| {
                self.parts
                    .last()
                    .map(|p| PartNumberMarker(p.part_number.get()))
            })
    }

    /// The XML document (servers); the key is encoded when `encoding_type` is `url`.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        self.encoded_xml()
    }
}

impl UrlEncodedListing for ListPartsResult {
    const ROOT: &'static str = "ListPartsResult";

    fn encoding_type(&self) -> Option<&str> {
        self.encoding_type.as_deref()
    }

    fn for_each_encoded(
        &mut self,
        f: &mut dyn FnMut(&mut String) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        f(&mut self.key)
    }
}

impl Operation for ListParts {
    type Output = ListPartsResult;

    fn name(&self) -> &'static str {
        "ListParts"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        check_max("max-parts", self.max_parts)?;
        let mut spec = RequestSpec::object(self.name(), Method::GET, &self.key);
        spec.query("uploadId", self.upload_id.as_str());
        spec.query("encoding-type", "url");
        spec.query_opt("max-parts", self.max_parts);
        spec.query_opt("part-number-marker", self.marker.map(|m| m.0));
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: ListPartsResult = parse_xml(head, &body, "ListPartsResult")?;
        out.decode_values(head)?;
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region};

    fn op() -> ListParts {
        ListParts::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new(
                "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
            )
            .unwrap(),
        )
    }

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = op()
            .max_parts(2)
            .marker(PartNumberMarker(1))
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject?uploadId=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361&encoding-type=url&max-parts=2&part-number-marker=1"
        );
        assert!(op().max_parts(0).build(&ep, Some(&b)).is_err());
    }

    #[test]
    fn parses_the_documented_response() {
        let body = r#"<?xml version='1.0' encoding='utf-8' ?>
<ListPartsResult>
	<Bucket>examplebucket-1250000000</Bucket>
	<Encoding-type>url</Encoding-type>
	<Key>example%20object</Key>
	<UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>
	<Initiator>
		<ID>qcs::cam::uin/100000000001:uin/100000000011</ID>
		<DisplayName>100000000011</DisplayName>
	</Initiator>
	<Owner>
		<ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
		<DisplayName>100000000001</DisplayName>
	</Owner>
	<StorageClass>STANDARD</StorageClass>
	<PartNumberMarker>0</PartNumberMarker>
	<NextPartNumberMarker>2</NextPartNumberMarker>
	<MaxParts>2</MaxParts>
	<IsTruncated>true</IsTruncated>
	<Part>
		<PartNumber>1</PartNumber>
		<LastModified>2020-03-25T10:07:09.000Z</LastModified>
		<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>
		<Size>1048576</Size>
	</Part>
	<Part>
		<PartNumber>2</PartNumber>
		<LastModified>2020-03-25T10:07:10.000Z</LastModified>
		<ETag>&quot;e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0&quot;</ETag>
		<Size>1048576</Size>
	</Part>
</ListPartsResult>"#;
        let out = op().parse(&ok_head(&[]), Bytes::from(body)).unwrap();
        assert_eq!(out.key, "example object");
        assert_eq!(out.initiator.as_ref().unwrap().display_name, "100000000011");
        assert_eq!(out.storage_class, Some(StorageClass::Standard));
        assert_eq!(out.part_number_marker, PartNumberMarker(0));
        assert_eq!(out.max_parts, 2);
        assert!(out.is_truncated);
        assert_eq!(out.parts.len(), 2);
        assert_eq!(out.parts[0].part_number.get(), 1);
        assert_eq!(
            out.parts[0].etag.as_unquoted(),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert_eq!(out.parts[1].size, 1_048_576);
        assert!(out.parts[1].last_modified.to_system_time().is_some());
        assert_eq!(out.next_page(), Some(PartNumberMarker(2)));
        let again = op()
            .parse(&ok_head(&[]), Bytes::from(out.to_xml().unwrap()))
            .unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn errors() {
        let err = op()
            .parse(
                &head(404, &[]),
                Bytes::from("<Error><Code>NoSuchUpload</Code><Message>m</Message></Error>"),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::NoSuchUpload);
        let bad_part = "<ListPartsResult><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></ListPartsResult>";
        assert!(matches!(
            op().parse(&ok_head(&[]), Bytes::from(bad_part)),
            Err(ParseError::Decode { .. })
        ));
    }
}
