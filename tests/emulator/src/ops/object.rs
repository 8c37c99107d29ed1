//! PUT, GET, HEAD and DELETE Object, and Delete Multiple Objects.

use super::{Ctx, Outcome, content_length, content_md5, meta};
use crate::error::{CosError, ErrorCode};
use crate::hashing;
use crate::ingest::{BodyStream, IngestOptions, MAX_OBJECT_SIZE, ingest, read_small};
use crate::reply::{Reply, empty, set, streamed, xml};
use crate::timefmt::Millis;
use crate::world::StoredObject;
use crate::xml::write::XmlWriter;
use http::{HeaderName, HeaderValue, Method, StatusCode, header};

/// PUT Object: streams the body into storage; answers ETag and `x-cos-hash-crc64ecma`.
pub async fn put_object(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    let meta = meta::from_headers(ctx.headers)?;
    let md5 = content_md5(ctx.headers)?;
    if content_length(ctx.headers).is_some_and(|n| n > MAX_OBJECT_SIZE) {
        return Err(CosError::new(ErrorCode::EntityTooLarge).into());
    }
    let key = ctx.key()?.to_string();
    let forbid = meta::forbid_overwrite(ctx.headers);
    ctx.with_bucket(|b| meta::check_overwrite(forbid, b.objects.contains_key(&key)))?;
    let opts = IngestOptions {
        content_md5: md5,
        max_len: MAX_OBJECT_SIZE,
        cut_after: None,
    };
    let (blob, d) = ingest(ctx.sh.storage.as_ref(), body, opts).await?;
    let obj = StoredObject {
        blob,
        etag: d.etag(),
        crc64: d.crc64,
        last_modified: ctx.sh.now(),
        meta,
    };
    let reply = written(&obj);
    ctx.with_bucket(|b| {
        meta::check_overwrite(forbid, b.objects.contains_key(&key))?;
        b.objects.insert(key, obj);
        Ok(())
    })?;
    Ok(reply)
}

/// The answer to a write: 200 with ETag and CRC64.
pub fn written(obj: &StoredObject) -> Reply {
    let mut r = empty(StatusCode::OK);
    set(&mut r, header::ETAG, &obj.etag);
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &obj.crc64.to_string(),
    );
    if let Some(sse) = &obj.meta.sse {
        r.headers_mut().insert(
            HeaderName::from_static("x-cos-server-side-encryption"),
            sse.clone(),
        );
    }
    r
}

/// A byte range asked for with `Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAsk {
    /// No (usable) Range header: the whole object.
    Whole,
    /// `[start, end]` inclusive, within the object.
    Part(u64, u64),
    /// A range that cannot be served (416).
    Unsatisfiable,
}

/// Interprets a `Range` header for an object of `size` bytes. Malformed or multi-range
/// headers are ignored (the whole object is served), as HTTP allows.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeAsk {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return RangeAsk::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else {
            return RangeAsk::Whole;
        };
        if n == 0 || size == 0 {
            return RangeAsk::Unsatisfiable;
        }
        return RangeAsk::Part(size.saturating_sub(n), size - 1);
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeAsk::Whole;
    };
    let end = if b.is_empty() {
        u64::MAX
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => e,
            _ => return RangeAsk::Whole,
        }
    };
    if start >= size {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Part(start, end.min(size - 1))
}

fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// Evaluates If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304).
pub fn preconditions(
    headers: &http::HeaderMap,
    etag: &str,
    modified: Millis,
    prefix: &str,
) -> Result<Option<StatusCode>, CosError> {
    let get = |n: &str| {
        headers
            .get(format!("{prefix}{n}").as_str())
            .and_then(|v| v.to_str().ok())
    };
    let failed = || CosError::new(ErrorCode::PreconditionFailed);
    if let Some(m) = get("if-match") {
        if !etag_matches(m, etag) {
            return Err(failed());
        }
    } else if let Some(t) = get("if-unmodified-since").and_then(Millis::parse_http_date_secs)
        && modified.secs() > t
    {
        return Err(failed());
    }
    if let Some(m) = get("if-none-match") {
        if etag_matches(m, etag) {
            return Ok(Some(StatusCode::NOT_MODIFIED));
        }
    } else if let Some(t) = get("if-modified-since").and_then(Millis::parse_http_date_secs)
        && modified.secs() <= t
    {
        return Ok(Some(StatusCode::NOT_MODIFIED));
    }
    Ok(None)
}

const OVERRIDES: [(&str, header::HeaderName); 6] = [
    ("response-content-type", header::CONTENT_TYPE),
    ("response-content-language", header::CONTENT_LANGUAGE),
    ("response-expires", header::EXPIRES),
    ("response-cache-control", header::CACHE_CONTROL),
    ("response-content-disposition", header::CONTENT_DISPOSITION),
    ("response-content-encoding", header::CONTENT_ENCODING),
];

