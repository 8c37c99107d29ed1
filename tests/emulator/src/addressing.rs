//! Which bucket and key a request names: virtual-host style when the first label of `Host` is
//! a bucket name (`<name>-<appid>.cos.<region>.myqcloud.com`, `<name>-<appid>.localhost:9000`),
//! path style otherwise (`127.0.0.1:PORT/<name>-<appid>/<key>`). The path is percent-decoded
//! (`+` as a space) and kept whole as the path the client must have signed.

use crate::names::{is_bucket_name, is_region, percent_decode};

/// The addressing of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The `Host` header as sent.
    pub host: String,
    /// The region named by the host (`cos.<region>.myqcloud.com` and similar), if any.
    pub region: Option<String>,
    /// The bucket, if the request names one.
    pub bucket: Option<String>,
    /// The object key (decoded), if the request names one.
    pub key: Option<String>,
    /// The decoded path, as the client signs it.
    pub signed_path: String,
    /// Whether the bucket came from the host (virtual-host style).
    pub virtual_host: bool,
}

/// Why a request's address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// No `Host` header.
    MissingHost,
    /// The path does not decode to UTF-8.
    BadPath,
    /// A path-style first segment that is not a bucket name.
    BadBucket(String),
    /// The host names a region that is not valid or not the pinned one.
    BadRegion(String),
}

/// The control path for temporary keys.
pub const STS_PATH: &str = "/-/sts";

/// Resolves the bucket and key of a request from its `Host` header and raw path.
pub fn resolve(
    host: Option<&str>,
    raw_path: &str,
    pinned_region: Option<&str>,
) -> Result<Target, AddressError> {
    let host = host.ok_or(AddressError::MissingHost)?.trim().to_string();
    if host.is_empty() {
        return Err(AddressError::MissingHost);
    }
    let hostname = strip_port(&host).to_ascii_lowercase();
    let first_label = hostname.split('.').next().unwrap_or("");
    let virtual_host = is_bucket_name(first_label) && hostname.contains('.');
    let region = region_of(&hostname, virtual_host);
    if let Some(r) = &region
        && (!is_region(r) || pinned_region.is_some_and(|p| p != r && r != "accelerate"))
    {
        return Err(AddressError::BadRegion(r.clone()));
    }
    let signed_path = percent_decode(raw_path, true).ok_or(AddressError::BadPath)?;
    let (bucket, key) = if virtual_host {
        let key = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let key = if key.is_empty() {
            None
        } else {
            Some(percent_decode(key, true).ok_or(AddressError::BadPath)?)
        };
        (Some(first_label.to_string()), key)
    } else if raw_path == STS_PATH || raw_path == "/" || raw_path.is_empty() {
        (None, None)
    } else {
        let rest = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let (bucket_raw, key_raw) = match rest.split_once('/') {
            Some((b, k)) => (b, k),
            None => (rest, ""),
        };
        let bucket = percent_decode(bucket_raw, true).ok_or(AddressError::BadPath)?;
        if !is_bucket_name(&bucket) {
            return Err(AddressError::BadBucket(bucket));
        }
        let key = if key_raw.is_empty() {
            None
        } else {
            Some(percent_decode(key_raw, true).ok_or(AddressError::BadPath)?)
        };
        (Some(bucket), key)
    };
    Ok(Target {
        host,
        region,
        bucket,
        key,
        signed_path,
        virtual_host,
    })
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The region in a COS host name: `[bucket.]cos.<region>.myqcloud.com`,
/// `[bucket.]cos[-internal].<region>.tencentcos.cn`, legacy `[bucket.]<region>.myqcloud.com`.
fn region_of(hostname: &str, virtual_host: bool) -> Option<String> {
    let labels: Vec<&str> = hostname.split('.').collect();
    let rest = if virtual_host {
        &labels[1..]
    } else {
        &labels[..]
    };
    let n = rest.len();
    let known_suffix = n >= 2
        && matches!(
            (rest[n - 2], rest[n - 1]),
            ("myqcloud", "com") | ("tencentcos", "cn")
        );
    if !known_suffix {
        return None;
    }
    match &rest[..n - 2] {
        [cos, region] if *cos == "cos" || *cos == "cos-internal" => Some((*region).to_string()),
        [region] if *region != "cos" && *region != "service" => Some((*region).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_host_style() {
        let t = resolve(
            Some("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
            "/a%20b+c/%E4%B8%AD.txt",
            None,
        )
        .unwrap();
        assert_eq!(t.bucket.as_deref(), Some("examplebucket-1250000000"));
        assert_eq!(t.key.as_deref(), Some("a b c/中.txt"));
        assert_eq!(t.signed_path, "/a b c/中.txt");
        assert_eq!(t.region.as_deref(), Some("ap-guangzhou"));
        assert!(t.virtual_host);
        let t = resolve(Some("examplebucket-1250000000.localhost:9000"), "/", None).unwrap();
        assert_eq!(t.bucket.as_deref(), Some("examplebucket-1250000000"));
        assert_eq!(t.key, None);
        assert_eq!(t.region, None);
    }

    #[test]
    fn path_style() {
        let t = resolve(
            Some("127.0.0.1:8080"),
            "/examplebucket-1250000000/dir/k",
            None,
        )
        .unwrap();
        assert_eq!(t.bucket.as_deref(), Some("examplebucket-1250000000"));
        assert_eq!(t.key.as_deref(), Some("dir/k"));
        assert_eq!(t.signed_path, "/examplebucket-1250000000/dir/k");
        let t = resolve(
            Some("cos.ap-beijing.myqcloud.com"),
            "/examplebucket-1250000000/",
            None,
        )
        .unwrap();
        assert_eq!(t.key, None);
        assert_eq!(t.region.as_deref(), Some("ap-beijing"));
        let t = resolve(Some("127.0.0.1:8080"), "/", None).unwrap();
        assert_eq!(t.bucket, None);
        assert_eq!(
            resolve(Some("127.0.0.1"), "/NotABucket/x", None),
            Err(AddressError::BadBucket("NotABucket".into()))
        );
    }

    #[test]
    fn regions_and_pins() {
        assert!(
            resolve(
                Some("b-1.cos.ap-beijing.myqcloud.com"),
                "/",
                Some("ap-guangzhou")
            )
            .is_err()
        );
        assert!(
            resolve(
                Some("b-1.cos.ap-beijing.myqcloud.com"),
                "/",
                Some("ap-beijing")
            )
            .is_ok()
        );
        assert!(
            resolve(
                Some("b-1.cos.accelerate.myqcloud.com"),
                "/",
                Some("ap-beijing")
            )
            .is_ok()
        );
        assert!(resolve(Some("b-1.localhost"), "/", Some("ap-beijing")).is_ok());
        let t = resolve(
            Some("b-1.cos-internal.ap-shanghai.tencentcos.cn"),
            "/",
            None,
        )
        .unwrap();
        assert_eq!(t.region.as_deref(), Some("ap-shanghai"));
        let t = resolve(Some("b-1.sg.myqcloud.com"), "/", None).unwrap();
        assert_eq!(t.region.as_deref(), Some("sg"));
        assert_eq!(resolve(None, "/", None), Err(AddressError::MissingHost));
        assert_eq!(
            resolve(Some("h"), "/b-1/%FF", None),
            Err(AddressError::BadPath)
        );
    }
}
