//! Per-file credentials: temporary keys and the target they grant, the familiar SDK's
//! base64 `UploadAuth`/`UploadAddress` blobs, and the pull provider an app may supply.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use futures_util::future::BoxFuture;
use serde::Deserialize;

use cos_model::{BucketName, Endpoint, Region};
use cos_transport::TemporaryKey;

use crate::error::VodError;
use crate::failure::FailureInfo;
use crate::id::FileId;

/// Credentials for one file plus, optionally, where to put it: the shape of a server's
/// "create upload" answer (temporary keys, bucket, region, key). Missing target fields are
/// taken from the list's defaults; a key given to `add_file` takes priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    /// The keys.
    pub credentials: TemporaryKey,
    /// Where requests go (default: the region's COS domain).
    pub endpoint: Option<Endpoint>,
    /// The bucket.
    pub bucket: Option<BucketName>,
    /// The region.
    pub region: Option<Region>,
    /// The object key (checked when the file's target is resolved).
    pub key: Option<String>,
}

impl UploadGrant {
    /// Keys only; the target comes from the list's defaults and the file's options.
    pub fn new(credentials: TemporaryKey) -> Self {
        Self {
            credentials,
            endpoint: None,
            bucket: None,
            region: None,
            key: None,
        }
    }

    /// Sets where requests go.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Sets the bucket.
    pub fn bucket(mut self, bucket: BucketName) -> Self {
        self.bucket = Some(bucket);
        self
    }

    /// Sets the region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Sets the object key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The grant the familiar SDK's `setUploadAuthAndAddress(uploadAuth, uploadAddress)`
    /// describes, decoded at `now` (UploadAuth's `Expiration` is a lifetime in seconds).
    pub fn from_upload_auth_and_address(
        upload_auth: &str,
        upload_address: &str,
        now: SystemTime,
    ) -> Result<Self, VodError> {
        let auth = UploadAuth::from_base64_json(upload_auth)?;
        let address = UploadAddress::from_base64_json(upload_address)?;
        let invalid = |field: &str, e: &dyn std::fmt::Display| {
            VodError::InvalidAuth(format!("UploadAddress's {field}: {e}"))
        };
        let named = auth.region.clone().or(address.region.clone());
        let region = named
            .as_deref()
            .map(Region::new)
            .transpose()
            .map_err(|e| invalid("Region", &e))?;
        let endpoint = address.endpoint().map_err(|e| invalid("Endpoint", &e))?;
        let bucket = BucketName::new(&address.bucket).map_err(|e| invalid("Bucket", &e))?;
        Ok(Self {
            credentials: auth.into_key(now),
            region: region.or_else(|| endpoint_region(&address.endpoint)),
            endpoint: Some(endpoint),
            bucket: Some(bucket),
            key: Some(address.file_name),
        })
    }
}

/// When an `UploadAuth` says its keys expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthExpiry {
    /// At this moment (`ExpireUTCTime`).
    At(SystemTime),
    /// This long after the auth was received (`Expiration`, in seconds).
    After(Duration),
    /// Not said.
    Unknown,
}

/// The familiar SDK's UploadAuth: base64 of `{AccessKeyId, AccessKeySecret, SecurityToken,
/// Expiration, ExpireUTCTime?, Region?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadAuth {
    /// AccessKeyId (the COS SecretId).
    pub access_key_id: String,
    access_key_secret: String,
    security_token: String,
    /// When the keys expire.
    pub expiry: AuthExpiry,
    /// The region, if given.
    pub region: Option<String>,
}

