//! Addressing: the suite runs with virtual-host addressing (`<bucket>.cos.<region>.myqcloud.com`,
//! signed as such); this case checks path-style addressing (`/<bucket>/<key>`, the signed path
//! starting with the bucket) against the same objects.

use cos_model::ops::{GetBucket, GetObject, PutObject};
use cos_model::{Endpoint, ErrorCode};
use cos_transport::{Client, StaticCredentials};

use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// Path style: written virtual-host, read path-style and the other way round. Against real
/// COS, buckets created after 2024-01-01 refuse path style (403 PathStyleDomainForbidden),
/// which counts as COS's documented answer.
pub async fn path_style(ctx: &Context) -> Outcome {
    let endpoint = match ctx.emulator("") {
        Ok(emulator) => Endpoint::path_style(&emulator.endpoint_url()),
        Err(_) => {
            Ok(Endpoint::path_style_region(ctx.region()).with_scheme(ctx.endpoint().scheme()))
        }
    }
    .map_err(|e| SuiteError::setup(format!("path-style endpoint: {e}")))?;
    let client = Client::builder(endpoint)
        .bucket(ctx.bucket().clone())
        .transport_arc(ctx.transport())
        .credentials(StaticCredentials::new(ctx.credentials().clone()))
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    let virtual_key = ctx.key("addressing/virtual host.txt")?;
    ctx.client()
        .execute(&PutObject::new(virtual_key.clone(), "virtual"))
        .await
        .context("PutObject virtual-host")?;
    let read = client.execute(&GetObject::new(virtual_key)).await;
    let read = match read {
        Err(e)
            if !ctx.is_emulator()
                && e.cos()
                    .is_some_and(|c| c.code == ErrorCode::PathStyleDomainForbidden) =>
        {
            tracing::info!("this bucket refuses path style (PathStyleDomainForbidden)");
            return Ok(());
        }
        other => other.context("GetObject path-style")?,
    };
    ensure!(
        read.body == "virtual",
        "path-style GetObject body {:?}",
        read.body
    );
    let path_key = ctx.key("addressing/path+style ü.txt")?;
    client
        .execute(&PutObject::new(path_key.clone(), "path"))
        .await
        .context("PutObject path-style")?;
    let back = ctx
        .client()
        .execute(&GetObject::new(path_key))
        .await
        .context("GetObject virtual-host")?;
    ensure!(
        back.body == "path",
        "virtual-host GetObject body {:?}",
        back.body
    );
    let listed = client
        .execute(&GetBucket::new().prefix(ctx.raw_key("addressing/")))
        .await
        .context("GetBucket path-style")?;
    let keys: Vec<String> = listed.contents.iter().map(|c| c.key.clone()).collect();
    ensure_eq!(
        keys,
        vec![
            ctx.raw_key("addressing/path+style ü.txt"),
            ctx.raw_key("addressing/virtual host.txt")
        ],
        "path-style listing"
    );
    Ok(())
}
