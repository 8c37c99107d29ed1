//! Where a file goes: the list's default target, and the rule that picks each file's
//! bucket, region, endpoint and key from what was given with the file, its grant and the
//! defaults.

use crate::auth::{UploadGrant, region_from_endpoint};
use crate::engine::UploadTarget;
use crate::failure::{FailureInfo, FailureKind};

/// Default bucket, region and endpoint for files whose credentials do not name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDefaults {
    /// The endpoint URL.
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: Option<String>,
    /// The region.
    pub region: Option<String>,
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
    let endpoint = grant
        .and_then(|g| g.endpoint.clone())
        .or_else(|| defaults.endpoint.clone());
    let bucket = grant
        .and_then(|g| g.bucket.clone())
        .or_else(|| defaults.bucket.clone())
        .ok_or_else(|| missing("Bucket"))?;
    let region = grant
        .and_then(|g| g.region.clone())
        .or_else(|| defaults.region.clone())
        .or_else(|| endpoint.as_deref().and_then(region_from_endpoint))
        .ok_or_else(|| missing("Region"))?;
    let key = key
        .map(str::to_owned)
        .or_else(|| grant.and_then(|g| g.key.clone()))
        .unwrap_or_else(|| format!("{}{}", defaults.key_prefix, name));
    Ok(UploadTarget {
        endpoint,
        bucket,
        region,
        key,
    })
}
