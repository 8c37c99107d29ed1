//! GET Service and the bucket operations: PUT, HEAD and DELETE Bucket.

use super::{Ctx, Outcome, meta};
use crate::error::{CosError, ErrorCode};
use crate::ingest::{BodyStream, read_small};
use crate::reply::{empty, set, xml};
use crate::shared::lock;
use crate::world::{Bucket, OWNER_ID, OWNER_NAME};
use crate::xml::write::XmlWriter;
use http::StatusCode;

/// GET Service: the buckets, filtered by the host's region or `region=` when given.
pub fn get_service(ctx: &Ctx<'_>) -> Outcome {
    let region = ctx
        .query
        .get("region")
        .map(str::to_string)
        .or_else(|| ctx.target.region.clone());
    let world = lock(&ctx.sh.world);
    let mut w = XmlWriter::new();
    w.open("ListAllMyBucketsResult");
    w.open("Owner")
        .elem("ID", OWNER_ID)
        .elem("DisplayName", OWNER_NAME)
        .close("Owner");
    w.open("Buckets");
    for (name, b) in &world.buckets {
        if region.as_deref().is_some_and(|r| r != b.region) {
            continue;
        }
        w.open("Bucket")
            .elem("Name", name)
            .elem("Location", &b.region)
            .elem("CreationDate", &b.created.iso8601())
            .elem("BucketType", "cos")
            .close("Bucket");
    }
    w.close("Buckets");
    w.elem("Marker", "").elem("IsTruncated", "false");
    w.close("ListAllMyBucketsResult");
    Ok(xml(StatusCode::OK, w.finish()))
}

/// PUT Bucket: creates the bucket in the host's region (409 BucketAlreadyOwnedByYou if it exists).
pub async fn put_bucket(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    meta::check_common(ctx.headers)?;
    // An optional CreateBucketConfiguration; the emulator keeps none of it.
    let config = read_small(body, 64 * 1024).await?;
    if !config.iter().all(u8::is_ascii_whitespace) {
        crate::xml::read::parse(&config)
            .map_err(|e| CosError::with_message(ErrorCode::MalformedXML, e.0))?;
    }
    let name = ctx.bucket_name()?.to_string();
    let region = ctx
        .target
        .region
        .clone()
        .unwrap_or_else(|| ctx.sh.default_region.clone());
    let mut world = lock(&ctx.sh.world);
    if world.buckets.contains_key(&name) {
        return Err(CosError::new(ErrorCode::BucketAlreadyOwnedByYou).into());
    }
    world.buckets.insert(name, Bucket::new(region, ctx.now));
    Ok(empty(StatusCode::OK))
}

/// HEAD Bucket: 200 with `x-cos-bucket-region`, or 404 without a body.
pub fn head_bucket(ctx: &Ctx<'_>) -> Outcome {
    let region = ctx.with_bucket(|b| Ok(b.region.clone()))?;
    let mut r = empty(StatusCode::OK);
    set(&mut r, "x-cos-bucket-region", &region);
    Ok(r)
}

/// DELETE Bucket: 204; 409 BucketNotEmpty while objects or uploads remain.
pub fn delete_bucket(ctx: &Ctx<'_>) -> Outcome {
    let name = ctx.bucket_name()?;
    let mut world = lock(&ctx.sh.world);
    let b = world
        .buckets
        .get(name)
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchBucket))?;
    if !b.objects.is_empty() || !b.uploads.is_empty() {
        return Err(CosError::new(ErrorCode::BucketNotEmpty).into());
    }
    world.buckets.remove(name);
    Ok(empty(StatusCode::NO_CONTENT))
}