/// GET and HEAD Object (Range → 206, conditional requests, `response-*` overrides).
pub fn get_object(ctx: &Ctx<'_>) -> Outcome {
    let key = ctx.key()?;
    let obj = ctx.with_bucket(|b| {
        b.objects
            .get(key)
            .cloned()
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchKey))
    })?;
    if let Some(status) = preconditions(ctx.headers, &obj.etag, obj.last_modified, "")? {
        let mut r = empty(status);
        set(&mut r, header::ETAG, &obj.etag);
        set(
            &mut r,
            header::LAST_MODIFIED,
            &obj.last_modified.http_date(),
        );
        return Ok(r);
    }
    let size = obj.blob.len();
    let range = parse_range(
        ctx.headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let (status, start, len) = match range {
        RangeAsk::Whole => (StatusCode::OK, 0, size),
        RangeAsk::Part(s, e) => (StatusCode::PARTIAL_CONTENT, s, e - s + 1),
        RangeAsk::Unsatisfiable => {
            return Err(CosError::new(ErrorCode::InvalidRange)
                .extra("ActualObjectSize", size.to_string())
                .into());
        }
    };
    let head = ctx.method == Method::HEAD;
    let mut r = if head || len == 0 {
        empty(status)
    } else {
        empty(status).map(|_| streamed(obj.blob.slice(start, len).stream()))
    };
    *r.status_mut() = status;
    meta::apply(&mut r, &obj);
    set(&mut r, header::CONTENT_LENGTH, &len.to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        set(
            &mut r,
            header::CONTENT_RANGE,
            &format!("bytes {}-{}/{}", start, start + len - 1, size),
        );
    }
    for (param, name) in OVERRIDES {
        if let Some(v) = ctx.query.get(param)
            && let Ok(v) = HeaderValue::from_str(v)
        {
            r.headers_mut().insert(name, v);
        }
    }
    Ok(r)
}

/// DELETE Object: 204, also when the key does not exist.
pub fn delete_object(ctx: &Ctx<'_>) -> Outcome {
    let key = ctx.key()?;
    ctx.with_bucket(|b| {
        b.objects.remove(key);
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Delete Multiple Objects (`POST /?delete`): Content-MD5 is required and checked.
pub async fn delete_multiple(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    let md5 = content_md5(ctx.headers)?.ok_or_else(|| {
        CosError::with_message(
            ErrorCode::InvalidRequest,
            "Missing required header for this request: Content-MD5.",
        )
    })?;
    ctx.with_bucket(|_| Ok(()))?;
    let data = read_small(body, 2 * 1024 * 1024).await?;
    if hashing::md5(&data) != md5 {
        return Err(CosError::new(ErrorCode::BadDigest).into());
    }
    let req = crate::xml::read::delete_objects(&data)
        .map_err(|e| CosError::with_message(ErrorCode::MalformedXML, e.0))?;
    // A temporary key's policy is checked per key (DeleteObject on each): COS lists the
    // refused keys as errors in the answer and deletes the others.
    let allowed = |key: &String| {
        crate::policy::authorize(ctx, ctx.policy.as_ref(), None, std::slice::from_ref(key)).is_ok()
    };
    let (ok, refused): (Vec<_>, Vec<_>) = req.objects.iter().partition(|(k, _)| allowed(k));
    ctx.with_bucket(|b| {
        for (key, _) in &ok {
            b.objects.remove(key);
        }
        Ok(())
    })?;
    let mut w = XmlWriter::new();
    w.open("DeleteResult");
    if !req.quiet {
        for (key, version) in &ok {
            w.open("Deleted").elem("Key", key);
            if let Some(v) = version {
                w.elem("VersionId", v);
            }
            w.close("Deleted");
        }
    }
    for (key, _) in &refused {
        w.open("Error")
            .elem("Key", key)
            .elem("Code", "AccessDenied")
            .elem("Message", "Access Denied.");
        w.close("Error");
    }
    w.close("DeleteResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(Some("bytes=0-3"), 10), RangeAsk::Part(0, 3));
        assert_eq!(parse_range(Some("bytes=5-"), 10), RangeAsk::Part(5, 9));
        assert_eq!(parse_range(Some("bytes=-3"), 10), RangeAsk::Part(7, 9));
        assert_eq!(parse_range(Some("bytes=-30"), 10), RangeAsk::Part(0, 9));
        assert_eq!(parse_range(Some("bytes=8-100"), 10), RangeAsk::Part(8, 9));
        assert_eq!(parse_range(Some("bytes=10-"), 10), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=3-1"), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=0-1,3-4"), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 10), RangeAsk::Whole);
        assert_eq!(parse_range(None, 10), RangeAsk::Whole);
    }

    #[test]
    fn conditions() {
        let mut h = http::HeaderMap::new();
        let t = Millis(1_000_000_000_000);
        assert_eq!(preconditions(&h, "\"e\"", t, "").unwrap(), None);
        h.insert("if-none-match", HeaderValue::from_static("\"e\""));
        assert_eq!(
            preconditions(&h, "\"e\"", t, "").unwrap(),
            Some(StatusCode::NOT_MODIFIED)
        );
        h.clear();
        h.insert("if-match", HeaderValue::from_static("\"x\""));
        assert!(preconditions(&h, "\"e\"", t, "").is_err());
        h.clear();
        h.insert(
            "if-modified-since",
            HeaderValue::from_str(&Millis(t.0 + 5000).http_date()).unwrap(),
        );
        assert_eq!(
            preconditions(&h, "\"e\"", t, "").unwrap(),
            Some(StatusCode::NOT_MODIFIED)
        );
    }
}
