//! cos-objects against the target: listings as streams page through objects, common prefixes,
//! uploads and parts; delete by prefix dry-runs, then deletes exactly the prefix; a copy
//! above the threshold goes in parts and keeps the bytes and the metadata.

use bytes::Bytes;
use cos_model::ops::{HeadObject, InitiateMultipartUpload, PutObject, UploadPart};
use cos_model::options::{ObjectOptions, StorageClass};
use cos_model::{ObjectKey, PartNumber};
use cos_objects::{
    CopyMetadata, CopyMethod, DeleteByPrefix, ObjectCopy, ObjectEntry, ObjectListing, PartListing,
    UploadListing,
};
use futures_util::TryStreamExt;

use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

const MIB: usize = 1024 * 1024;

/// A cos-objects error as the suite reports it: the Client's error with its COS details, or
/// a failed check.
fn objects<T>(result: Result<T, cos_objects::Error>, what: &str) -> Result<T, SuiteError> {
    match result {
        Ok(v) => Ok(v),
        Err(cos_objects::Error::Request(e)) => Err(e).context(what),
        Err(e) => Err(SuiteError::check(format!("{what}: {e}"))),
    }
}

async fn put_empty(ctx: &Context, names: &[&str]) -> Outcome {
    for name in names {
        ctx.client()
            .execute(&PutObject::new(ctx.key(name)?, Bytes::new()))
            .await
            .context(format!("PutObject {name}"))?;
    }
    Ok(())
}

/// Object, upload and part listings read through small pages equal what was written.
pub async fn listing_streams(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let names = [
        "ls/a/1", "ls/a/2", "ls/a/b/3", "ls/b 4", "ls/c+5", "ls/d/6", "ls/é/7", "ls/z",
    ];
    put_empty(ctx, &names).await?;
    let mut want: Vec<String> = names.iter().map(|n| ctx.raw_key(n)).collect();
    want.sort();
    let listing = ObjectListing::new().prefix(ctx.raw_key("ls/")).page_size(3);
    let keys: Vec<String> = objects(
        listing
            .objects(client)
            .map_ok(|o| o.key)
            .try_collect()
            .await,
        "ObjectListing",
    )?;
    ensure_eq!(keys, want, "keys listed in pages of 3");

    let level: Vec<String> = objects(
        ObjectListing::new()
            .prefix(ctx.raw_key("ls/"))
            .delimiter("/")
            .page_size(2)
            .entries(client)
            .map_ok(|e| match e {
                ObjectEntry::Object(o) => o.key,
                ObjectEntry::Prefix(p) => format!("{p}*"),
            })
            .try_collect()
            .await,
        "ObjectListing with a delimiter",
    )?;
    let want_level: Vec<String> = ["ls/a/*", "ls/b 4", "ls/c+5", "ls/d/*", "ls/z", "ls/é/*"]
        .iter()
        .map(|n| ctx.raw_key(n))
        .collect();
    ensure_eq!(level, want_level, "one level, in key order");

    // two uploads, one with three parts
    let key = ctx.key("ls-uploads/video.mp4")?;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let out = client
            .execute(&InitiateMultipartUpload::new(key.clone()))
            .await
            .context("InitiateMultipartUpload")?;
        ids.push(out.upload_id);
    }
    for n in 1..=3u32 {
        let number = PartNumber::new(n).map_err(|e| SuiteError::setup(e.to_string()))?;
        client
            .execute(&UploadPart::new(
                key.clone(),
                ids[0].clone(),
                number,
                data::body(n as usize, u64::from(n)),
            ))
            .await
            .context("UploadPart")?;
    }
    let mut listed: Vec<String> = objects(
        UploadListing::new()
            .prefix(ctx.raw_key("ls-uploads/"))
            .page_size(1)
            .uploads(client)
            .map_ok(|u| u.upload_id)
            .try_collect()
            .await,
        "UploadListing",
    )?;
    listed.sort();
    let mut want_ids: Vec<String> = ids.iter().map(|i| i.as_str().to_owned()).collect();
    want_ids.sort();
    ensure_eq!(listed, want_ids, "uploads listed one per page");
    let parts: Vec<(u32, u64)> = objects(
        PartListing::new(key, ids[0].clone())
            .page_size(2)
            .parts(client)
            .map_ok(|p| (p.part_number.get(), p.size))
            .try_collect()
            .await,
        "PartListing",
    )?;
    ensure_eq!(
        parts,
        vec![(1, 1), (2, 2), (3, 3)],
        "parts listed two per page"
    );
    Ok(())
}

