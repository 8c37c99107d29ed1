//! Delete Multiple Objects: several keys (awkward ones included) in one request; a missing
//! key is reported deleted, not as an error; quiet mode lists nothing on success.

use cos_model::ops::{DeleteMultipleObjects, PutObject};

use crate::cases::keys::list_all;
use crate::error::Context as _;
use crate::{Context, Outcome, ensure, ensure_eq};

/// Deletes a batch, then a quiet batch; the listing ends empty.
pub async fn delete_multiple_objects(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let names = [
        "batch/one",
        "batch/two words",
        "batch/ü+%",
        "batch/deep/er/three",
    ];
    let mut keys = Vec::new();
    for name in names {
        let key = ctx.key(name)?;
        client
            .execute(&PutObject::new(key.clone(), name))
            .await
            .context(format!("PutObject {name}"))?;
        keys.push(key);
    }
    let missing = ctx.key("batch/never-written")?;
    let first: Vec<_> = keys[..2].iter().cloned().chain([missing.clone()]).collect();
    let result = client
        .execute(&DeleteMultipleObjects::new(first.clone()))
        .await
        .context("DeleteMultipleObjects")?;
    ensure!(
        result.errors.is_empty(),
        "DeleteMultipleObjects errors: {:?}",
        result.errors
    );
    let mut deleted: Vec<String> = result.deleted.iter().map(|d| d.key.clone()).collect();
    deleted.sort();
    let mut want: Vec<String> = first.iter().map(|k| k.as_str().to_owned()).collect();
    want.sort();
    ensure_eq!(
        deleted,
        want,
        "keys reported deleted (the missing one included)"
    );
    ensure!(
        result.meta.request_id.is_some(),
        "DeleteMultipleObjects: no request id"
    );

    let quiet = client
        .execute(&DeleteMultipleObjects::new(keys[2..].to_vec()).quiet(true))
        .await
        .context("DeleteMultipleObjects quiet")?;
    ensure!(
        quiet.deleted.is_empty() && quiet.errors.is_empty(),
        "quiet mode listed {:?} / {:?}",
        quiet.deleted,
        quiet.errors
    );
    let left = list_all(ctx, ctx.prefix()).await?;
    ensure!(
        left.is_empty(),
        "keys left after the batch deletes: {left:?}"
    );
    Ok(())
}
