//! GET Bucket (List Objects): list a bucket's objects (`GET /?prefix=…&encoding-type=url`).
//!
//! The request always asks for `encoding-type=url`, so keys with characters XML cannot carry
//! survive; the parsed result is decoded.

use super::common::{
    ObjectMarker, Owner, UrlEncodedListing, check_max, common_prefixes, lenient_bool,
};
use crate::operation::{expect_success, parse_xml};
use crate::options::StorageClass;
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, NameError, ObjectKey, Operation, ParseError, Payload,
    ResponseHead, ResponseMeta, Timestamp,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// List objects of the bucket given to [`Operation::build`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetBucket {
    prefix: Option<String>,
    delimiter: Option<String>,
    marker: Option<ObjectMarker>,
    max_keys: Option<u32>,
}

impl GetBucket {
    /// The first page of every object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Group keys by this delimiter (usually `/`) into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Start after this marker (from [`ListBucketResult::next_page`]).
    pub fn marker(mut self, marker: ObjectMarker) -> Self {
        self.marker = Some(marker);
        self
    }

    /// At most this many entries (1..=1000).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }
}

/// One object of the listing (`<Contents>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObjectSummary {
    /// `<Key>` (decoded).
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: Timestamp,
    /// `<ETag>`.
    #[serde(rename = "ETag", default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<ETag>,
    /// `<Size>` in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
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
}

impl ObjectSummary {
    /// The key as a validated [`ObjectKey`].
    pub fn object_key(&self) -> Result<ObjectKey, NameError> {
        ObjectKey::new(self.key.as_str())
    }
}

