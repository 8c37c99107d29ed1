//! Where a file goes: the list's default target, and the rule that picks each file's
//! bucket, region, endpoint and key from what was given with the file, its grant and the
//! defaults.

use cos_model::{BucketName, Endpoint, ObjectKey, Region};

use crate::auth::UploadGrant;
use crate::engine::UploadTarget;
use crate::failure::{FailureInfo, FailureKind};
use crate::saved::SavedTarget;

/// Default bucket, region and endpoint for files whose credentials do not name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDefaults {
    /// Where requests go (default: the region's COS domain).
    pub endpoint: Option<Endpoint>,
    /// The bucket.
    pub bucket: Option<BucketName>,
    /// The region.
    pub region: Option<Region>,
    /// A prefix for keys derived from file names.
    pub key_prefix: String,
}

/// The failure of a file whose target lacks `what` (`Bucket`, `Region`, …).
pub(crate) fn missing(what: &str) -> FailureInfo {
    FailureInfo::new(
        FailureKind::Target,
        format!("Missing{what}"),
        format!(
            "no {} for this file: neither its credentials nor the list's defaults name one",
            what.to_lowercase()
        ),
    )
}

/// Where the file `name` goes: the key given with the file, else the grant's, else the file
/// name (after the default prefix); bucket, region and endpoint from the grant, else the
/// defaults.
pub(crate) fn resolve(
    name: &str,
    key: Option<&str>,
    grant: Option<&UploadGrant>,
    defaults: &TargetDefaults,
) -> Result<UploadTarget, FailureInfo> {
    let bucket = grant
        .and_then(|g| g.bucket.clone())
        .or_else(|| defaults.bucket.clone())
        .ok_or_else(|| missing("Bucket"))?;
    let region = grant
        .and_then(|g| g.region.clone())
        .or_else(|| defaults.region.clone());
    let endpoint = match grant
        .and_then(|g| g.endpoint.clone())
        .or_else(|| defaults.endpoint.clone())
    {
        Some(endpoint) => endpoint,
        None => Endpoint::new(region.clone().ok_or_else(|| missing("Region"))?),
    };
    let key = key
        .map(str::to_owned)
        .or_else(|| grant.and_then(|g| g.key.clone()))
        .unwrap_or_else(|| format!("{}{}", defaults.key_prefix, name));
    let key = ObjectKey::new(&key).map_err(|e| {
        FailureInfo::new(
            FailureKind::Target,
            "InvalidObjectName",
            format!("the object key {key:?} cannot be used: {e}"),
        )
    })?;
    Ok(UploadTarget {
        endpoint,
        bucket,
        region,
        key,
    })
}

/// Where a file restored after a restart went before it (bucket, region and key as saved),
/// with the endpoint from its grant or the defaults (or the saved region's COS domain).
pub(crate) fn from_saved(
    saved: &SavedTarget,
    grant: Option<&UploadGrant>,
    defaults: &TargetDefaults,
) -> Result<UploadTarget, FailureInfo> {
    let invalid = |what: &str, e: &dyn std::fmt::Display| {
        FailureInfo::new(
            FailureKind::Target,
            "InvalidSavedTarget",
            format!("the saved {what} cannot be used: {e}"),
        )
    };
    let bucket = BucketName::new(&saved.bucket).map_err(|e| invalid("bucket", &e))?;
    let region = saved
        .region
        .as_deref()
        .map(Region::new)
        .transpose()
        .map_err(|e| invalid("region", &e))?;
    let key = ObjectKey::new(&saved.key).map_err(|e| invalid("key", &e))?;
    let endpoint = match grant
        .and_then(|g| g.endpoint.clone())
        .or_else(|| defaults.endpoint.clone())
    {
        Some(endpoint) => endpoint,
        None => Endpoint::new(region.clone().ok_or_else(|| missing("Region"))?),
    };
    Ok(UploadTarget {
        endpoint,
        bucket,
        region,
        key,
    })
}
