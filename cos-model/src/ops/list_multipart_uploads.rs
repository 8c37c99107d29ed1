//! List Multipart Uploads: uploads begun and not completed or aborted
//! (`GET /?uploads&encoding-type=url`).

use super::common::{
    Owner, UploadMarker, UrlEncodedListing, check_max, common_prefixes, lenient_bool,
};
use crate::operation::{expect_success, parse_xml};
use crate::options::StorageClass;
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, Operation, ParseError, Payload, ResponseHead, ResponseMeta,
    Timestamp,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// List the bucket's unfinished multipart uploads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListMultipartUploads {
    prefix: Option<String>,
    delimiter: Option<String>,
    max_uploads: Option<u32>,
    marker: Option<UploadMarker>,
}

impl ListMultipartUploads {
    /// The first page of every upload.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only keys starting with `prefix` (the SDKs' resume passes the key itself).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Group keys by this delimiter into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// At most this many uploads (1..=1000).
    pub fn max_uploads(mut self, n: u32) -> Self {
        self.max_uploads = Some(n);
        self
    }

    /// Uploads after this marker (from [`ListMultipartUploadsResult::next_page`]).
    pub fn marker(mut self, marker: UploadMarker) -> Self {
        self.marker = Some(marker);
        self
    }
}

/// One `<Upload>` of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UploadInfo {
    /// `<Key>` (decoded).
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`.
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    /// `<StorageClass>`.
    #[serde(
        rename = "StorageClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_class: Option<StorageClass>,
    /// `<Initiator>`.
    #[serde(rename = "Initiator", default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Owner>,
    /// `<Owner>`.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// `<Initiated>`.
    #[serde(rename = "Initiated", default)]
    pub initiated: Timestamp,
}

impl UploadInfo {
    /// The upload id as a validated [`UploadId`](crate::UploadId).
    pub fn upload_id(&self) -> Result<crate::UploadId, crate::NameError> {
        crate::UploadId::new(self.upload_id.as_str())
    }
}

/// `<ListMultipartUploadsResult>`; keys, prefixes, markers and the delimiter are decoded
/// when `<Encoding-Type>` is `url`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListMultipartUploadsResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Encoding-Type>`.
    #[serde(
        rename = "Encoding-Type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<KeyMarker>`.
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    /// `<UploadIdMarker>`.
    #[serde(rename = "UploadIdMarker", default)]
    pub upload_id_marker: String,
    /// `<NextKeyMarker>`.
    #[serde(
        rename = "NextKeyMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_key_marker: Option<String>,
    /// `<NextUploadIdMarker>`.
    #[serde(
        rename = "NextUploadIdMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_upload_id_marker: Option<String>,
    /// `<MaxUploads>`.
    #[serde(rename = "MaxUploads", default)]
    pub max_uploads: u32,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default, with = "lenient_bool")]
    pub is_truncated: bool,
    /// `<Prefix>`.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// `<Delimiter>`.
    #[serde(rename = "Delimiter", default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `<Upload>`*.
    #[serde(rename = "Upload", default, skip_serializing_if = "Vec::is_empty")]
    pub uploads: Vec<UploadInfo>,
    /// `<CommonPrefixes><Prefix>`*.
    #[serde(
        rename = "CommonPrefixes",
        default,
        with = "common_prefixes",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub common_prefixes: Vec<String>,
    /// Request and trace id (headers).
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl ListMultipartUploadsResult {
    /// The marker of the next page, when the listing is truncated.
    pub fn next_page(&self) -> Option<UploadMarker> {
        if !self.is_truncated {
            return None;
        }
        match self.next_key_marker.as_ref().filter(|k| !k.is_empty()) {
            Some(key) => Some(UploadMarker {
                key: key.clone(),
                upload_id: self.next_upload_id_marker.clone().filter(|u| !u.is_empty()),
            }),
            None => self.uploads.last().map(|u| UploadMarker {
                key: u.key.clone(),
                upload_id: Some(u.upload_id.clone()),
            }),
        }
    }

    /// The XML document (servers); values are encoded when `encoding_type` is `url`.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        self.encoded_xml()
    }
}

impl UrlEncodedListing for ListMultipartUploadsResult {
    const ROOT: &'static str = "ListMultipartUploadsResult";

    fn encoding_type(&self) -> Option<&str> {
        self.encoding_type.as_deref()
    }

