//! Server-side copies: PUT Object - Copy (metadata copied or replaced, a missing source
//! refused with NoSuchKey) and Upload Part - Copy (ranges of a source assembled into a
//! multipart object).

use cos_model::ops::{
    CompleteMultipartUpload, CompletedParts, GetObject, HeadObject, InitiateMultipartUpload,
    PutObject, PutObjectCopy, UploadPartCopy,
};
use cos_model::options::{ByteRange, CopySource, ObjectOptions};
use cos_model::{ErrorCode, ObjectKey, PartNumber};

use crate::checks::expect_cos_error;
use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

fn source(ctx: &Context, key: &ObjectKey) -> CopySource {
    CopySource::new(ctx.bucket(), ctx.region(), key)
}

/// PutObjectCopy: the copy has the source's bytes and ETag; metadata is copied by default
/// and replaced on request; a missing source is 404 NoSuchKey.
pub async fn put_object_copy(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let src = ctx.key("copy/source file+1.bin")?;
    let body = data::body(200_000, 51);
    client
        .execute(
            &PutObject::new(src.clone(), body.clone()).options(
                ObjectOptions::new()
                    .content_type("image/png")
                    .metadata("colour", "blue"),
            ),
        )
        .await
        .context("PutObject source")?;

    let copied = ctx.key("copy/copied ü.bin")?;
    let result = client
        .execute(&PutObjectCopy::new(copied.clone(), source(ctx, &src)))
        .await
        .context("PutObjectCopy")?;
    ensure_eq!(result.etag, data::etag_of(&body), "CopyObjectResult ETag");
    let head = client
        .execute(&HeadObject::new(copied.clone()))
        .await
        .context("HeadObject copy")?;
    ensure_eq!(
        head.content_type.as_deref(),
        Some("image/png"),
        "copied Content-Type"
    );
    ensure!(
        head.user_metadata
            .contains(&("colour".to_owned(), "blue".to_owned())),
        "metadata not copied: {:?}",
        head.user_metadata
    );
    let get = client
        .execute(&GetObject::new(copied))
        .await
        .context("GetObject copy")?;
    ensure!(get.body == body, "the copy's content differs");

    let replaced = ctx.key("copy/replaced.bin")?;
    client
        .execute(
            &PutObjectCopy::new(replaced.clone(), source(ctx, &src)).replace_metadata(
                ObjectOptions::new()
                    .content_type("text/plain")
                    .metadata("colour", "red"),
            ),
        )
        .await
        .context("PutObjectCopy with replaced metadata")?;
    let head = client
        .execute(&HeadObject::new(replaced))
        .await
        .context("HeadObject replaced")?;
    ensure_eq!(
        head.content_type.as_deref(),
        Some("text/plain"),
        "replaced Content-Type"
    );
    ensure_eq!(
        head.user_metadata,
        vec![("colour".to_owned(), "red".to_owned())],
        "replaced metadata"
    );

    let missing = ctx.key("copy/never-written")?;
    expect_cos_error(
        client
            .execute(&PutObjectCopy::new(
                ctx.key("copy/from-missing")?,
                source(ctx, &missing),
            ))
            .await,
        404,
        ErrorCode::NoSuchKey,
        "PutObjectCopy from a missing source",
    )?;
    Ok(())
}

/// UploadPartCopy: two ranges of a source become the parts of a new object.
pub async fn upload_part_copy(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let src = ctx.key("copy/part-source.bin")?;
    let body = data::body(1024 * 1024 + 300_000, 52);
    client
        .execute(&PutObject::new(src.clone(), body.clone()))
        .await
        .context("PutObject source")?;
    let dest = ctx.key("copy/assembled.bin")?;
    let init = client
        .execute(&InitiateMultipartUpload::new(dest.clone()))
        .await
        .context("Initiate")?;
    let split = 1024 * 1024u64;
    let ranges = [
        ByteRange::Inclusive {
            first: 0,
            last: split - 1,
        },
        ByteRange::Inclusive {
            first: split,
            last: body.len() as u64 - 1,
        },
    ];
    let mut parts = CompletedParts::new();
    for (i, range) in ranges.into_iter().enumerate() {
        let number = PartNumber::new(i as u32 + 1).map_err(|e| SuiteError::setup(e.to_string()))?;
        let copied = client
            .execute(
                &UploadPartCopy::new(
                    dest.clone(),
                    init.upload_id.clone(),
                    number,
                    source(ctx, &src),
                )
                .source_range(range),
            )
            .await
            .context(format!("UploadPartCopy {range}"))?;
        let (start, end) = if i == 0 {
            (0, split as usize)
        } else {
            (split as usize, body.len())
        };
        ensure_eq!(
            copied.etag,
            data::etag_of(&body[start..end]),
            "CopyPartResult ETag of part {}",
            i + 1
        );
        parts.insert(number, copied.etag);
    }
    client
        .execute(&CompleteMultipartUpload::new(
            dest.clone(),
            init.upload_id,
            parts,
        ))
        .await
        .context("Complete")?;
    let get = client
        .execute(&GetObject::new(dest))
        .await
        .context("GetObject assembled")?;
    ensure!(
        get.body == body,
        "the object assembled from copied parts differs from the source"
    );
    Ok(())
}
