//! PUT Object - Copy and Upload Part - Copy: the source named by `x-cos-copy-source`
//! (`<bucket>-<appid>.cos.<region>.myqcloud.com/<key>`, or a path-style `host/<bucket>/<key>`).
//! Copies share the source's bytes; Upload Part - Copy reads the range once for its MD5/CRC.

use super::multipart::{check_upload, part_number, store_part};
use super::object::preconditions;
use super::{Ctx, Outcome, meta};
use crate::error::{CosError, ErrorCode};
use crate::hashing::BodyDigest;
use crate::ingest::MAX_OBJECT_SIZE;
use crate::names::{is_bucket_name, percent_decode};
use crate::reply::{set, xml};
use crate::shared::lock;
use crate::world::{Part, StoredObject};
use crate::xml::write::XmlWriter;
use futures_util::StreamExt;
use http::{HeaderName, HeaderValue, StatusCode};

/// A parsed `x-cos-copy-source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    /// Source bucket.
    pub bucket: String,
    /// Source key (decoded).
    pub key: String,
}

/// Parses `x-cos-copy-source`.
pub fn parse_copy_source(value: &str) -> Option<CopySource> {
    let v = value.trim();
    let v = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .unwrap_or(v);
    let v = v.split_once('?').map_or(v, |(p, _)| p);
    let (host, rest) = v.split_once('/')?;
    let first = host.split('.').next().unwrap_or("");
    let (bucket, raw_key) = if !host.is_empty() && is_bucket_name(first) && host.contains('.') {
        (first.to_string(), rest)
    } else {
        let (b, k) = rest.split_once('/')?;
        (b.to_string(), k)
    };
    if !is_bucket_name(&bucket) || raw_key.is_empty() {
        return None;
    }
    let key = percent_decode(raw_key, true)?;
    Some(CopySource { bucket, key })
}

fn source(ctx: &Ctx<'_>) -> Result<(CopySource, StoredObject), CosError> {
    let raw = ctx
        .headers
        .get("x-cos-copy-source")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let src = parse_copy_source(raw).ok_or_else(|| CosError::new(ErrorCode::InvalidCopySource))?;
    let world = lock(&ctx.sh.world);
    let b = world
        .buckets
        .get(&src.bucket)
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchBucket))?;
    let obj = b
        .objects
        .get(&src.key)
        .cloned()
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchKey))?;
    drop(world);
    if preconditions(
        ctx.headers,
        &obj.etag,
        obj.last_modified,
        "x-cos-copy-source-",
    )?
    .is_some()
    {
        return Err(CosError::new(ErrorCode::PreconditionFailed));
    }
    Ok((src, obj))
}

/// PUT Object - Copy.
pub async fn put_object_copy(ctx: &Ctx<'_>) -> Outcome {
    let replace = match ctx
        .headers
        .get("x-cos-metadata-directive")
        .map(HeaderValue::to_str)
    {
        None => false,
        Some(Ok(v)) if v.eq_ignore_ascii_case("copy") => false,
        Some(Ok(v)) if v.eq_ignore_ascii_case("replaced") => true,
        Some(_) => {
            return Err(CosError::with_message(
                ErrorCode::InvalidArgument,
                "x-cos-metadata-directive must be Copy or Replaced.",
            )
            .into());
        }
    };
    let new_meta = meta::from_headers(ctx.headers)?;
    let (src, obj) = source(ctx)?;
    let key = ctx.key()?.to_string();
    if !replace
        && src.bucket == ctx.bucket_name()?
        && src.key == key
        && !ctx.headers.contains_key("x-cos-storage-class")
    {
        return Err(CosError::with_message(
            ErrorCode::InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.",
        )
        .into());
    }
    if obj.blob.len() > MAX_OBJECT_SIZE {
        return Err(CosError::with_message(
            ErrorCode::InvalidRequest,
            "The copy source is larger than 5 GB; use Upload Part - Copy.",
        )
        .into());
    }
    let mut meta = if replace {
        new_meta.clone()
    } else {
        obj.meta.clone()
    };
    // COS (doc 436/10881): whatever the directive, the copy's storage class and encryption
    // are the request's — STANDARD and none unless it names them — never the source's.
    meta.storage_class = new_meta.storage_class.clone();
    meta.sse = new_meta.sse.clone();
    let copy = StoredObject {
        blob: obj.blob.clone(),
        etag: obj.etag.clone(),
        crc64: obj.crc64,
        last_modified: ctx.sh.now(),
        meta,
    };
    let mut w = XmlWriter::new();
    w.open("CopyObjectResult")
        .elem("ETag", &copy.etag)
        .elem("LastModified", &copy.last_modified.iso8601())
        .elem("CRC64", &copy.crc64.to_string())
        .close("CopyObjectResult");
    let crc = copy.crc64.to_string();
    let forbid = meta::forbid_overwrite(ctx.headers);
    ctx.with_bucket(|b| {
        meta::check_overwrite(forbid, b.objects.contains_key(&key))?;
        b.objects.insert(key, copy);
        Ok(())
    })?;
    let mut r = xml(StatusCode::OK, w.finish());
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &crc,
    );
    Ok(r)
}

