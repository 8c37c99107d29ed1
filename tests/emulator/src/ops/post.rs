//! POST Object: a `multipart/form-data` upload authenticated by a policy (or the wx SDK's
//! `Signature` field). Text fields are read up to the `file` field, the form is authenticated,
//! and the file streams into storage; its length is then checked against the policy's
//! `content-length-range`. Fields after `file` are not applied; a second file is refused.

use super::{Ctx, Outcome, meta};
use crate::auth;
use crate::error::{CosError, ErrorCode};
use crate::ingest::{BodyReadError, BodyStream, IngestOptions, MAX_OBJECT_SIZE, ingest};
use crate::names::{KeyProblem, check_key, url_encode_key};
use crate::reply::{empty, set, xml};
use crate::world::StoredObject;
use crate::xml::write::XmlWriter;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

/// Largest text field.
pub const MAX_TEXT_FIELD: usize = 64 * 1024;

fn malformed(msg: impl std::fmt::Display) -> CosError {
    CosError::with_message(
        ErrorCode::MalformedPOSTRequest,
        format!("The body of your POST request is not well-formed multipart/form-data: {msg}"),
    )
}

/// Headers the form fields stand for (names lowercased).
fn headers_from_fields(fields: &[(String, String)]) -> Result<HeaderMap, CosError> {
    let mut h = HeaderMap::new();
    for (name, value) in fields {
        let lower = name.to_ascii_lowercase();
        let mapped = match lower.as_str() {
            "content-type"
            | "cache-control"
            | "content-disposition"
            | "content-encoding"
            | "expires"
            | "content-md5" => lower.clone(),
            "acl" => "x-cos-acl".to_string(),
            n if n.starts_with("x-cos-") && n != "x-cos-security-token" => lower.clone(),
            _ => continue,
        };
        let n = HeaderName::from_bytes(mapped.as_bytes())
            .map_err(|_| malformed(format!("bad field name `{name}`")))?;
        let v = HeaderValue::from_str(value)
            .map_err(|_| malformed(format!("bad value of field `{name}`")))?;
        h.insert(n, v);
    }
    Ok(h)
}

async fn read_text(field: &mut multer::Field<'static>) -> Result<String, CosError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if out.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(malformed("a form field is larger than 64 KB"));
        }
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out).map_err(|_| malformed("a form field is not UTF-8"))
}

/// POST Object.
pub async fn post_object(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    let content_type = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(malformed("Content-Type must be multipart/form-data").into());
    }
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    ctx.with_bucket(|_| Ok(()))?;
    let owned = std::mem::replace(body, futures_util::stream::empty().boxed());
    let mut form = multer::Multipart::new(owned, boundary);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut stored: Option<(String, StoredObject)> = None;
    loop {
        let next = match form.next_field().await {
            Ok(f) => f,
            Err(multer::Error::StreamReadFailed(_)) => return Err(super::Failure::Drop),
            Err(e) => return Err(malformed(e).into()),
        };
        let Some(mut field) = next else { break };
        let name = field.name().unwrap_or("").to_string();
        if !name.eq_ignore_ascii_case("file") {
            let value = read_text(&mut field).await?;
            if stored.is_none() {
                fields.push((name, value));
            }
            continue;
        }
        if stored.is_some() {
            return Err(CosError::new(ErrorCode::IncorrectNumberOfFilesInPostRequest).into());
        }
        let filename = field.file_name().unwrap_or("").to_string();
        let verified = auth::authenticate_post(ctx, &fields)?;
        let key_field = fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("key"))
            .map(|(_, v)| v.as_str());
        let key = key_field
            .ok_or_else(|| {
                CosError::with_message(
                    ErrorCode::InvalidArgument,
                    "Bucket POST must contain a field named 'key'.",
                )
            })?
            .replace("${filename}", &filename);
        if key.is_empty() {
            return Err(CosError::with_message(
                ErrorCode::InvalidArgument,
                "The key field is empty.",
            )
            .into());
        }
        match check_key(&key) {
            Ok(()) => {}
            Err(KeyProblem::TooLong) => return Err(CosError::new(ErrorCode::KeyTooLong).into()),
            Err(KeyProblem::Invalid) => {
                return Err(CosError::new(ErrorCode::InvalidObjectName).into());
            }
        }
        crate::policy::authorize(
            ctx,
            verified.key_policy().as_ref(),
            Some((&key, &fields)),
            &[],
        )?;
        let headers = headers_from_fields(&fields)?;
        let mut object_meta = meta::from_headers(&headers)?;
        if object_meta.content_type.is_none() {
            object_meta.content_type = Some(HeaderValue::from_static("application/octet-stream"));
        }
        let md5 = super::content_md5(&headers)?;
        let mut file: BodyStream = field
            .map_err(|e| BodyReadError(e.to_string()))
            .map_ok(Bytes::from)
            .boxed();
        let opts = IngestOptions {
            content_md5: md5,
            max_len: MAX_OBJECT_SIZE,
            cut_after: None,
        };
        let (blob, d) = ingest(ctx.sh.storage.as_ref(), &mut file, opts).await?;
        verified.check_length(d.len)?;
        let obj = StoredObject {
            blob,
            etag: d.etag(),
            crc64: d.crc64,
            last_modified: ctx.sh.now(),
            meta: object_meta,
        };
        stored = Some((key, obj));
    }
    let Some((key, obj)) = stored else {
        return Err(CosError::new(ErrorCode::IncorrectNumberOfFilesInPostRequest).into());
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let bucket = ctx.bucket_name()?.to_string();
    let location = format!("http://{}", ctx.location(&key));
    let etag = obj.etag.clone();
    let crc = obj.crc64.to_string();
    let forbid = field("x-cos-forbid-overwrite").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    ctx.with_bucket(|b| {
        meta::check_overwrite(forbid, b.objects.contains_key(&key))?;
        b.objects.insert(key.clone(), obj);
        Ok(())
    })?;
    let mut r = if let Some(redirect) = field("success_action_redirect").filter(|r| !r.is_empty()) {
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let target = format!(
            "{redirect}{sep}bucket={}&key={}&etag={}",
            url_encode_key(&bucket),
            cos_sign::encode::uri_encode(&key),
            cos_sign::encode::uri_encode(&etag)
        );
        let mut r = empty(StatusCode::SEE_OTHER);
        set(&mut r, header::LOCATION, &target);
        r
    } else {
        match field("success_action_status").as_deref() {
            Some("200") => empty(StatusCode::OK),
            Some("201") => {
                let mut w = XmlWriter::new();
                w.open("PostResponse")
                    .elem("Location", &location)
                    .elem("Bucket", &bucket)
                    .elem("Key", &key)
                    .elem("ETag", &etag)
                    .close("PostResponse");
                xml(StatusCode::CREATED, w.finish())
            }
            _ => empty(StatusCode::NO_CONTENT),
        }
    };
    set(&mut r, header::ETAG, &etag);
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &crc,
    );
    if !r.headers().contains_key(header::LOCATION) {
        set(&mut r, header::LOCATION, &location);
    }
    Ok(r)
}
