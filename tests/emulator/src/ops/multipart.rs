//! Multipart uploads: Initiate, Upload Part, Complete and Abort.
//!
//! Complete validates first (plain 4xx: MalformedXML, NoSuchUpload, InvalidPartOrder,
//! InvalidPart, EntityTooSmall) and then merges. When a `delay` fault applies, the merge is
//! slow: the 200 status and headers go out at once, whitespace keeps the connection busy, and
//! the final chunk carries the result — or an `<Error>` document if the merge then fails, as
//! COS does.

use super::{Ctx, Outcome, content_length, content_md5, meta};
use crate::error::{CosError, ErrorCode};
use crate::hashing::{crc64_combine, md5, multipart_etag};
use crate::ingest::{BodyStream, IngestOptions, MAX_OBJECT_SIZE, ingest, read_small};
use crate::reply::{ResBody, error_document, set, xml};
use crate::shared::{Shared, lock};
use crate::storage::Blob;
use crate::world::{Part, StoredObject, Upload};
use crate::xml::read::CompletePart;
use crate::xml::write::XmlWriter;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use http::{HeaderName, Response, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Smallest part other than the last (1 MiB).
pub const MIN_PART_SIZE: u64 = 1024 * 1024;
/// Highest part number.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// Initiate Multipart Upload.
pub fn initiate(ctx: &Ctx<'_>) -> Outcome {
    let meta = meta::from_headers(ctx.headers)?;
    let key = ctx.key()?.to_string();
    let id = ctx.sh.upload_id();
    ctx.with_bucket(|b| {
        b.uploads.insert(
            id.clone(),
            Upload {
                key: key.clone(),
                initiated: ctx.now,
                meta,
                parts: BTreeMap::new(),
                forbid_overwrite: meta::forbid_overwrite(ctx.headers),
            },
        );
        Ok(())
    })?;
    let mut w = XmlWriter::new();
    w.open("InitiateMultipartUploadResult")
        .elem("Bucket", ctx.bucket_name()?)
        .elem("Key", &key)
        .elem("UploadId", &id)
        .close("InitiateMultipartUploadResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

/// The `partNumber` of a request (InvalidArgument unless an integer in 1..=10000).
pub fn part_number(ctx: &Ctx<'_>) -> Result<u32, CosError> {
    ctx.query
        .get("partNumber")
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            CosError::with_message(
                ErrorCode::InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })
}

/// Checks that the request's upload exists for its key.
pub fn check_upload(ctx: &Ctx<'_>) -> Result<String, CosError> {
    let key = ctx.key()?;
    let id = ctx.query.get("uploadId").unwrap_or("").to_string();
    ctx.with_bucket(|b| match b.uploads.get(&id) {
        Some(u) if u.key == key => Ok(id.clone()),
        _ => Err(CosError::new(ErrorCode::NoSuchUpload)),
    })
}

/// Stores a part (overwriting one with the same number) if the upload still exists.
pub fn store_part(ctx: &Ctx<'_>, upload_id: &str, n: u32, part: Part) -> Result<(), CosError> {
    ctx.with_bucket(|b| {
        let u = b
            .uploads
            .get_mut(upload_id)
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchUpload))?;
        u.parts.insert(n, part);
        Ok(())
    })
}

/// Upload Part: Content-Length required (411), number 1..=10000, Content-MD5 checked.
pub async fn upload_part(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    let n = part_number(ctx)?;
    let len = content_length(ctx.headers)
        .ok_or_else(|| CosError::new(ErrorCode::MissingContentLength))?;
    if len > MAX_OBJECT_SIZE {
        return Err(CosError::new(ErrorCode::EntityTooLarge).into());
    }
    meta::check_common(ctx.headers)?;
    let md5 = content_md5(ctx.headers)?;
    let upload_id = check_upload(ctx)?;
    let opts = IngestOptions {
        content_md5: md5,
        max_len: MAX_OBJECT_SIZE,
        cut_after: None,
    };
    let (blob, d) = ingest(ctx.sh.storage.as_ref(), body, opts).await?;
    let part = Part {
        blob,
        md5: d.md5,
        etag: d.etag(),
        crc64: d.crc64,
        last_modified: ctx.sh.now(),
    };
    let mut r = crate::reply::empty(StatusCode::OK);
    set(&mut r, header::ETAG, &part.etag);
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &d.crc64.to_string(),
    );
    store_part(ctx, &upload_id, n, part)?;
    Ok(r)
}

/// Abort Multipart Upload: 204, or 404 NoSuchUpload.
pub fn abort(ctx: &Ctx<'_>) -> Outcome {
    let upload_id = check_upload(ctx)?;
    ctx.with_bucket(|b| {
        b.uploads.remove(&upload_id);
        Ok(())
    })?;
    Ok(crate::reply::empty(StatusCode::NO_CONTENT))
}