impl fmt::Debug for UploadAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadAuth")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field("security_token", &"<redacted>")
            .field("expiry", &self.expiry)
            .field("region", &self.region)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAuth {
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
    expiration: Option<serde_json::Value>,
    #[serde(rename = "ExpireUTCTime")]
    expire_utc_time: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAddress {
    endpoint: Option<String>,
    bucket: Option<String>,
    file_name: Option<String>,
    region: Option<String>,
}

fn decode_json<T: for<'de> Deserialize<'de>>(what: &str, b64: &str) -> Result<T, VodError> {
    let trimmed = b64.trim();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(trimmed).ok())
        .ok_or_else(|| VodError::InvalidAuth(format!("{what} is not base64")))?;
    // Never echo the content: it holds secrets.
    serde_json::from_slice(&bytes).map_err(|e| {
        VodError::InvalidAuth(format!(
            "{what} is not the expected JSON ({})",
            e.classify_name()
        ))
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "wrong field type",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

fn required(what: &str, field: &str, v: Option<String>) -> Result<String, VodError> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| VodError::InvalidAuth(format!("{what} lacks {field}")))
}

impl UploadAuth {
    /// Decodes the base64 JSON; AccessKeyId, AccessKeySecret, SecurityToken and Expiration
    /// (or ExpireUTCTime) are required, as the familiar SDK requires them.
    pub fn from_base64_json(b64: &str) -> Result<Self, VodError> {
        let raw: RawAuth = decode_json("UploadAuth", b64)?;
        let expiry = match (&raw.expire_utc_time, &raw.expiration) {
            (Some(at), _) => {
                let t =
                    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| {
                            VodError::InvalidAuth("UploadAuth ExpireUTCTime is not RFC 3339".into())
                        })?;
                AuthExpiry::At(SystemTime::from(t))
            }
            (None, Some(v)) => {
                let secs = match v {
                    serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
                    serde_json::Value::Number(n) => n.as_u64(),
                    _ => None,
                }
                .ok_or_else(|| {
                    VodError::InvalidAuth("UploadAuth Expiration is not a number of seconds".into())
                })?;
                AuthExpiry::After(Duration::from_secs(secs))
            }
            (None, None) => {
                return Err(VodError::InvalidAuth("UploadAuth lacks Expiration".into()));
            }
        };
        Ok(Self {
            access_key_id: required("UploadAuth", "AccessKeyId", raw.access_key_id)?,
            access_key_secret: required("UploadAuth", "AccessKeySecret", raw.access_key_secret)?,
            security_token: required("UploadAuth", "SecurityToken", raw.security_token)?,
            expiry,
            region: raw.region.filter(|r| !r.is_empty()),
        })
    }

    /// The temporary keys, with the expiry resolved against `now`.
    pub fn into_key(self, now: SystemTime) -> TemporaryKey {
        let key = TemporaryKey::new(self.access_key_id, self.access_key_secret)
            .with_security_token(self.security_token);
        match self.expiry {
            AuthExpiry::At(at) => key.with_expiration(at),
            // A lifetime beyond any representable time is no expiry at all.
            AuthExpiry::After(d) => match now.checked_add(d) {
                Some(at) => key.with_expiration(at),
                None => key,
            },
            AuthExpiry::Unknown => key,
        }
    }
}

/// The familiar SDK's UploadAddress: base64 of `{Endpoint, Bucket, FileName}` (all required;
/// `Region` accepted too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadAddress {
    /// The endpoint URL.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub file_name: String,
    /// The region, if given.
    pub region: Option<String>,
}

impl UploadAddress {
    /// Decodes the base64 JSON.
    pub fn from_base64_json(b64: &str) -> Result<Self, VodError> {
        let raw: RawAddress = decode_json("UploadAddress", b64)?;
        Ok(Self {
            endpoint: required("UploadAddress", "Endpoint", raw.endpoint)?,
            bucket: required("UploadAddress", "Bucket", raw.bucket)?,
            file_name: required("UploadAddress", "FileName", raw.file_name)?,
            region: raw.region.filter(|r| !r.is_empty()),
        })
    }
}

