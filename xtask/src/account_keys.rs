//! The account's keys for the real-COS modes (`demo --real`, `integration` against real COS):
//! `COS_SECRET_ID`/`COS_SECRET_KEY` (with `COS_SECURITY_TOKEN`) when both are set, as before;
//! otherwise whatever cos-transport's default credential chain finds (`TENCENTCLOUD_*`
//! variables, `~/.tencentcloud/credentials`, TKE web identity, the CVM instance role).

use std::time::SystemTime;

use cos_transport::DefaultCredentials;

/// Whether `COS_SECRET_ID` and `COS_SECRET_KEY` are both set (the explicit keys, which win).
pub fn explicit() -> bool {
    ["COS_SECRET_ID", "COS_SECRET_KEY"]
        .iter()
        .all(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()))
}

/// The explicit keys, else the chain's current ones; the error names what was tried.
pub async fn account_keys() -> Result<cos_sign::Credentials, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(id), Some(key)) = (var("COS_SECRET_ID"), var("COS_SECRET_KEY")) {
        let mut credentials = cos_sign::Credentials::new(id, key);
        if let Some(token) = var("COS_SECURITY_TOKEN") {
            credentials = credentials.with_security_token(token);
        }
        return Ok(credentials);
    }
    let chain = DefaultCredentials::new();
    let keys = chain
        .keys(SystemTime::now())
        .await
        .map_err(|e| format!("no COS_SECRET_ID/COS_SECRET_KEY, and the default chain: {e}"))?;
    if let Some(source) = chain.source() {
        println!("credentials: from the default chain ({})", source.name());
    }
    Ok(keys.credentials)
}
