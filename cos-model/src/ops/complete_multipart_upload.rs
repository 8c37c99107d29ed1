//! Complete Multipart Upload: assemble the uploaded parts into the object
//! (`POST /<key>?uploadId=<id>` with `<CompleteMultipartUpload>`).
//!
//! The part list is a [`CompletedParts`]: keyed by part number, so it is strictly ascending
//! and free of duplicates by construction, whatever order parts finish in. ETags are written
//! with their quotes. COS answers 200 at once and may send an `<Error>` document in that 200
//! (after whitespace keep-alives); that is parsed as COS's error.

use crate::operation::{expect_success, parse_xml};
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, PartNumber, Payload,
    ResponseHead, ResponseMeta, UploadId,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parts of a finished upload: part number → ETag, always ascending and unique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompletedParts(BTreeMap<PartNumber, ETag>);

impl CompletedParts {
    /// No parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records part `number` with `etag`; a part recorded twice keeps the later ETag (as COS
    /// keeps the later upload), and the earlier one is returned.
    pub fn insert(&mut self, number: PartNumber, etag: ETag) -> Option<ETag> {
        self.0.insert(number, etag)
    }

    /// The ETag of part `number`.
    pub fn get(&self, number: PartNumber) -> Option<&ETag> {
        self.0.get(&number)
    }

    /// How many parts.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no parts.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parts in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (PartNumber, &ETag)> {
        self.0.iter().map(|(n, e)| (*n, e))
    }

    /// Whether the parts are exactly 1, 2, …, len (COS needs no gaps to succeed).
    pub fn is_contiguous(&self) -> bool {
        self.0.keys().enumerate().all(|(i, n)| n.index() == i)
    }

    /// The request body.
    pub fn to_body(&self) -> CompleteMultipartUploadBody {
        CompleteMultipartUploadBody {
            parts: self
                .iter()
                .map(|(part_number, etag)| CompletedPart {
                    part_number,
                    etag: etag.clone(),
                })
                .collect(),
        }
    }
}

impl FromIterator<(PartNumber, ETag)> for CompletedParts {
    fn from_iter<I: IntoIterator<Item = (PartNumber, ETag)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<(PartNumber, ETag)> for CompletedParts {
    fn extend<I: IntoIterator<Item = (PartNumber, ETag)>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// One `<Part>` of the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedPart {
    /// `<PartNumber>`.
    #[serde(rename = "PartNumber")]
    pub part_number: PartNumber,
    /// `<ETag>`, written with quotes.
    #[serde(rename = "ETag")]
    pub etag: ETag,
}

/// `<CompleteMultipartUpload>` as written on the wire: a list in document order. A client
/// builds it from [`CompletedParts`] (sorted, unique); a server reads it with
/// [`CompleteMultipartUploadBody::from_xml`] and checks the order itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompleteMultipartUploadBody {
    /// `<Part>`*.
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletedPart>,
}

impl CompleteMultipartUploadBody {
    /// The XML document.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CompleteMultipartUpload", self).map_err(ModelError::Body)
    }

    /// Reads the XML document (servers); an error says why it is malformed.
    pub fn from_xml(xml: &str) -> Result<Self, String> {
        match crate::xml::root_name(xml.trim_start()) {
            Some(root) if root == "CompleteMultipartUpload" => crate::xml::from_str(xml),
            Some(root) => Err(format!("expected <CompleteMultipartUpload>, got <{root}>")),
            None => Err("not an XML document".to_owned()),
        }
    }

    /// Whether part numbers are strictly ascending (COS: `InvalidPartOrder` otherwise).
    pub fn is_strictly_ascending(&self) -> bool {
        self.parts
            .windows(2)
            .all(|w| w[0].part_number < w[1].part_number)
    }
}

/// Complete upload `upload_id` of `key` with `parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteMultipartUpload {
    key: ObjectKey,
    upload_id: UploadId,
    parts: CompletedParts,
    forbid_overwrite: bool,
}

impl CompleteMultipartUpload {
    /// Complete `upload_id` of `key` with `parts` (at least one).
    pub fn new(key: ObjectKey, upload_id: UploadId, parts: CompletedParts) -> Self {
        Self {
            key,
            upload_id,
            parts,
            forbid_overwrite: false,
        }
    }