impl UploadAddress {
    /// The endpoint the address's `Endpoint` URL names. The blob carries a URL, so this is
    /// where it is read, once: COS's regional service domain (`cos.<region>.myqcloud.com`) is
    /// the region's default addressing (the bucket goes into the host); any other URL (an
    /// emulator, a gateway) is used as the base of path-style requests.
    pub fn endpoint(&self) -> Result<Endpoint, cos_model::ModelError> {
        let http = self.endpoint.starts_with("http://");
        match endpoint_region(&self.endpoint) {
            Some(region) => {
                let endpoint = Endpoint::new(region);
                Ok(if http {
                    endpoint.with_scheme(cos_model::Scheme::Http)
                } else {
                    endpoint
                })
            }
            None => Endpoint::path_style(&self.endpoint),
        }
    }
}

/// The region of a COS regional domain URL (`…cos.<region>.myqcloud.com`), if it is one.
fn endpoint_region(url: &str) -> Option<Region> {
    let host = url.split("://").nth(1).unwrap_or(url);
    let host = host.split(['/', ':']).next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let cos = labels.iter().position(|l| *l == "cos")?;
    let region = labels.get(cos + 1)?;
    if labels.get(cos + 2) != Some(&"myqcloud") || *region == "accelerate" {
        return None;
    }
    Region::new(*region).ok()
}

/// Why an app's provider is asked for credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantKind {
    /// The file is about to start (or restart after a pause).
    Create,
    /// The file's keys are about to expire or expired during the upload.
    Refresh,
}

/// What a provider is told about the file it grants credentials for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    /// The file.
    pub file: FileId,
    /// Its display name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// The key given with the file, if any.
    pub key: Option<String>,
    /// Why credentials are asked for.
    pub kind: GrantKind,
}

/// An app-supplied source of per-file credentials (the pull model): given the file, returns
/// temporary keys plus bucket, region and key.
pub trait GrantProvider: Send + Sync + 'static {
    /// Credentials for this file.
    fn grant(&self, request: GrantRequest) -> BoxFuture<'static, Result<UploadGrant, FailureInfo>>;
}

