//! Simple object operations: PutObject, HeadObject, GetObject (whole, ranges, response
//! overrides), DeleteObject, Content-MD5 checking, and the object-level errors (NoSuchKey,
//! InvalidRange, BadDigest).

use cos_model::ErrorCode;
use cos_model::ops::{DeleteObject, GetObject, HeadObject, PutObject};
use cos_model::options::{ByteRange, ObjectOptions};

use crate::checks::expect_cos_error;
use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// Put, head, get and delete one object; check ETag, CRC64, metadata and content.
pub async fn put_head_get_delete(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("objects/hello.bin")?;
    let body = data::body(64 * 1024 + 7, 1);
    let options = ObjectOptions::new()
        .content_type("application/x-test")
        .cache_control("max-age=60")
        .content_disposition("attachment; filename=\"hello.bin\"")
        .metadata("purpose", "conformance")
        .metadata("run", ctx.case());
    let put = client
        .execute(&PutObject::new(key.clone(), body.clone()).options(options))
        .await
        .context("PutObject")?;
    ensure_eq!(put.etag, data::etag_of(&body), "PutObject ETag");
    ensure_eq!(
        put.crc64,
        Some(data::crc64(&body)),
        "PutObject x-cos-hash-crc64ecma"
    );
    ensure!(put.meta.request_id.is_some(), "PutObject: no request id");

    let head = client
        .execute(&HeadObject::new(key.clone()))
        .await
        .context("HeadObject")?;
    ensure_eq!(
        head.content_length,
        Some(body.len() as u64),
        "HeadObject Content-Length"
    );
    ensure_eq!(head.etag, Some(data::etag_of(&body)), "HeadObject ETag");
    ensure_eq!(
        head.content_type.as_deref(),
        Some("application/x-test"),
        "HeadObject Content-Type"
    );
    ensure_eq!(
        head.cache_control.as_deref(),
        Some("max-age=60"),
        "HeadObject Cache-Control"
    );
    ensure_eq!(
        head.crc64,
        Some(data::crc64(&body)),
        "HeadObject x-cos-hash-crc64ecma"
    );
    ensure!(head.last_modified.is_some(), "HeadObject: no Last-Modified");
    let mut meta = head.user_metadata.clone();
    meta.sort();
    ensure_eq!(
        meta,
        vec![
            ("purpose".to_owned(), "conformance".to_owned()),
            ("run".to_owned(), ctx.case().to_owned())
        ],
        "HeadObject x-cos-meta-*"
    );

    let get = client
        .execute(&GetObject::new(key.clone()))
        .await
        .context("GetObject")?;
    ensure!(
        get.body == body,
        "GetObject body differs ({} bytes, want {})",
        get.body.len(),
        body.len()
    );
    ensure!(!get.partial, "GetObject without Range answered 206");
    ensure_eq!(
        get.metadata.etag,
        Some(data::etag_of(&body)),
        "GetObject ETag"
    );

    let overridden = client
        .execute(&GetObject::new(key.clone()).response_content_type("text/plain"))
        .await
        .context("GetObject with response-content-type")?;
    ensure_eq!(
        overridden.metadata.content_type.as_deref(),
        Some("text/plain"),
        "GetObject response-content-type override"
    );

    let deleted = client
        .execute(&DeleteObject::new(key.clone()))
        .await
        .context("DeleteObject")?;
    ensure!(
        deleted.meta.request_id.is_some(),
        "DeleteObject: no request id"
    );
    expect_cos_error(
        client.execute(&GetObject::new(key)).await,
        404,
        ErrorCode::NoSuchKey,
        "GetObject after DeleteObject",
    )?;
    Ok(())
}

/// A second PutObject replaces the first; an empty object is an object.
pub async fn overwrite_and_empty(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("objects/overwritten")?;
    client
        .execute(&PutObject::new(key.clone(), "first version"))
        .await
        .context("PutObject 1")?;
    let second = data::body(1000, 2);
    client
        .execute(&PutObject::new(key.clone(), second.clone()))
        .await
        .context("PutObject 2")?;
    let get = client
        .execute(&GetObject::new(key))
        .await
        .context("GetObject")?;
    ensure!(
        get.body == second,
        "GetObject after overwrite returns the old content"
    );

    let empty = ctx.key("objects/empty")?;
    let put = client
        .execute(&PutObject::new(empty.clone(), ""))
        .await
        .context("PutObject empty")?;
    ensure_eq!(put.etag, data::etag_of(b""), "empty object ETag");
    ensure_eq!(put.crc64, Some(0), "empty object CRC64");
    let head = client
        .execute(&HeadObject::new(empty.clone()))
        .await
        .context("HeadObject empty")?;
    ensure_eq!(head.content_length, Some(0), "empty object Content-Length");
    let get = client
        .execute(&GetObject::new(empty))
        .await
        .context("GetObject empty")?;
    ensure!(
        get.body.is_empty(),
        "empty object has {} bytes",
        get.body.len()
    );
    Ok(())
}