/// A dry run deletes nothing; the run deletes exactly the prefix, in batches.
pub async fn delete_by_prefix(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let doomed: Vec<String> = (0..12).map(|i| format!("rm/{i} ü+")).collect();
    let doomed_refs: Vec<&str> = doomed.iter().map(String::as_str).collect();
    put_empty(ctx, &doomed_refs).await?;
    put_empty(ctx, &["rm", "rm-kept/x", "rmz"]).await?;
    let prefix = ctx.raw_key("rm/");

    let dry = objects(
        DeleteByPrefix::new(prefix.as_str())
            .dry_run(true)
            .batch_size(5)
            .run(client)
            .await,
        "DeleteByPrefix dry run",
    )?;
    ensure_eq!(
        (dry.deleted, dry.batches),
        (12, 3),
        "dry run: keys and batches"
    );
    let still: Vec<String> = objects(
        ObjectListing::new()
            .prefix(prefix.as_str())
            .objects(client)
            .map_ok(|o| o.key)
            .try_collect()
            .await,
        "listing after the dry run",
    )?;
    ensure_eq!(still.len(), 12, "objects left after the dry run");

    let done = objects(
        DeleteByPrefix::new(prefix.as_str())
            .batch_size(5)
            .run(client)
            .await,
        "DeleteByPrefix",
    )?;
    ensure!(done.is_complete(), "keys not deleted: {:?}", done.failed);
    ensure_eq!(done.deleted, 12, "keys deleted");
    let left: Vec<String> = objects(
        ObjectListing::new()
            .prefix(ctx.prefix())
            .objects(client)
            .map_ok(|o| o.key)
            .try_collect()
            .await,
        "listing after the delete",
    )?;
    let kept: Vec<String> = ["rm", "rm-kept/x", "rmz"]
        .iter()
        .map(|n| ctx.raw_key(n))
        .collect();
    ensure_eq!(left, kept, "what is left beside the prefix");
    Ok(())
}

/// A copy above the threshold goes in parts: same bytes (CRC64), same metadata; one below
/// it replaces the metadata when asked; neither copies the storage class.
pub async fn multipart_copy(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let body = data::body(3 * MIB + 5, 77);
    let source = ctx.key("cp/source.bin")?;
    client
        .execute(
            &PutObject::new(source.clone(), body.clone()).options(
                ObjectOptions::new()
                    .content_type("video/mp4")
                    .metadata("origin", "suite"),
            ),
        )
        .await
        .context("PutObject source")?;
    let copy = ctx.key("cp/copy é.bin")?;
    let out = objects(
        ObjectCopy::new(source.clone(), copy.clone())
            .threshold(MIB as u64)
            .part_size(MIB as u64)
            .concurrency(2)
            .run(client)
            .await,
        "ObjectCopy in parts",
    )?;
    ensure!(
        matches!(out.method, CopyMethod::Multipart { parts: 4, .. }),
        "copy method: {:?}",
        out.method
    );
    let head = client
        .execute(&HeadObject::new(copy))
        .await
        .context("HeadObject copy")?;
    ensure_eq!(head.content_length, Some(body.len() as u64), "copy size");
    ensure_eq!(head.crc64, Some(data::crc64(&body)), "copy CRC64");
    ensure_eq!(
        head.content_type.as_deref(),
        Some("video/mp4"),
        "copy Content-Type"
    );
    ensure!(
        head.user_metadata
            .contains(&("origin".to_owned(), "suite".to_owned())),
        "metadata not kept: {:?}",
        head.user_metadata
    );

    let replaced: ObjectKey = ctx.key("cp/replaced.bin")?;
    let out = objects(
        ObjectCopy::new(source, replaced.clone())
            .metadata(CopyMetadata::replace(
                ObjectOptions::new().content_type("application/octet-stream"),
            ))
            .run(client)
            .await,
        "ObjectCopy in one request",
    )?;
    ensure_eq!(out.method, CopyMethod::Single, "copy method");
    let head = client
        .execute(&HeadObject::new(replaced))
        .await
        .context("HeadObject replaced")?;
    ensure_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream"),
        "replaced Content-Type"
    );
    ensure!(
        !head.user_metadata.iter().any(|(n, _)| n == "origin"),
        "metadata not replaced: {:?}",
        head.user_metadata
    );

    // the storage class is not copied: STANDARD unless the copy names one
    let cold = ctx.key("cp/cold.bin")?;
    client
        .execute(
            &PutObject::new(cold.clone(), "cold")
                .options(ObjectOptions::new().storage_class(StorageClass::StandardIa)),
        )
        .await
        .context("PutObject STANDARD_IA source")?;
    let warm = ctx.key("cp/warm.bin")?;
    objects(
        ObjectCopy::new(cold, warm.clone()).run(client).await,
        "ObjectCopy of a STANDARD_IA object",
    )?;
    let head = client
        .execute(&HeadObject::new(warm))
        .await
        .context("HeadObject of the copy")?;
    ensure!(
        matches!(head.storage_class, None | Some(StorageClass::Standard)),
        "the copy's storage class: {:?}",
        head.storage_class
    );
    Ok(())
}