fn copy_range(value: &str, size: u64) -> Option<(u64, u64)> {
    let (a, b) = value.trim().strip_prefix("bytes=")?.split_once('-')?;
    let (a, b) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
    (a <= b && b < size).then_some((a, b - a + 1))
}

/// Upload Part - Copy.
pub async fn upload_part_copy(ctx: &Ctx<'_>) -> Outcome {
    let n = part_number(ctx)?;
    let upload_id = check_upload(ctx)?;
    let (_, obj) = source(ctx)?;
    let (start, len) = match ctx.headers.get("x-cos-copy-source-range") {
        None => (0, obj.blob.len()),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| copy_range(v, obj.blob.len()))
            .ok_or_else(|| {
                CosError::with_message(
                    ErrorCode::InvalidArgument,
                    "Invalid x-cos-copy-source-range.",
                )
            })?,
    };
    if len > MAX_OBJECT_SIZE {
        return Err(CosError::new(ErrorCode::EntityTooLarge).into());
    }
    let blob = obj.blob.slice(start, len);
    let mut digest = BodyDigest::new();
    let mut s = blob.stream();
    while let Some(chunk) = s.next().await {
        digest.update(&chunk.map_err(CosError::from)?);
    }
    let d = digest.finish();
    let part = Part {
        blob,
        md5: d.md5,
        etag: d.etag(),
        crc64: d.crc64,
        last_modified: ctx.sh.now(),
    };
    let mut w = XmlWriter::new();
    w.open("CopyPartResult")
        .elem("ETag", &part.etag)
        .elem("LastModified", &part.last_modified.iso8601())
        .elem("CRC64", &d.crc64.to_string())
        .close("CopyPartResult");
    store_part(ctx, &upload_id, n, part)?;
    let mut r = xml(StatusCode::OK, w.finish());
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &d.crc64.to_string(),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources() {
        let s = parse_copy_source(
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b.txt",
        )
        .unwrap();
        assert_eq!(
            s,
            CopySource {
                bucket: "examplebucket-1250000000".into(),
                key: "dir/a b.txt".into()
            }
        );
        let s = parse_copy_source("http://127.0.0.1:9000/b-1/k?versionId=x").unwrap();
        assert_eq!(
            s,
            CopySource {
                bucket: "b-1".into(),
                key: "k".into()
            }
        );
        assert!(parse_copy_source("nonsense").is_none());
        assert!(parse_copy_source("b-1.cos.x.myqcloud.com/").is_none());
    }

    #[test]
    fn copy_ranges() {
        assert_eq!(copy_range("bytes=0-9", 10), Some((0, 10)));
        assert_eq!(copy_range("bytes=0-10", 10), None);
        assert_eq!(copy_range("bytes=5-", 10), None);
    }
}
