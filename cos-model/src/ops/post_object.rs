//! POST Object: a browser-style form upload (`POST /` with `multipart/form-data`).
//!
//! The form is: `key`, the caller's fields (cos-sign's `PostForm::fields()`: `policy`,
//! `q-sign-algorithm`, `q-ak`, `q-key-time`, `q-signature`, `x-cos-security-token`, and any
//! `x-cos-meta-*`, `acl`, …), `Content-Type`, `success_action_status`,
//! `success_action_redirect`, and the `file` field **last**. The body is a [`Payload`] of
//! chunks: the file's `Bytes` are sent as given, not copied. There is no `Authorization`
//! header: the form authenticates itself.

use crate::operation::expect_status;
use crate::request::RequestSpec;
use crate::{
    BucketName, ETag, Endpoint, ModelError, ObjectKey, Operation, ParseError, Payload,
    ResponseHead, ResponseMeta,
};
use bytes::Bytes;
use http::{Method, StatusCode};
use std::fmt::Write;

/// The status COS answers a successful POST with (`success_action_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SuccessActionStatus {
    /// 200 with an empty body.
    Ok200,
    /// 201 (possibly with a `<PostResponse>` body).
    Created201,
    /// 204 with an empty body (COS's default).
    #[default]
    NoContent204,
}

impl SuccessActionStatus {
    /// `"200"`, `"201"` or `"204"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuccessActionStatus::Ok200 => "200",
            SuccessActionStatus::Created201 => "201",
            SuccessActionStatus::NoContent204 => "204",
        }
    }
}

/// Upload `file` as `key` with a POST form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostObject {
    key: ObjectKey,
    file: Payload,
    file_name: Option<String>,
    fields: Vec<(String, String)>,
    content_type: Option<String>,
    success_action_status: Option<SuccessActionStatus>,
    success_action_redirect: Option<String>,
    boundary: Option<String>,
}

/// Field names this type writes itself; the caller's fields of the same name are dropped.
const OWN_FIELDS: [&str; 5] = [
    "key",
    "content-type",
    "success_action_status",
    "success_action_redirect",
    "file",
];

impl PostObject {
    /// Upload `file` as `key` (which may contain `${filename}`).
    pub fn new(key: ObjectKey, file: impl Into<Payload>) -> Self {
        Self {
            key,
            file: file.into(),
            file_name: None,
            fields: Vec::new(),
            content_type: None,
            success_action_status: None,
            success_action_redirect: None,
            boundary: None,
        }
    }

    /// The signed form fields (cos-sign's `PostForm::fields()`), and any others (`acl`,
    /// `x-cos-meta-*`, `Cache-Control`, …), in order.
    ///
    /// A `Content-Type` among them (cos-sign's `PostPolicy::content_type` puts one there, and
    /// the policy then requires it) becomes the form's Content-Type unless
    /// [`content_type`](Self::content_type) sets one.
    pub fn fields(self, fields: &[(String, String)]) -> Self {
        fields.iter().fold(self, |form, (name, value)| {
            form.field(name.clone(), value.clone())
        })
    }

