//! Bucket operations: GetService, HeadBucket, PutBucket, and the bucket-level errors
//! (NoSuchBucket, BucketAlreadyOwnedByYou).

use cos_model::ErrorCode;
use cos_model::ops::{GetBucket, GetService, HeadBucket, PutBucket, PutObject};

use crate::checks::expect_cos_error;
use crate::error::Context as _;
use crate::{Context, Outcome, ensure};

/// GetService lists the suite's bucket, with a request id.
pub async fn service_lists_the_bucket(ctx: &Context) -> Outcome {
    let service = ctx
        .client()
        .execute(&GetService::new())
        .await
        .context("GetService")?;
    ensure!(
        service
            .buckets
            .iter()
            .any(|b| b.name == ctx.bucket().as_str()),
        "GetService does not list {}: {:?}",
        ctx.bucket(),
        service.buckets.iter().map(|b| &b.name).collect::<Vec<_>>()
    );
    ensure!(
        service.meta.request_id.is_some(),
        "GetService: no request id"
    );
    Ok(())
}

/// HeadBucket succeeds on the bucket and answers 404 for a missing one.
pub async fn head_bucket(ctx: &Context) -> Outcome {
    let head = ctx
        .client()
        .execute(&HeadBucket::new())
        .await
        .context("HeadBucket")?;
    ensure!(head.meta.request_id.is_some(), "HeadBucket: no request id");
    let missing = ctx.client().with_bucket(ctx.missing_bucket()?);
    let result = missing.execute(&HeadBucket::new()).await;
    let Err(error) = result else {
        return Err(crate::SuiteError::check(
            "HeadBucket on a missing bucket succeeded",
        ));
    };
    ensure!(
        error.status().map(|s| s.as_u16()) == Some(404),
        "HeadBucket on a missing bucket: {error}, want 404"
    );
    ensure!(
        error.request_id().is_some(),
        "HeadBucket 404 carries no request id"
    );
    Ok(())
}

/// PutBucket on the suite's own bucket: 409 BucketAlreadyOwnedByYou.
pub async fn put_bucket_already_owned(ctx: &Context) -> Outcome {
    expect_cos_error(
        ctx.client().execute(&PutBucket::new()).await,
        409,
        ErrorCode::BucketAlreadyOwnedByYou,
        "PutBucket on an existing bucket",
    )?;
    Ok(())
}

/// PutBucket creates a bucket that HeadBucket, GetService and GetBucket then see.
pub async fn put_bucket_creates(ctx: &Context) -> Outcome {
    ctx.emulator(
        "creating a bucket on real COS would leave it behind (cos-rs has no DeleteBucket)",
    )?;
    let bucket = ctx.missing_bucket()?;
    let client = ctx.client().with_bucket(bucket.clone());
    let created = client
        .execute(&PutBucket::new())
        .await
        .context("PutBucket")?;
    ensure!(
        created.meta.request_id.is_some(),
        "PutBucket: no request id"
    );
    client
        .execute(&HeadBucket::new())
        .await
        .context("HeadBucket on the new bucket")?;
    let listing = client
        .execute(&GetBucket::new())
        .await
        .context("GetBucket on the new bucket")?;
    ensure!(
        listing.contents.is_empty(),
        "a new bucket lists objects: {:?}",
        listing.contents
    );
    ensure!(
        listing.name == bucket.as_str(),
        "ListBucketResult Name {:?}",
        listing.name
    );
    let service = ctx
        .client()
        .execute(&GetService::new())
        .await
        .context("GetService")?;
    ensure!(
        service.buckets.iter().any(|b| b.name == bucket.as_str()),
        "GetService does not list the new bucket {bucket}"
    );
    expect_cos_error(
        client.execute(&PutBucket::new()).await,
        409,
        ErrorCode::BucketAlreadyOwnedByYou,
        "PutBucket again",
    )?;
    Ok(())
}

/// Object and listing requests to a bucket that does not exist: 404 NoSuchBucket.
pub async fn no_such_bucket(ctx: &Context) -> Outcome {
    let missing = ctx.client().with_bucket(ctx.missing_bucket()?);
    expect_cos_error(
        missing.execute(&GetBucket::new()).await,
        404,
        ErrorCode::NoSuchBucket,
        "GetBucket on a missing bucket",
    )?;
    expect_cos_error(
        missing.execute(&PutObject::new(ctx.key("x")?, "x")).await,
        404,
        ErrorCode::NoSuchBucket,
        "PutObject into a missing bucket",
    )?;
    Ok(())
}