/// `<ListBucketResult>`. Keys, prefixes, markers and the delimiter are decoded when the
/// response says `<EncodingType>url</EncodingType>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListBucketResult {
    /// `<Name>`: the bucket.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// `<EncodingType>` (`url` when values were encoded on the wire).
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<Prefix>`.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// `<Marker>`.
    #[serde(rename = "Marker", default)]
    pub marker: String,
    /// `<MaxKeys>`.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// `<Delimiter>`.
    #[serde(rename = "Delimiter", default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default, with = "lenient_bool")]
    pub is_truncated: bool,
    /// `<NextMarker>`.
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<ObjectMarker>,
    /// `<Contents>`*.
    #[serde(rename = "Contents", default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<ObjectSummary>,
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

impl ListBucketResult {
    /// The marker of the next page when the listing is truncated: `NextMarker`, or the last
    /// key or common prefix returned (COS omits `NextMarker` without a delimiter).
    pub fn next_page(&self) -> Option<ObjectMarker> {
        if !self.is_truncated {
            return None;
        }
        if let Some(m) = self.next_marker.clone().filter(|m| !m.0.is_empty()) {
            return Some(m);
        }
        let last_key = self.contents.last().map(|c| c.key.as_str());
        let last_prefix = self.common_prefixes.last().map(String::as_str);
        last_key
            .max(last_prefix)
            .map(|s| ObjectMarker(s.to_owned()))
    }

    /// The XML document (servers). When `encoding_type` is `url`, values are encoded as COS
    /// does.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        self.encoded_xml()
    }
}

impl UrlEncodedListing for ListBucketResult {
    const ROOT: &'static str = "ListBucketResult";

    fn encoding_type(&self) -> Option<&str> {
        self.encoding_type.as_deref()
    }

    fn for_each_encoded(
        &mut self,
        f: &mut dyn FnMut(&mut String) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        f(&mut self.prefix)?;
        f(&mut self.marker)?;
        if let Some(d) = &mut self.delimiter {
            f(d)?;
        }
        if let Some(m) = &mut self.next_marker {
            f(&mut m.0)?;
        }
        for c in &mut self.contents {
            f(&mut c.key)?;
        }
        for p in &mut self.common_prefixes {
            f(p)?;
        }
        Ok(())
    }
}

impl Operation for GetBucket {
    type Output = ListBucketResult;

    fn name(&self) -> &'static str {
        "GetBucket"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        check_max("max-keys", self.max_keys)?;
        let mut spec = RequestSpec::bucket(self.name(), Method::GET);
        spec.query_opt("prefix", self.prefix.as_deref());
        spec.query_opt("delimiter", self.delimiter.as_deref());
        spec.query("encoding-type", "url");
        spec.query_opt("marker", self.marker.as_ref().map(|m| m.0.as_str()));
        spec.query_opt("max-keys", self.max_keys);
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: ListBucketResult = parse_xml(head, &body, "ListBucketResult")?;
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
    fn builds_with_encoding_type() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let req = GetBucket::new()
            .prefix("a/b c")
            .delimiter("/")
            .max_keys(1000)
            .marker(ObjectMarker("a/b c/x+y".into()))
            .build(&ep, Some(&b))
            .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?prefix=a%2Fb%20c&delimiter=%2F&encoding-type=url&marker=a%2Fb%20c%2Fx%2By&max-keys=1000"
        );
        let si = crate::SigningInput::of(&req).unwrap();
        assert_eq!(si.query[0], ("prefix".into(), "a/b c".into()));
        assert!(
            GetBucket::new()
                .max_keys(1001)
                .build(&ep, Some(&b))
                .is_err()
        );
    }

    #[test]
    fn parses_documented_response() {
        // The documentation's sample, with the keys as COS writes them for encoding-type=url.
        let body = r#"<?xml version='1.0' encoding='utf-8' ?>
<ListBucketResult>
	<Name>examplebucket-1250000000</Name>
	<EncodingType>url</EncodingType>
	<Prefix>example-folder-1%2F</Prefix>
	<Marker/>
	<MaxKeys>2</MaxKeys>
	<Delimiter>%2F</Delimiter>
	<IsTruncated>true</IsTruncated>
	<NextMarker>example-folder-1%2Fexample-object-2.jpg</NextMarker>
	<Contents>
		<Key>example-folder-1%2Fexample-object-1.jpg</Key>
		<LastModified>2020-12-10T03:37:30.000Z</LastModified>
		<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>
		<Size>1454617</Size>
		<Owner>
			<ID>1250000000</ID>
			<DisplayName>1250000000</DisplayName>
		</Owner>
		<StorageClass>STANDARD</StorageClass>
	</Contents>
	<Contents>
		<Key>example-folder-1%2Fa+b%2Bc%E4%B8%AD.jpg</Key>
		<LastModified>2020-12-10T03:37:30.000Z</LastModified>
		<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>
		<Size>1</Size>
		<Owner>
			<ID>1250000000</ID>
			<DisplayName>1250000000</DisplayName>
		</Owner>
		<StorageClass>STANDARD_IA</StorageClass>
		<Unknown>ignored</Unknown>
	</Contents>
	<CommonPrefixes>
		<Prefix>example-folder-1%2Fsub%2F</Prefix>
	</CommonPrefixes>
</ListBucketResult>"#;
        let out = GetBucket::new()
            .parse(&ok_head(&[]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.name, "examplebucket-1250000000");
        assert_eq!(out.prefix, "example-folder-1/");
        assert_eq!(out.marker, "");
        assert_eq!(out.delimiter.as_deref(), Some("/"));
        assert_eq!(out.max_keys, 2);
        assert!(out.is_truncated);
        assert_eq!(out.contents.len(), 2);
        assert_eq!(out.contents[0].key, "example-folder-1/example-object-1.jpg");
        assert_eq!(out.contents[1].key, "example-folder-1/a b+c中.jpg");
        assert_eq!(
            out.contents[0].etag.as_ref().unwrap().as_unquoted(),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert_eq!(out.contents[0].size, 1_454_617);
        assert_eq!(
            out.contents[1].storage_class,
            Some(StorageClass::StandardIa)
        );
        assert_eq!(
            out.common_prefixes,
            vec!["example-folder-1/sub/".to_owned()]
        );
        assert_eq!(
            out.next_page(),
            Some(ObjectMarker("example-folder-1/example-object-2.jpg".into()))
        );
        let again = GetBucket::new()
            .parse(&ok_head(&[]), Bytes::from(out.to_xml().unwrap()))
            .unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn without_encoding_type_values_are_verbatim() {
        let body = "<ListBucketResult><Name>b-1</Name><Prefix>a%20b</Prefix><Marker/><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>a%20b+c</Key><LastModified>2020-12-10T03:37:30.000Z</LastModified><Size>0</Size></Contents></ListBucketResult>";
        let out = GetBucket::new()
            .parse(&ok_head(&[]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.contents[0].key, "a%20b+c");
        assert_eq!(out.next_page(), Some(ObjectMarker("a%20b+c".into())));
        let bad = "<ListBucketResult><EncodingType>url</EncodingType><Name>b-1</Name><Contents><Key>%FF</Key></Contents></ListBucketResult>";
        let err = GetBucket::new()
            .parse(&ok_head(&[("x-cos-request-id", "r")]), Bytes::from(bad))
            .unwrap_err();
        assert!(matches!(err, ParseError::Decode { .. }));
        assert_eq!(err.request_id(), Some("r"));
    }
}