impl<F, Fut> GrantProvider for F
where
    F: Fn(GrantRequest) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<UploadGrant, FailureInfo>> + Send + 'static,
{
    fn grant(&self, request: GrantRequest) -> BoxFuture<'static, Result<UploadGrant, FailureInfo>> {
        Box::pin(self(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn b64(json: &str) -> String {
        STANDARD.encode(json)
    }

    #[test]
    fn decodes_the_familiar_blobs() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let auth = b64(
            r#"{"AccessKeyId":"STS.id","AccessKeySecret":"sekrit-value","SecurityToken":"tokval-xyz","Expiration":"3600"}"#,
        );
        let addr = b64(
            r#"{"Endpoint":"https://cos.ap-guangzhou.myqcloud.com","Bucket":"vod-1250000000","FileName":"a/b.mp4"}"#,
        );
        let g = UploadGrant::from_upload_auth_and_address(&auth, &addr, now).unwrap();
        assert_eq!(g.credentials.secret_id(), "STS.id");
        assert_eq!(g.credentials.secret_key(), "sekrit-value");
        assert_eq!(g.credentials.security_token(), Some("tokval-xyz"));
        assert_eq!(
            g.credentials.expiration(),
            Some(now + Duration::from_secs(3600))
        );
        assert_eq!(
            g.bucket.as_ref().map(|b| b.as_str()),
            Some("vod-1250000000")
        );
        assert_eq!(g.key.as_deref(), Some("a/b.mp4"));
        assert_eq!(g.region.as_ref().map(|r| r.as_str()), Some("ap-guangzhou"));
        let dbg = format!("{g:?}");
        assert!(!dbg.contains("sekrit") && !dbg.contains("tokval"), "{dbg}");
    }

    #[test]
    fn expire_utc_time_wins_and_numbers_are_accepted() {
        let auth = UploadAuth::from_base64_json(&b64(
            r#"{"AccessKeyId":"i","AccessKeySecret":"s","SecurityToken":"t","Expiration":3600,"ExpireUTCTime":"2024-01-01T00:00:00Z","Region":"ap-beijing"}"#,
        ))
        .unwrap();
        assert_eq!(
            auth.expiry,
            AuthExpiry::At(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
        );
        assert_eq!(auth.region.as_deref(), Some("ap-beijing"));
        let n = UploadAuth::from_base64_json(&b64(
            r#"{"AccessKeyId":"i","AccessKeySecret":"s","SecurityToken":"t","Expiration":60}"#,
        ))
        .unwrap();
        assert_eq!(n.expiry, AuthExpiry::After(Duration::from_secs(60)));
    }

    #[test]
    fn a_huge_lifetime_is_no_expiry_not_a_panic() {
        let auth = UploadAuth::from_base64_json(&b64(
            r#"{"AccessKeyId":"i","AccessKeySecret":"s","SecurityToken":"t","Expiration":18446744073709551615}"#,
        ))
        .unwrap();
        let key = auth.into_key(SystemTime::now());
        assert_eq!(key.expired_time(), None);
        assert!(!key.is_expired(SystemTime::now(), Duration::from_secs(30)));
    }

    #[test]
    fn missing_fields_are_refused_without_echoing_secrets() {
        for json in [
            r#"{"AccessKeySecret":"topsecret","SecurityToken":"t","Expiration":"1"}"#,
            r#"{"AccessKeyId":"i","SecurityToken":"t","Expiration":"1"}"#,
            r#"{"AccessKeyId":"i","AccessKeySecret":"topsecret","Expiration":"1"}"#,
            r#"{"AccessKeyId":"i","AccessKeySecret":"topsecret","SecurityToken":"t"}"#,
            r#"{"AccessKeyId":"i","AccessKeySecret":"topsecret","SecurityToken":"t","Expiration":"soon"}"#,
        ] {
            let err = UploadAuth::from_base64_json(&b64(json)).unwrap_err();
            assert!(matches!(err, VodError::InvalidAuth(_)), "{json}");
            assert!(!err.to_string().contains("topsecret"));
        }
        assert!(UploadAuth::from_base64_json("%%%").is_err());
        assert!(UploadAddress::from_base64_json(&b64(r#"{"Endpoint":"e","Bucket":"b"}"#)).is_err());
        assert!(
            UploadAddress::from_base64_json(&b64("{topsecret"))
                .unwrap_err()
                .to_string()
                .find("topsecret")
                .is_none()
        );
    }

    #[test]
    fn an_address_endpoint_is_read_once_into_an_endpoint() {
        let address = |url: &str| UploadAddress {
            endpoint: url.into(),
            bucket: "b-1250000000".into(),
            file_name: "k".into(),
            region: None,
        };
        let region = |s: &str| Region::new(s).unwrap();
        assert_eq!(
            address("https://cos.ap-shanghai.myqcloud.com")
                .endpoint()
                .unwrap(),
            Endpoint::new(region("ap-shanghai"))
        );
        assert_eq!(
            endpoint_region("b-1.cos.ap-beijing.myqcloud.com"),
            Some(region("ap-beijing"))
        );
        assert_eq!(
            endpoint_region("https://b-1.cos.accelerate.myqcloud.com"),
            None
        );
        let emulator = address("http://127.0.0.1:9000").endpoint().unwrap();
        assert!(emulator.is_path_style());
        assert!(address("ftp://x").endpoint().is_err());
    }

    #[test]
    fn expiry_check() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let k = TemporaryKey::new("i", "s").with_expiration(now + Duration::from_secs(10));
        assert!(!k.is_expired(now, Duration::from_secs(5)));
        assert!(k.is_expired(now, Duration::from_secs(10)));
        assert!(!TemporaryKey::new("i", "s").is_expired(now, Duration::ZERO));
    }
}
