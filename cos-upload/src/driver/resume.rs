//! Setting up a multipart upload of a known length: resume from the checkpoint (reconciled with
//! List Parts), or find the upload by List Multipart Uploads and verify its parts by MD5, or
//! start afresh.

use std::sync::Arc;

use cos_model::{PartNumber, UploadId};

use crate::api::{ListedPart, list_all_parts, list_all_uploads};
use crate::call_error::CallErrorKind;
use crate::checkpoint::{Checkpoint, CheckpointPart, CheckpointStore, checkpoint_id};
use crate::plan::PartPlan;
use crate::reconcile::{candidates_for_key, etag_matches_md5, listing_fits_plan, reconcile};
use crate::state::{Layout, PartReceipt, UploadMachine};

use super::Ctx;
use super::hash::digest;

/// A machine ready to run and the checkpoint it continues, if any.
pub(crate) struct Prepared {
    pub(crate) machine: UploadMachine,
    pub(crate) checkpoint: Option<Checkpoint>,
}

/// The checkpoint id of this upload, when the source can have one.
pub(crate) fn id_for(ctx: &Ctx) -> Option<String> {
    let fp = ctx.source.fingerprint()?;
    Some(checkpoint_id(
        ctx.api.bucket()?.as_str(),
        ctx.key.as_str(),
        &fp.identity(),
    ))
}

/// The checkpoint document for a machine that has an upload id.
pub(crate) fn document(
    ctx: &Ctx,
    machine: &UploadMachine,
    created_unix: u64,
) -> Option<Checkpoint> {
    let Some(Layout::Fixed(plan)) = machine.layout() else {
        return None;
    };
    Some(Checkpoint {
        version: crate::checkpoint::CHECKPOINT_VERSION,
        bucket: ctx.api.bucket()?.as_str().to_owned(),
        key: ctx.key.as_str().to_owned(),
        upload_id: machine.upload_id()?.as_str().to_owned(),
        plan,
        source: ctx.source.fingerprint()?,
        parts: machine
            .done_parts()
            .map(|(number, r)| CheckpointPart::new(number, r))
            .collect(),
        created_unix,
    })
}

/// Reads a listed part locally and trusts it when its MD5 is the listed ETag.
async fn verify_by_md5(
    ctx: &Ctx,
    plan: &PartPlan,
    listed: &ListedPart,
) -> Option<(PartNumber, PartReceipt)> {
    let planned = plan.part(listed.number.get())?;
    if planned.len != listed.size {
        return None;
    }
    let _permit = ctx.limiter.acquire(planned.len).await;
    let data = ctx.source.read(planned, ctx.limiter.pool()).await.ok()?;
    let d = digest(data, true).await;
    etag_matches_md5(&listed.etag, d.md5?).then(|| {
        (
            listed.number,
            PartReceipt {
                size: listed.size,
                etag: listed.etag.clone(),
                crc64: d.crc64,
            },
        )
    })
}

async fn abort_quietly(ctx: &Ctx, upload_id: &UploadId) {
    if let Err(e) = ctx.api.abort(&ctx.key, upload_id).await {
        tracing::warn!(%upload_id, error = %e, "could not abort a stale multipart upload");
    }
}