fn normalize_etag(e: &str) -> String {
    e.trim().trim_matches('"').to_ascii_lowercase()
}

/// The object a Complete would make, checked against the upload's parts.
#[derive(Debug, Clone)]
pub struct Merge {
    /// The parts chosen, in order.
    pub parts: Vec<Part>,
    /// The object's ETag.
    pub etag: String,
    /// The object's CRC64.
    pub crc64: u64,
}

/// Validates a Complete list against an upload (InvalidPartOrder, InvalidPart, EntityTooSmall).
pub fn plan_merge(upload: &Upload, list: &[CompletePart]) -> Result<Merge, CosError> {
    let mut prev: Option<u32> = None;
    for p in list {
        if prev.is_some_and(|q| p.part_number <= q) {
            return Err(CosError::new(ErrorCode::InvalidPartOrder));
        }
        prev = Some(p.part_number);
    }
    let mut parts = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        if i > 0 && p.part_number != list[i - 1].part_number + 1 {
            return Err(CosError::with_message(
                ErrorCode::InvalidPart,
                format!(
                    "Part numbers must be continuous: {} follows {}.",
                    p.part_number,
                    list[i - 1].part_number
                ),
            ));
        }
        let stored = upload.parts.get(&p.part_number).ok_or_else(|| {
            CosError::with_message(
                ErrorCode::InvalidPart,
                format!("Part {} has not been uploaded.", p.part_number),
            )
        })?;
        if normalize_etag(&p.etag) != normalize_etag(&stored.etag) {
            return Err(CosError::with_message(
                ErrorCode::InvalidPart,
                format!(
                    "The ETag of part {} does not match the uploaded part.",
                    p.part_number
                ),
            ));
        }
        parts.push(stored.clone());
    }
    for (i, p) in parts.iter().enumerate() {
        if i + 1 < parts.len() && p.blob.len() < MIN_PART_SIZE {
            return Err(CosError::with_message(
                ErrorCode::EntityTooSmall,
                format!(
                    "Part {} is smaller than 1 MB and is not the last part.",
                    list[i].part_number
                ),
            ));
        }
    }
    let md5s: Vec<[u8; 16]> = parts.iter().map(|p| p.md5).collect();
    let crc64 = parts
        .iter()
        .fold(0u64, |acc, p| crc64_combine(acc, p.crc64, p.blob.len()));
    Ok(Merge {
        etag: multipart_etag(&md5s),
        crc64,
        parts,
    })
}

/// Commits a Complete: validates again under the lock, makes the object, drops the upload.
fn commit(
    sh: &Shared,
    bucket: &str,
    key: &str,
    upload_id: &str,
    list: &[CompletePart],
    forbid: bool,
) -> Result<String, CosError> {
    let mut world = lock(&sh.world);
    let b = world
        .buckets
        .get_mut(bucket)
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchBucket))?;
    let upload = b
        .uploads
        .get(upload_id)
        .filter(|u| u.key == key)
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchUpload))?;
    let merge = plan_merge(upload, list)?;
    meta::check_overwrite(
        forbid || upload.forbid_overwrite,
        b.objects.contains_key(key),
    )?;
    let blob = Blob::concat(merge.parts.iter().map(|p| &p.blob));
    let obj = StoredObject {
        blob,
        etag: merge.etag.clone(),
        crc64: merge.crc64,
        last_modified: sh.now(),
        meta: upload.meta.clone(),
    };
    b.uploads.remove(upload_id);
    b.objects.insert(key.to_string(), obj);
    Ok(merge.etag)
}

fn result_document(location: &str, bucket: &str, key: &str, etag: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("CompleteMultipartUploadResult")
        .elem("Location", location)
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("ETag", etag)
        .close("CompleteMultipartUploadResult");
    w.finish()
}