    fn for_each_encoded(
        &mut self,
        f: &mut dyn FnMut(&mut String) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        f(&mut self.key_marker)?;
        f(&mut self.prefix)?;
        if let Some(v) = &mut self.next_key_marker {
            f(v)?;
        }
        if let Some(v) = &mut self.delimiter {
            f(v)?;
        }
        for u in &mut self.uploads {
            f(&mut u.key)?;
        }
        for p in &mut self.common_prefixes {
            f(p)?;
        }
        Ok(())
    }
}

impl Operation for ListMultipartUploads {
    type Output = ListMultipartUploadsResult;

    fn name(&self) -> &'static str {
        "ListMultipartUploads"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        check_max("max-uploads", self.max_uploads)?;
        let mut spec = RequestSpec::bucket(self.name(), Method::GET);
        spec.query("uploads", "");
        spec.query_opt("prefix", self.prefix.as_deref());
        spec.query_opt("delimiter", self.delimiter.as_deref());
        spec.query("encoding-type", "url");
        spec.query_opt("max-uploads", self.max_uploads);
        if let Some(m) = &self.marker {
            spec.query("key-marker", m.key.as_str());
            spec.query_opt("upload-id-marker", m.upload_id.as_deref());
        }
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: ListMultipartUploadsResult =
            parse_xml(head, &body, "ListMultipartUploadsResult")?;
        out.decode_values(head)?;
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;
    use crate::ops::test_util::ok_head;

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = ListMultipartUploads::new()
            .prefix("dir/a b")
            .max_uploads(10)
            .marker(UploadMarker {
                key: "dir/a b".into(),
                upload_id: Some("158".into()),
            })
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?uploads&prefix=dir%2Fa%20b&encoding-type=url&max-uploads=10&key-marker=dir%2Fa%20b&upload-id-marker=158"
        );
        let si = crate::SigningInput::of(&req).unwrap();
        assert_eq!(si.path, "/");
        assert_eq!(si.query[0], ("uploads".to_owned(), String::new()));
    }

    #[test]
    fn parses_the_documented_response() {
        let body = r#"<?xml version='1.0' encoding='utf-8' ?>
<ListMultipartUploadsResult>
	<Bucket>examplebucket-1250000000</Bucket>
	<Encoding-Type>url</Encoding-Type>
	<KeyMarker/>
	<UploadIdMarker/>
	<NextKeyMarker>example-object-2.jpg</NextKeyMarker>
	<NextUploadIdMarker>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</NextUploadIdMarker>
	<MaxUploads>2</MaxUploads>
	<IsTruncated>true</IsTruncated>
	<Prefix/>
	<Upload>
		<Key>example-object-1.jpg</Key>
		<UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>
		<StorageClass>STANDARD</StorageClass>
		<Initiator>
			<ID>qcs::cam::uin/100000000001:uin/100000000011</ID>
			<DisplayName>100000000011</DisplayName>
		</Initiator>
		<Owner>
			<ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
			<DisplayName>100000000001</DisplayName>
		</Owner>
		<Initiated>2020-03-25T10:07:01.000Z</Initiated>
	</Upload>
	<Upload>
		<Key>dir%2Fexample+object%2B2.jpg</Key>
		<UploadId>1585130822b8e2c1</UploadId>
		<StorageClass>STANDARD_IA</StorageClass>
		<Initiated>2020-03-25T10:07:02.000Z</Initiated>
	</Upload>
	<CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
</ListMultipartUploadsResult>"#;
        let out = ListMultipartUploads::new()
            .parse(&ok_head(&[]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.uploads.len(), 2);
        assert_eq!(out.uploads[1].key, "dir/example object+2.jpg");
        assert_eq!(
            out.uploads[0].upload_id().unwrap().as_str(),
            out.next_upload_id_marker.as_deref().unwrap()
        );
        assert_eq!(out.uploads[1].storage_class, Some(StorageClass::StandardIa));
        assert_eq!(out.common_prefixes, vec!["dir/".to_owned()]);
        assert_eq!(out.key_marker, "");
        let next = out.next_page().unwrap();
        assert_eq!(next.key, "example-object-2.jpg");
        let again = ListMultipartUploads::new()
            .parse(&ok_head(&[]), Bytes::from(out.to_xml().unwrap()))
            .unwrap();
        assert_eq!(again, out);
    }
}