    /// One more form field (a `Content-Type` field is adopted as by [`fields`](Self::fields)).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if name.eq_ignore_ascii_case("content-type") {
            if self.content_type.is_none() {
                self.content_type = Some(value.into());
            }
        } else {
            self.fields.push((name, value.into()));
        }
        self
    }

    /// The `Content-Type` field: the stored object's type (COS ignores the file part's own).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The `success_action_status` field.
    pub fn success_action_status(mut self, status: SuccessActionStatus) -> Self {
        self.success_action_status = Some(status);
        self
    }

    /// The `success_action_redirect` field: COS answers 303 to this URL.
    pub fn success_action_redirect(mut self, url: impl Into<String>) -> Self {
        self.success_action_redirect = Some(url.into());
        self
    }

    /// The `filename` of the file part (replaces `${filename}` in the key); default: the
    /// key's last segment.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// A fixed multipart boundary (1 to 70 characters of `A-Za-z0-9'()+_,-./:=?`); by
    /// default one is chosen that occurs nowhere in the form.
    pub fn boundary(mut self, boundary: impl Into<String>) -> Self {
        self.boundary = Some(boundary.into());
        self
    }

    /// The form fields in the order they are sent, without the file.
    pub fn form_fields(&self) -> Vec<(String, String)> {
        let mut out = vec![("key".to_owned(), self.key.as_str().to_owned())];
        out.extend(
            self.fields
                .iter()
                .filter(|(n, _)| !OWN_FIELDS.iter().any(|o| n.eq_ignore_ascii_case(o)))
                .cloned(),
        );
        if let Some(ct) = &self.content_type {
            out.push(("Content-Type".to_owned(), ct.clone()));
        }
        if let Some(s) = self.success_action_status {
            out.push(("success_action_status".to_owned(), s.as_str().to_owned()));
        }
        if let Some(r) = &self.success_action_redirect {
            out.push(("success_action_redirect".to_owned(), r.clone()));
        }
        out
    }

    /// The `multipart/form-data` body and its boundary.
    pub fn form_body(&self) -> Result<(String, Payload), ModelError> {
        let fields = self.form_fields();
        let boundary = match &self.boundary {
            Some(b) => {
                check_boundary(b)?;
                if occurs(b.as_bytes(), &fields, &self.file) {
                    return Err(ModelError::InvalidParameter {
                        parameter: "boundary",
                        reason: "the boundary occurs in the form's content".to_owned(),
                    });
                }
                b.clone()
            }
            None => choose_boundary(&fields, &self.file),
        };
        let mut head = String::new();
        for (name, value) in &fields {
            let _ = write!(
                head,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{value}\r\n",
                escape_quoted(name)
            );
        }
        let file_name = self
            .file_name
            .clone()
            .unwrap_or_else(|| match self.key.file_name() {
                "" => "file".to_owned(),
                n => n.to_owned(),
            });
        let _ = write!(
            head,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            escape_quoted(&file_name)
        );
        let mut chunks = Vec::with_capacity(self.file.chunks().len() + 2);
        chunks.push(Bytes::from(head));
        chunks.extend(self.file.chunks().iter().cloned());
        chunks.push(Bytes::from(format!("\r\n--{boundary}--\r\n")));
        Ok((boundary, Payload::from_chunks(chunks)))
    }
}

/// RFC 7578 / HTML: `"` → `%22`, CR → `%0D`, LF → `%0A` inside a quoted parameter.
fn escape_quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn check_boundary(b: &str) -> Result<(), ModelError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=?".contains(c);
    if b.is_empty() || b.len() > 70 || !b.chars().all(ok_char) {
        return Err(ModelError::InvalidParameter {
            parameter: "boundary",
            reason: format!("{b:?} is not 1 to 70 characters of A-Za-z0-9'()+_,-./:=?"),
        });
    }
    Ok(())
}

/// Whether `needle` occurs in a field or in the file (also across chunk edges).
fn occurs(needle: &[u8], fields: &[(String, String)], file: &Payload) -> bool {
    let finder = memchr::memmem::Finder::new(needle);
    if fields
        .iter()
        .any(|(n, v)| finder.find(n.as_bytes()).is_some() || finder.find(v.as_bytes()).is_some())
    {
        return true;
    }
    let keep = needle.len().saturating_sub(1);
    let mut tail: Vec<u8> = Vec::new();
    for chunk in file.chunks() {
        if finder.find(chunk).is_some() {
            return true;
        }
        if !tail.is_empty() {
            let mut joint = tail.clone();
            joint.extend_from_slice(&chunk[..chunk.len().min(keep)]);
            if finder.find(&joint).is_some() {
                return true;
            }
        }
        // The last `keep` bytes seen so far (a chunk may be shorter than `keep`).
        tail.extend_from_slice(&chunk[chunk.len().saturating_sub(keep)..]);
        let excess = tail.len().saturating_sub(keep);
        tail.drain(..excess);
    }
    false
}

