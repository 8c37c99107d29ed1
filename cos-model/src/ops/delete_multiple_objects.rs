//! Delete Multiple Objects: delete up to 1000 objects in one request (`POST /?delete`).

use super::common::lenient_bool;
use crate::operation::{expect_success, parse_xml};
use crate::request::RequestSpec;
use crate::{
    BucketName, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload, ResponseHead,
    ResponseMeta,
};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

/// The most objects one request may delete.
pub const MAX_OBJECTS: usize = 1000;

/// One `<Object>` of the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectIdentifier {
    /// `<Key>`.
    #[serde(rename = "Key")]
    pub key: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `<Delete>`: the request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteRequestBody {
    /// `<Quiet>`: report only failures.
    #[serde(rename = "Quiet", default, with = "lenient_bool")]
    pub quiet: bool,
    /// `<Object>`*.
    #[serde(rename = "Object", default)]
    pub objects: Vec<ObjectIdentifier>,
}

impl DeleteRequestBody {
    /// The XML document.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("Delete", self).map_err(ModelError::Body)
    }

    /// Reads the XML document (servers).
    pub fn from_xml(xml: &str) -> Result<Self, String> {
        match crate::xml::root_name(xml.trim_start()) {
            Some(root) if root == "Delete" => crate::xml::from_str(xml),
            Some(root) => Err(format!("expected <Delete>, got <{root}>")),
            None => Err("not an XML document".to_owned()),
        }
    }
}

/// Delete several objects of the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteMultipleObjects {
    body: DeleteRequestBody,
}

impl DeleteMultipleObjects {
    /// Delete `keys` (1 to 1000 of them).
    pub fn new(keys: impl IntoIterator<Item = ObjectKey>) -> Self {
        Self {
            body: DeleteRequestBody {
                quiet: false,
                objects: keys
                    .into_iter()
                    .map(|k| ObjectIdentifier {
                        key: k.into_string(),
                        version_id: None,
                    })
                    .collect(),
            },
        }
    }

    /// Also delete `key` at `version_id`.
    pub fn version(mut self, key: ObjectKey, version_id: impl Into<String>) -> Self {
        self.body.objects.push(ObjectIdentifier {
            key: key.into_string(),
            version_id: Some(version_id.into()),
        });
        self
    }

    /// Quiet mode: the answer lists only failures.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.body.quiet = quiet;
        self
    }

    /// The request body.
    pub fn body(&self) -> &DeleteRequestBody {
        &self.body
    }
}

/// One `<Deleted>` of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeletedObject {
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `<DeleteMarker>`.
    #[serde(rename = "DeleteMarker", default, with = "lenient_bool")]
    pub delete_marker: bool,
    /// `<DeleteMarkerVersionId>`.
    #[serde(
        rename = "DeleteMarkerVersionId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker_version_id: Option<String>,
}

/// One `<Error>` of the answer: a key that could not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteError {
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<Code>`.
    #[serde(rename = "Code", default)]
    pub code: String,
    /// `<Message>`.
    #[serde(rename = "Message", default)]
    pub message: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

impl DeleteError {
    /// The code as an [`ErrorCode`](crate::ErrorCode).
    pub fn error_code(&self) -> crate::ErrorCode {
        crate::ErrorCode::from(self.code.as_str())
    }
}

/// `<DeleteResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteResult {
    /// `<Deleted>`*.
    #[serde(rename = "Deleted", default, skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<DeletedObject>,
    /// `<Error>`*.
    #[serde(rename = "Error", default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<DeleteError>,
    /// Request and trace id (headers).
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl DeleteResult {
    /// The XML document (servers).
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("DeleteResult", self).map_err(ModelError::Body)
    }
}

impl Operation for DeleteMultipleObjects {
    type Output = DeleteResult;