/// Resume from the checkpoint when it still fits; `None` means start otherwise.
async fn from_checkpoint(
    ctx: &Ctx,
    store: &Arc<dyn CheckpointStore>,
    id: &str,
) -> Option<Prepared> {
    let fingerprint = ctx.source.fingerprint()?;
    let cp = match store.load(id).await {
        Ok(Some(cp)) => cp,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(checkpoint = id, error = %e, "ignoring an unreadable checkpoint");
            return None;
        }
    };
    let upload_id = match cp.upload_id() {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(checkpoint = id, error = %e, "ignoring a checkpoint with a bad upload id");
            let _ = store.remove(id).await;
            return None;
        }
    };
    let same_target =
        ctx.api.bucket().is_some_and(|b| cp.bucket == b.as_str()) && cp.key == ctx.key.as_str();
    if !same_target || cp.source != fingerprint || Some(cp.plan.total()) != ctx.source.len() {
        tracing::info!(
            upload_id = %cp.upload_id,
            "the source changed since the checkpoint: aborting the old upload, starting afresh"
        );
        abort_quietly(ctx, &upload_id).await;
        let _ = store.remove(id).await;
        return None;
    }
    let listed = match list_all_parts(ctx.api.as_ref(), &ctx.key, &upload_id).await {
        Ok(l) => l,
        Err(e) if e.kind() == CallErrorKind::NoSuchUpload => {
            tracing::info!(upload_id = %cp.upload_id, "the checkpointed upload no longer exists: starting afresh");
            let _ = store.remove(id).await;
            return None;
        }
        Err(e) => {
            tracing::warn!(upload_id = %cp.upload_id, error = %e, "List Parts failed: starting afresh");
            abort_quietly(ctx, &upload_id).await;
            let _ = store.remove(id).await;
            return None;
        }
    };
    let found = reconcile(&cp.plan, &cp.parts, &listed);
    let by_checkpoint = found.trusted.len();
    let mut trusted = found.trusted;
    if ctx.settings.verify_unrecorded_parts {
        for part in &found.unverified {
            match verify_by_md5(ctx, &cp.plan, part).await {
                Some(t) => trusted.push(t),
                None => tracing::debug!(
                    part = part.number.get(),
                    "a listed part does not match the source: it is sent again"
                ),
            }
        }
    }
    tracing::info!(
        upload_id = %cp.upload_id,
        recorded = cp.parts.len(),
        listed = listed.len(),
        trusted = trusted.len(),
        by_checkpoint,
        by_md5 = trusted.len() - by_checkpoint,
        to_send = (cp.plan.count() as usize).saturating_sub(trusted.len()),
        "resuming from the checkpoint"
    );
    let machine = UploadMachine::resume(
        Layout::Fixed(cp.plan),
        upload_id,
        trusted,
        ctx.settings.machine,
    );
    let checkpoint = document(ctx, &machine, cp.created_unix);
    Some(Prepared {
        machine,
        checkpoint,
    })
}

/// Find an upload of this key by listing and adopt it when every listed part's MD5 matches.
async fn from_listing(ctx: &Ctx, plan: &PartPlan) -> Option<Prepared> {
    let uploads = match list_all_uploads(ctx.api.as_ref(), ctx.key.as_str()).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "List Multipart Uploads failed: starting afresh");
            return None;
        }
    };
    for candidate in candidates_for_key(&uploads, ctx.key.as_str()) {
        let Ok(listed) = list_all_parts(ctx.api.as_ref(), &ctx.key, &candidate.upload_id).await
        else {
            continue;
        };
        if !listing_fits_plan(plan, &listed) {
            continue;
        }
        let mut trusted = Vec::with_capacity(listed.len());
        for part in &listed {
            match verify_by_md5(ctx, plan, part).await {
                Some(t) => trusted.push(t),
                None => break,
            }
        }
        if trusted.len() != listed.len() {
            continue;
        }
        tracing::info!(upload_id = %candidate.upload_id, parts = trusted.len(), "resuming an upload found by listing");
        let machine = UploadMachine::resume(
            Layout::Fixed(*plan),
            candidate.upload_id.clone(),
            trusted,
            ctx.settings.machine,
        );
        let checkpoint = document(ctx, &machine, super::unix_now());
        return Some(Prepared {
            machine,
            checkpoint,
        });
    }
    None
}

/// Prepares a multipart upload of `plan`.
pub(crate) async fn prepare(
    ctx: &Ctx,
    plan: PartPlan,
    store: Option<&Arc<dyn CheckpointStore>>,
) -> Prepared {
    if let (Some(store), Some(id)) = (store, id_for(ctx))
        && let Some(p) = from_checkpoint(ctx, store, &id).await
    {
        return p;
    }
    if ctx.settings.resume_by_listing
        && let Some(p) = from_listing(ctx, &plan).await
    {
        return p;
    }
    Prepared {
        machine: UploadMachine::multipart(Layout::Fixed(plan), ctx.settings.machine),
        checkpoint: None,
    }
}