fn choose_boundary(fields: &[(String, String)], file: &Payload) -> String {
    let seed = crate::crc64::crc64(
        &fields
            .iter()
            .flat_map(|(n, v)| [n.as_bytes(), v.as_bytes()])
            .flatten()
            .copied()
            .collect::<Vec<u8>>(),
    ) ^ file.len();
    let mut n = seed;
    loop {
        let b = format!("----cos-rs-form-{n:016x}");
        if !occurs(b.as_bytes(), fields, file) {
            return b;
        }
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
}

/// What POST Object answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostObjectOutput {
    /// The status (200, 201, 204, or 303 for a redirect).
    pub status: StatusCode,
    /// `ETag`.
    pub etag: Option<ETag>,
    /// `Location`: the object's URL, or the redirect target.
    pub location: Option<String>,
    /// `x-cos-hash-crc64ecma`.
    pub crc64: Option<u64>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
    /// Request and trace id.
    pub meta: ResponseMeta,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PostResponse {
    #[serde(rename = "Location")]
    location: Option<String>,
    #[serde(rename = "ETag")]
    etag: Option<ETag>,
}

impl Operation for PostObject {
    type Output = PostObjectOutput;

    fn name(&self) -> &'static str {
        "PostObject"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn signed_by_header(&self) -> bool {
        false
    }

    fn build(
        &self,
        endpoint: &Endpoint,
        bucket: Option<&BucketName>,
    ) -> Result<http::Request<Payload>, ModelError> {
        let (boundary, body) = self.form_body()?;
        let mut spec = RequestSpec::bucket(self.name(), Method::POST);
        spec.header(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )?;
        spec.body(body);
        spec.build(endpoint, bucket)
    }

    fn parse(&self, head: &ResponseHead, body: Bytes) -> Result<Self::Output, ParseError> {
        expect_status(head, &body, |s| {
            s.is_success() || s == StatusCode::SEE_OTHER
        })?;
        let mut out = PostObjectOutput {
            status: head.status,
            etag: head.etag(),
            location: head.header("location").map(str::to_owned),
            crc64: head.crc64()?,
            version_id: head.version_id().map(str::to_owned),
            meta: head.meta(),
        };
        if let Some(text) = crate::xml::text(&body).filter(|t| !t.is_empty()) {
            match crate::xml::root_name(text).as_deref() {
                Some("Error") => {
                    return Err(ParseError::Cos(crate::CosError::from_response(
                        head.status,
                        &head.headers,
                        &body,
                    )));
                }
                Some("PostResponse") => {
                    let r: PostResponse = crate::xml::from_str(text)
                        .map_err(|e| ParseError::decode(head, format!("<PostResponse>: {e}")))?;
                    out.location = out.location.or(r.location);
                    out.etag = out.etag.or(r.etag);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{head, ok_head};
    use crate::{ErrorCode, Region};

    fn signed_fields() -> Vec<(String, String)> {
        // The shape of cos-sign's PostForm::fields() (vector P2 of shared/spec/cos-protocol.md,
        // "POST Object (browser form upload)", "Vectors").
        [
            (
                "policy",
                "eyJleHBpcmF0aW9uIjoiMjAyMy0xMS0xNFQyMzoxMzoyMC4wMDBaIn0=",
            ),
            ("q-sign-algorithm", "sha1"),
            ("q-ak", "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"),
            ("q-key-time", "1700000000;1700003600"),
            ("q-signature", "522e162adf433d009f8b08201f27375362bc6a82"),
            ("x-cos-security-token", "TOKEN_EXAMPLE"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
    }

    #[test]
    fn builds_a_form_with_the_file_last() {
        let ep = Endpoint::new(Region::new("ap-guangzhou").unwrap());
        let b = BucketName::new("examplebucket-1250000000").unwrap();
        let file = Bytes::from_static(b"hello \"world\"\r\n");
        let op = PostObject::new(ObjectKey::new("uploads/${filename}").unwrap(), file.clone())
            .fields(&signed_fields())
            .field("key", "ignored")
            .content_type("text/plain")
            .success_action_status(SuccessActionStatus::Ok200)
            .file_name("a \"b\".txt");
        let req = op.build(&ep, Some(&b)).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
        );
        assert!(req.headers().get("authorization").is_none());
        let ct = req.headers()["content-type"].to_str().unwrap().to_owned();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let body = req.body().to_bytes();
        assert_eq!(
            req.headers()["content-length"],
            body.len().to_string().as_str()
        );
        // The file's bytes are the caller's, not a copy.
        assert!(
            req.body()
                .chunks()
                .iter()
                .any(|c| c.as_ptr() == file.as_ptr())
        );
        let text = String::from_utf8(body.to_vec()).unwrap();
        let parts: Vec<&str> = text.split(&format!("--{boundary}")).collect();
        // "", 1 key + 6 signed + Content-Type + status, the file, "--\r\n".
        assert_eq!(parts.len(), 1 + 9 + 1 + 1);
        assert!(parts[1].contains("name=\"key\"\r\n\r\nuploads/${filename}\r\n"));
        assert!(parts[2].contains("name=\"policy\""));
        assert!(parts[7].contains("name=\"x-cos-security-token\"\r\n\r\nTOKEN_EXAMPLE\r\n"));
        assert!(parts[8].contains("name=\"Content-Type\"\r\n\r\ntext/plain\r\n"));
        assert!(parts[9].contains("name=\"success_action_status\"\r\n\r\n200\r\n"));
        assert!(parts[10].starts_with(
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.txt\"\r\n"
        ));
        assert!(parts[10].ends_with("\r\n\r\nhello \"world\"\r\n\r\n"));
        assert_eq!(parts[11], "--\r\n");
        assert_eq!(text.matches("ignored").count(), 0);
    }

    #[test]
    fn boundary_avoids_the_content() {
        let fields = signed_fields();
        let file = Payload::from(Bytes::from_static(b"abc"));
        let chosen = choose_boundary(&fields, &file);
        // A file containing the boundary that would be chosen, split across chunks.
        let (a, b) = chosen.split_at(10);
        let tricky = Payload::from_chunks(vec![
            Bytes::from(format!("xx{a}")),
            Bytes::from(b.to_owned()),
        ]);
        assert!(occurs(chosen.as_bytes(), &fields, &tricky));
        let op = PostObject::new(ObjectKey::new("k").unwrap(), tricky.clone())
            .fields(&fields)
            .boundary(chosen.clone());
        assert!(op.form_body().is_err());
        let (auto, body) = PostObject::new(ObjectKey::new("k").unwrap(), tricky)
            .fields(&fields)
            .form_body()
            .unwrap();
        assert!(!occurs(
            auto.as_bytes(),
            &fields,
            &Payload::from(Bytes::from(b"abc".to_vec()))
        ));
        let text = body.to_bytes();
        let finder = memchr::memmem::Finder::new(auto.as_bytes());
        // Exactly one delimiter per field (key + 6 signed), one for the file, one closing.
        assert_eq!(finder.find_iter(&text).count(), 1 + 6 + 1 + 1);
        assert!(
            PostObject::new(ObjectKey::new("k").unwrap(), Payload::empty())
                .boundary("bad boundary")
                .form_body()
                .is_err()
        );
    }

    #[test]
    fn parses_responses() {
        let op = PostObject::new(ObjectKey::new("k").unwrap(), Payload::empty());
        let out = op
            .parse(
                &head(
                    204,
                    &[
                        ("etag", "\"ee8de918d05640145b18f70f4c3aa602\""),
                        (
                            "location",
                            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k",
                        ),
                        ("x-cos-request-id", "NWU"),
                    ],
                ),
                Bytes::new(),
            )
            .unwrap();
        assert_eq!(out.status.as_u16(), 204);
        assert_eq!(
            out.etag.unwrap().as_unquoted(),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert!(out.location.unwrap().ends_with("/k"));
        let out = op
            .parse(
                &head(
                    303,
                    &[(
                        "location",
                        "https://my.website/done?bucket=b&key=k&etag=%22e%22",
                    )],
                ),
                Bytes::new(),
            )
            .unwrap();
        assert_eq!(out.status.as_u16(), 303);
        let out = op
            .parse(&head(201, &[]), Bytes::from("<PostResponse><Location>https://x/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;e&quot;</ETag></PostResponse>"))
            .unwrap();
        assert_eq!(out.etag.unwrap().as_unquoted(), "e");
        assert_eq!(out.location.as_deref(), Some("https://x/k"));
        let err = op
            .parse(
                &head(403, &[]),
                Bytes::from(
                    "<Error><Code>AccessDenied</Code><Message>Invalid Policy</Message></Error>",
                ),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::AccessDenied);
        let err = op
            .parse(
                &ok_head(&[]),
                Bytes::from(
                    "<Error><Code>InvalidPolicyDocument</Code><Message>m</Message></Error>",
                ),
            )
            .unwrap_err();
        assert_eq!(err.cos().unwrap().code, ErrorCode::InvalidPolicyDocument);
    }

    #[test]
    fn a_content_type_among_the_signed_fields_is_sent() {
        let key = ObjectKey::new("a.txt").unwrap();
        let signed = vec![
            ("policy".to_owned(), "cG9saWN5".to_owned()),
            ("Content-Type".to_owned(), "text/plain".to_owned()),
        ];
        let form = PostObject::new(key.clone(), Bytes::from_static(b"x")).fields(&signed);
        let fields = form.form_fields();
        assert_eq!(
            fields
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .collect::<Vec<_>>(),
            [&("Content-Type".to_owned(), "text/plain".to_owned())]
        );
        let explicit = PostObject::new(key, Bytes::from_static(b"x"))
            .content_type("image/png")
            .fields(&signed);
        assert!(
            explicit
                .form_fields()
                .contains(&("Content-Type".to_owned(), "image/png".to_owned()))
        );
    }
}