    fn name(&self) -> &'static str {
        "DeleteMultipleObjects"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let n = self.body.objects.len();
        if n == 0 || n > MAX_OBJECTS {
            return Err(ModelError::InvalidParameter {
                parameter: "objects",
                reason: format!("{n} objects; one request deletes 1 to {MAX_OBJECTS}"),
            });
        }
        let mut spec = RequestSpec::bucket(self.name(), Method::POST);
        spec.query("delete", "");
        spec.xml_body(self.body.to_xml()?)?;
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_success(head, &body)?;
        let mut out: DeleteResult = parse_xml(head, &body, "DeleteResult")?;
        out.meta = head.meta();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::ok_head;
    use crate::{ErrorCode, Region, SigningInput};

    #[test]
    fn builds_the_documented_request() {
        let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let op = DeleteMultipleObjects::new([
            ObjectKey::new("example-object-1.jpg").unwrap(),
            ObjectKey::new("a&b<c>.jpg").unwrap(),
        ])
        .version(
            ObjectKey::new("example-object-3.jpg").unwrap(),
            "MTg0NDUxNTc1NjIzMTQ1MDAwODg",
        );
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/?delete"
        );
        let body = req.body().to_bytes();
        let text = std::str::from_utf8(&body).unwrap();
        assert!(text.contains("<Quiet>false</Quiet>"));
        assert!(text.contains("<Key>a&amp;b&lt;c&gt;.jpg</Key>"));
        assert_eq!(
            req.headers()["content-md5"],
            crate::options::content_md5(&body).as_str()
        );
        assert_eq!(req.headers()["content-type"], "application/xml");
        assert_eq!(
            SigningInput::of(&req).unwrap().query,
            vec![("delete".to_owned(), String::new())]
        );
        assert_eq!(&DeleteRequestBody::from_xml(text).unwrap(), op.body());
        assert!(DeleteMultipleObjects::new([]).build(&ep, Some(&b)).is_err());
        let many = (0..1001).map(|i| ObjectKey::new(format!("k{i}")).unwrap());
        assert!(
            DeleteMultipleObjects::new(many)
                .build(&ep, Some(&b))
                .is_err()
        );
    }

    #[test]
    fn reads_the_documented_request() {
        let doc = "<Delete>\n\t<Quiet>true</Quiet>\n\t<Object>\n\t\t<Key>example-object-1.jpg</Key>\n\t</Object>\n\t<Object>\n\t\t<Key>example-object-2.jpg</Key>\n\t</Object>\n</Delete>";
        let body = DeleteRequestBody::from_xml(doc).unwrap();
        assert!(body.quiet);
        assert_eq!(body.objects.len(), 2);
        assert!(DeleteRequestBody::from_xml("<Other/>").is_err());
    }

    #[test]
    fn parses_the_documented_response() {
        let body = r#"<?xml version='1.0' encoding='utf-8' ?>
<DeleteResult>
	<Deleted>
		<Key>example-object-1.jpg</Key>
	</Deleted>
	<Deleted>
		<Key>example-object-2.jpg</Key>
		<DeleteMarker>true</DeleteMarker>
		<DeleteMarkerVersionId>MTg0NDUxNTc1NjIzMTQ1MDAwODg</DeleteMarkerVersionId>
	</Deleted>
	<Error>
		<Key>example-object-3.jpg</Key>
		<Code>PathConflict</Code>
		<Message>Path conflict.</Message>
	</Error>
</DeleteResult>"#;
        let op = DeleteMultipleObjects::new([ObjectKey::new("a").unwrap()]);
        let out = op
            .parse(&ok_head(&[("x-cos-request-id", "NWU")]), Bytes::from(body))
            .unwrap();
        assert_eq!(out.deleted.len(), 2);
        assert!(!out.deleted[0].delete_marker);
        assert!(out.deleted[1].delete_marker);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].error_code(), ErrorCode::PathConflict);
        let again = op
            .parse(
                &ok_head(&[("x-cos-request-id", "NWU")]),
                Bytes::from(out.to_xml().unwrap()),
            )
            .unwrap();
        assert_eq!(again, out);
    }
}