    /// `x-cos-forbid-overwrite: true`.
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    /// The parts.
    pub fn parts(&self) -> &CompletedParts {
        &self.parts
    }
}

/// `<CompleteMultipartUploadResult>` plus the headers that matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteMultipartUploadResult {
    /// `<Location>`: `<bucket host>/<key>` without scheme.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<ETag>`: `"<hex>-<part count>"`.
    #[serde(rename = "ETag")]
    pub etag: ETag,
    /// `x-cos-hash-crc64ecma`: the whole object's CRC-64 (compare with
    /// [`crc64::combine`](crate::crc64::combine) of the parts').
    #[serde(skip)]
    pub crc64: Option<u64>,
    /// `x-cos-version-id`.
    #[serde(skip)]
    pub version_id: Option<String>,
    /// Request and trace id.
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl CompleteMultipartUploadResult {
    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CompleteMultipartUploadResult", self).map_err(ModelError::Body)
    }
}

impl Operation for CompleteMultipartUpload {
    type Output = CompleteMultipartUploadResult;

    fn name(&self) -> &'static str {
        "CompleteMultipartUpload"
    }

    fn idempotent(&self) -> bool {
        false
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        if self.parts.is_empty() {
            return Err(ModelError::InvalidParameter {
                parameter: "parts",
                reason: "Complete Multipart Upload needs at least one part".to_owned(),
            });
        }
        let mut spec = RequestSpec::object(self.name(), Method::POST, &self.key);
        spec.query("uploadId", self.upload_id.as_str());
        if self.forbid_overwrite {
            spec.header("x-cos-forbid-overwrite", "true")?;
        }
        spec.xml_body(self.parts.to_body().to_xml()?)?;
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: CompleteMultipartUploadResult =
            parse_xml(head, &body, "CompleteMultipartUploadResult")?;
        out.crc64 = head.crc64()?;
        out.version_id = head.version_id().map(str::to_owned);
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region, SigningInput};

    fn pn(n: u32) -> PartNumber {
        PartNumber::new(n).unwrap()
    }

    #[test]
    fn parts_sorted_and_unique() {
        let parts: CompletedParts = [
            (pn(3), ETag::new("\"c\"")),
            (pn(1), ETag::new("a")),
            (pn(2), ETag::new("x")),
            (pn(2), ETag::new("b")),
        ]
        .into_iter()
        .collect();
        assert_eq!(parts.len(), 3);
        assert!(parts.is_contiguous());
        assert_eq!(parts.get(pn(2)).unwrap().as_unquoted(), "b");
        let body = parts.to_body();
        assert!(body.is_strictly_ascending());
        let xml = body.to_xml().unwrap();
        assert_eq!(
            xml.replace("&quot;", "\""),
            "<?xml version='1.0' encoding='utf-8' ?>\n<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag></Part><Part><PartNumber>3</PartNumber><ETag>\"c\"</ETag></Part></CompleteMultipartUpload>"
        );
        assert_eq!(CompleteMultipartUploadBody::from_xml(&xml).unwrap(), body);
        let mut gap = CompletedParts::new();
        gap.insert(pn(2), ETag::new("b"));
        assert!(!gap.is_contiguous());
    }

    #[test]
    fn reads_the_documented_request_body() {
        let doc = r#"<CompleteMultipartUpload>
	<Part>
		<PartNumber>1</PartNumber>
		<ETag>"ee8de918d05640145b18f70f4c3aa602"</ETag>
	</Part>
	<Part>
		<PartNumber>3</PartNumber>
		<ETag>&quot;d9b2ed6e0a0a1b9c0a1c2e4b8d5f3a71&quot;</ETag>
	</Part>
	<Part>
		<PartNumber>2</PartNumber>
		<ETag>"e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"</ETag>
	</Part>
</CompleteMultipartUpload>"#;
        let body = CompleteMultipartUploadBody::from_xml(doc).unwrap();
        assert_eq!(body.parts.len(), 3);
        assert_eq!(
            body.parts[1].etag.as_unquoted(),
            "d9b2ed6e0a0a1b9c0a1c2e4b8d5f3a71"
        );
        assert!(!body.is_strictly_ascending());
        assert!(CompleteMultipartUploadBody::from_xml("<Delete/>").is_err());
        assert!(CompleteMultipartUploadBody::from_xml("<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>").is_err());
    }

    #[test]
    fn builds() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let parts: CompletedParts = [(pn(1), ETag::new("\"ee8de918d05640145b18f70f4c3aa602\""))]
            .into_iter()
            .collect();
        let op = CompleteMultipartUpload::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
            parts,
        )
        .forbid_overwrite(true);
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject?uploadId=1585130821cbb7df"
        );
        let body = req.body().to_bytes();
        assert_eq!(
            req.headers()["content-length"],
            body.len().to_string().as_str()
        );
        assert_eq!(req.headers()["content-type"], "application/xml");
        assert_eq!(
            req.headers()["content-md5"],
            crate::options::content_md5(&body).as_str()
        );
        assert_eq!(req.headers()["x-cos-forbid-overwrite"], "true");
        assert_eq!(
            SigningInput::of(&req).unwrap().query,
            vec![("uploadId".to_owned(), "1585130821cbb7df".to_owned())]
        );
        let empty = CompleteMultipartUpload::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
            CompletedParts::new(),
        );
        assert!(matches!(
            empty.build(&ep, Some(&b)),
            Err(ModelError::InvalidParameter { .. })
        ));
    }

    fn op() -> CompleteMultipartUpload {
        CompleteMultipartUpload::new(
            ObjectKey::new("exampleobject").unwrap(),
            UploadId::new("1585130821cbb7df").unwrap(),
            CompletedParts::new(),
        )
    }

    #[test]
    fn parses_the_documented_response() {
        let body = "\n  \n  <?xml version='1.0' encoding='utf-8' ?>\n<CompleteMultipartUploadResult>\n\t<Location>examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Location>\n\t<Bucket>examplebucket-1250000000</Bucket>\n\t<Key>exampleobject</Key>\n\t<ETag>&quot;aa259a62513358f69e98e72e59856d88-3&quot;</ETag>\n</CompleteMultipartUploadResult>";
        let h = ok_head(&[
            ("content-type", "application/xml"),
            ("transfer-encoding", "chunked"),
            ("x-cos-hash-crc64ecma", "5981764153023615706"),
            ("x-cos-request-id", "NWU3YzZi"),
        ]);
        let out = op().parse(&h, Bytes::from(body)).unwrap();
        assert_eq!(
            out.location,
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject"
        );
        assert_eq!(out.bucket, "examplebucket-1250000000");
        assert_eq!(out.key, "exampleobject");
        assert_eq!(out.etag.as_unquoted(), "aa259a62513358f69e98e72e59856d88-3");
        assert_eq!(out.etag.part_count(), Some(3));
        assert_eq!(out.crc64, Some(5_981_764_153_023_615_706));
        let mut again = op().parse(&h, Bytes::from(out.to_xml().unwrap())).unwrap();
        again.crc64 = out.crc64;
        assert_eq!(again, out);
    }

    #[test]
    fn error_inside_200_and_truncated_bodies() {
        let body = "\n \n \n<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>InvalidPart</Code>\n\t<Message>One or more of the specified parts could not be found.</Message>\n\t<RequestId>NWU3</RequestId>\n</Error>";
        let err = op().parse(&ok_head(&[]), Bytes::from(body)).unwrap_err();
        let c = err.cos().unwrap();
        assert_eq!(c.status.as_u16(), 200);
        assert_eq!(c.code, ErrorCode::InvalidPart);
        assert_eq!(c.request_id.as_deref(), Some("NWU3"));
        assert!(!err.is_retryable());
        let err = op()
            .parse(
                &ok_head(&[]),
                Bytes::from("<Error><Code>InternalError</Code><Message>m</Message></Error>"),
            )
            .unwrap_err();
        assert!(err.is_retryable());
        for cut in [
            "",
            "   \n  ",
            "<CompleteMultipartUploadResult><Location>x</Loc",
        ] {
            let err = op()
                .parse(&ok_head(&[("x-cos-request-id", "r")]), Bytes::from(cut))
                .unwrap_err();
            assert!(matches!(err, ParseError::Decode { .. }), "{cut:?}: {err:?}");
            assert!(err.is_retryable());
            assert_eq!(err.request_id(), Some("r"));
        }
        let err = op()
            .parse(&head(400, &[]), Bytes::from("<Error><Code>EntityTooSmall</Code><Message>Your proposed upload is smaller than the minimum allowed object size.</Message></Error>"))
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::EntityTooSmall);
    }
}