/// Complete Multipart Upload.
pub async fn complete(ctx: &Ctx<'_>, body: &mut BodyStream, delay: Option<Duration>) -> Outcome {
    let md5_header = content_md5(ctx.headers)?;
    let data = read_small(body, 4 * 1024 * 1024).await?;
    if md5_header.is_some_and(|m| m != md5(&data)) {
        return Err(CosError::new(ErrorCode::BadDigest).into());
    }
    let list = crate::xml::read::complete_multipart(&data)
        .map_err(|e| CosError::with_message(ErrorCode::MalformedXML, e.0))?;
    let key = ctx.key()?.to_string();
    let bucket = ctx.bucket_name()?.to_string();
    let upload_id = check_upload(ctx)?;
    let forbid = meta::forbid_overwrite(ctx.headers);
    let merge = ctx.with_bucket(|b| {
        let u = b
            .uploads
            .get(&upload_id)
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchUpload))?;
        let merge = plan_merge(u, &list)?;
        meta::check_overwrite(forbid || u.forbid_overwrite, b.objects.contains_key(&key))?;
        Ok(merge)
    })?;
    let location = ctx.location(&key);
    let crc = merge.crc64.to_string();
    let Some(delay) = delay else {
        let etag = commit(ctx.sh, &bucket, &key, &upload_id, &list, forbid)?;
        let mut r = xml(
            StatusCode::OK,
            result_document(&location, &bucket, &key, &etag),
        );
        set(
            &mut r,
            HeaderName::from_static("x-cos-hash-crc64ecma"),
            &crc,
        );
        return Ok(r);
    };
    // A slow merge: answer 200 now, keep the connection alive with whitespace, then the result.
    let sh: Arc<Shared> = ctx.sh.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let resource = ctx.location(&key);
    let request_id = ctx.request_id.to_string();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let doc = match commit(&sh, &bucket, &key, &upload_id, &list, forbid) {
            Ok(etag) => result_document(&location, &bucket, &key, &etag),
            Err(e) => error_document(&e, &resource, &request_id, &sh.trace_id()),
        };
        let _ = tx.send(doc);
    });
    let body: ResBody = keepalive_body(rx);
    let mut r = Response::new(body);
    set(&mut r, header::CONTENT_TYPE, "application/xml");
    set(
        &mut r,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &crc,
    );
    Ok(r)
}

/// Whitespace every 200 ms until the document arrives, then the document.
fn keepalive_body(rx: tokio::sync::oneshot::Receiver<String>) -> ResBody {
    let state = (Some(rx), false);
    let s = stream::unfold(state, |(rx, done)| async move {
        if done {
            return None;
        }
        let mut rx = rx?;
        tokio::select! {
            doc = &mut rx => {
                let doc = doc.unwrap_or_else(|_| String::new());
                Some((Ok::<_, crate::reply::BodyError>(Frame::data(Bytes::from(doc))), (None, true)))
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                Some((Ok(Frame::data(Bytes::from_static(b" "))), (Some(rx), false)))
            }
        }
    });
    BodyExt::boxed_unsync(StreamBody::new(s.boxed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::BodyDigest;
    use crate::storage::{MemoryStorage, Storage};
    use crate::timefmt::Millis;

    async fn part(size: usize, byte: u8) -> Part {
        let data = vec![byte; size];
        let mut sink = MemoryStorage::new().create().await.unwrap();
        sink.write(Bytes::from(data.clone())).await.unwrap();
        let blob = sink.finish().await.unwrap();
        let mut d = BodyDigest::new();
        d.update(&data);
        let d = d.finish();
        Part {
            blob,
            md5: d.md5,
            etag: d.etag(),
            crc64: d.crc64,
            last_modified: Millis(0),
        }
    }

    fn cp(n: u32, p: &Part) -> CompletePart {
        CompletePart {
            part_number: n,
            etag: p.etag.clone(),
        }
    }

    #[tokio::test]
    async fn merge_rules() {
        let big = part(MIN_PART_SIZE as usize, 1).await;
        let small = part(10, 2).await;
        let mut u = Upload {
            key: "k".into(),
            initiated: Millis(0),
            meta: Default::default(),
            parts: BTreeMap::new(),
            forbid_overwrite: false,
        };
        u.parts.insert(1, big.clone());
        u.parts.insert(2, small.clone());
        u.parts.insert(3, small.clone());
        let m = plan_merge(&u, &[cp(1, &big), cp(2, &small)]).unwrap();
        assert!(m.etag.ends_with("-2\""));
        let code = |list: &[CompletePart]| plan_merge(&u, list).unwrap_err().code;
        assert_eq!(
            code(&[cp(2, &small), cp(1, &big)]),
            ErrorCode::InvalidPartOrder
        );
        assert_eq!(
            code(&[cp(1, &big), cp(1, &big)]),
            ErrorCode::InvalidPartOrder
        );
        assert_eq!(code(&[cp(1, &small)]), ErrorCode::InvalidPart);
        assert_eq!(code(&[cp(1, &big), cp(4, &small)]), ErrorCode::InvalidPart);
        assert_eq!(code(&[cp(1, &big), cp(3, &small)]), ErrorCode::InvalidPart);
        assert_eq!(
            code(&[cp(1, &big), cp(2, &small), cp(3, &small)]),
            ErrorCode::EntityTooSmall
        );
        // ETags match without quotes and in any case.
        let unquoted = CompletePart {
            part_number: 1,
            etag: big.etag.trim_matches('"').to_ascii_uppercase(),
        };
        assert!(plan_merge(&u, &[unquoted]).is_ok());
    }
}
