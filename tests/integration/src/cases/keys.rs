//! Keys that test encoding: spaces, `+`, `%`, unicode, `/` runs, reserved URL characters —
//! each written, read back, listed and deleted — and the key length limit (KeyTooLong).

use cos_model::ops::{DeleteObject, GetBucket, GetObject, HeadObject, PutObject};
use cos_model::{ErrorCode, ObjectKey};
use http::Method;

use crate::checks::expect_cos_error;
use crate::error::Context as _;
use crate::raw::RawRequest;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// Key suffixes (under the case's prefix) that exercise encoding.
pub const AWKWARD_KEYS: &[&str] = &[
    "with space/and more spaces .txt",
    "plus+sign+twice",
    "percent%20literal%2Fand%",
    "unicode/日本語/ünïcödé/😀.bin",
    "slashes//double///triple",
    "folder/",
    "reserved !$&'()*,;=:@[]~^`{}|.txt",
    "query?hash#amp&eq=semi;",
    "tilde~dash-under_dot.",
];

/// Every awkward key: PutObject, HeadObject, GetObject, listed exactly, DeleteObject.
pub async fn awkward_keys_round_trip(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let mut keys = Vec::new();
    for (i, suffix) in AWKWARD_KEYS.iter().enumerate() {
        let key = ctx.key(suffix)?;
        let body = format!("object {i}: {suffix}");
        client
            .execute(&PutObject::new(key.clone(), body.clone()))
            .await
            .context(format!("PutObject {key:?}"))?;
        let head = client
            .execute(&HeadObject::new(key.clone()))
            .await
            .context(format!("HeadObject {key:?}"))?;
        ensure_eq!(
            head.content_length,
            Some(body.len() as u64),
            "HeadObject {key:?} length"
        );
        let get = client
            .execute(&GetObject::new(key.clone()))
            .await
            .context(format!("GetObject {key:?}"))?;
        ensure!(
            get.body == body.as_bytes(),
            "GetObject {key:?}: content differs"
        );
        keys.push(key);
    }
    let listed = list_all(ctx, ctx.prefix()).await?;
    let mut want: Vec<String> = keys.iter().map(|k| k.as_str().to_owned()).collect();
    want.sort();
    ensure_eq!(
        listed,
        want,
        "GetBucket (encoding-type=url) keys under the prefix"
    );
    for key in keys {
        client
            .execute(&DeleteObject::new(key.clone()))
            .await
            .context(format!("DeleteObject {key:?}"))?;
    }
    let left = list_all(ctx, ctx.prefix()).await?;
    ensure!(
        left.is_empty(),
        "keys left after deleting them all: {left:?}"
    );
    Ok(())
}

/// The longest key COS accepts (850 bytes of UTF-8) works; one byte more is 400 KeyTooLong.
pub async fn key_too_long(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let room = ObjectKey::MAX_LEN - ctx.prefix().len();
    // Multi-byte characters up to the limit, then ASCII to land exactly on it.
    let mut longest = "é".repeat(room / 4);
    longest.push_str(&"k".repeat(room - longest.len()));
    let key = ctx.key(&longest)?;
    ensure_eq!(
        key.as_str().len(),
        ObjectKey::MAX_LEN,
        "the longest key's length"
    );
    client
        .execute(&PutObject::new(key.clone(), "longest"))
        .await
        .context("PutObject with an 850-byte key")?;
    let get = client
        .execute(&GetObject::new(key))
        .await
        .context("GetObject with an 850-byte key")?;
    ensure!(get.body == "longest", "the 850-byte key's content differs");

    let too_long = ctx.raw_key(&format!("{longest}x"));
    ensure!(
        ObjectKey::new(too_long.clone()).is_err(),
        "ObjectKey accepts an 851-byte key"
    );
    let put = RawRequest::new("PutObject", Method::PUT, Some(&too_long)).body("x");
    expect_cos_error(
        client.execute(&put).await,
        400,
        ErrorCode::KeyTooLong,
        "PutObject with an 851-byte key",
    )?;
    Ok(())
}

/// All keys under `prefix`, paging through GetBucket.
pub async fn list_all(ctx: &Context, prefix: &str) -> Result<Vec<String>, SuiteError> {
    let mut keys = Vec::new();
    let mut marker = None;
    loop {
        let mut list = GetBucket::new().prefix(prefix);
        if let Some(m) = marker.take() {
            list = list.marker(m);
        }
        let page = ctx.client().execute(&list).await.context("GetBucket")?;
        keys.extend(page.contents.iter().map(|c| c.key.clone()));
        match page.next_page() {
            Some(next) if page.is_truncated => marker = Some(next),
            _ => break,
        }
    }
    Ok(keys)
}