/// Ranges: `first-last`, `first-`, `-suffix` give 206 with Content-Range; a range past the
/// end gives 416 InvalidRange.
pub async fn range_get(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("objects/ranged.bin")?;
    let body = data::body(10_000, 3);
    client
        .execute(&PutObject::new(key.clone(), body.clone()))
        .await
        .context("PutObject")?;
    let len = body.len() as u64;
    let cases = [
        (
            ByteRange::Inclusive {
                first: 100,
                last: 199,
            },
            100usize,
            200usize,
        ),
        (ByteRange::From(9_990), 9_990, 10_000),
        (ByteRange::Suffix(16), 9_984, 10_000),
        (
            ByteRange::Inclusive {
                first: 9_000,
                last: 20_000,
            },
            9_000,
            10_000,
        ),
    ];
    for (range, start, end) in cases {
        let get = client
            .execute(&GetObject::new(key.clone()).range(range))
            .await
            .context(format!("GetObject {range}"))?;
        ensure!(get.partial, "GetObject {range}: not a 206");
        ensure!(
            get.body[..] == body[start..end],
            "GetObject {range}: wrong bytes"
        );
        ensure_eq!(
            get.content_range.as_deref(),
            Some(format!("bytes {start}-{}/{len}", end - 1).as_str()),
            "GetObject {range} Content-Range"
        );
    }
    expect_cos_error(
        client
            .execute(&GetObject::new(key).range(ByteRange::From(len + 10)))
            .await,
        416,
        ErrorCode::InvalidRange,
        "GetObject with a range past the end",
    )?;
    Ok(())
}

/// Content-MD5: the right digest is accepted; a wrong one is 400 BadDigest and stores nothing.
pub async fn content_md5_checked(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let body = data::body(5000, 4);
    let good = ctx.key("objects/md5-good")?;
    client
        .execute(&PutObject::new(good.clone(), body.clone()).content_md5(data::content_md5(&body)))
        .await
        .context("PutObject with the right Content-MD5")?;
    let bad = ctx.key("objects/md5-bad")?;
    expect_cos_error(
        client
            .execute(
                &PutObject::new(bad.clone(), body.clone()).content_md5(data::content_md5(b"other")),
            )
            .await,
        400,
        ErrorCode::BadDigest,
        "PutObject with a wrong Content-MD5",
    )?;
    match client.execute(&HeadObject::new(bad)).await {
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(()),
        Err(e) => Err(SuiteError::check(format!(
            "HeadObject after BadDigest: {e}, want 404"
        ))),
        Ok(_) => Err(SuiteError::check(
            "an upload refused with BadDigest was stored",
        )),
    }
}

/// Missing keys: GetObject 404 NoSuchKey, HeadObject 404 (no body), DeleteObject 204.
pub async fn missing_keys(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("objects/never-written")?;
    let error = expect_cos_error(
        client.execute(&GetObject::new(key.clone())).await,
        404,
        ErrorCode::NoSuchKey,
        "GetObject of a missing key",
    )?;
    ensure!(error.trace_id.is_some(), "NoSuchKey carries no TraceId");
    match client.execute(&HeadObject::new(key.clone())).await {
        Err(e) => {
            ensure!(
                e.status().map(|s| s.as_u16()) == Some(404),
                "HeadObject of a missing key: {e}"
            );
            ensure!(
                e.request_id().is_some(),
                "HeadObject 404 carries no request id"
            );
        }
        Ok(head) => {
            return Err(SuiteError::check(format!(
                "HeadObject of a missing key: {head:?}"
            )));
        }
    }
    client
        .execute(&DeleteObject::new(key))
        .await
        .context("DeleteObject of a missing key")?;
    Ok(())
}
