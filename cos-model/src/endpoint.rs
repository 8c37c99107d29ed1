//! `Endpoint`: where a request goes — the URI, the `Host` to send and sign, and the path to sign.
//! (Some 600 lines with its tests: every addressing style and its URI/Host/signed-path cases
//! are one concern, read together.)
//!
//! Addressing styles (shared/spec/cos-protocol.md, "Endpoints"):
//! - virtual host (default): `https://<bucket>.cos.<region>.myqcloud.com/<key>` (first-generation
//!   regions drop the `cos.` label; `tencentcos.cn` and its internal variant are available);
//! - global acceleration: `<bucket>.cos.accelerate.myqcloud.com`;
//! - a custom domain bound to one bucket: `<domain>/<key>`;
//! - a template with `{Bucket}`, `{BucketName}`, `{AppId}`, `{Region}` (also `{{…}}`);
//! - path style: `<base>/<bucket>/<key>`, where the signed path starts with `/<bucket>`
//!   (emulators, `ForcePathStyle`); a bucket-level request's path is `/<bucket>/`;
//! - the service host `service.cos.myqcloud.com` for listing every bucket.
//!
//! Over `http` or `https`, with an optional port (the `Host` carries it when it is not the
//! scheme's default).

use crate::encode::uri_encode_path;
use crate::{BucketName, ModelError, ObjectKey, Region};
use std::fmt;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// Plain HTTP (port 80 by default).
    Http,
    /// HTTPS (port 443 by default).
    #[default]
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The scheme's default port.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The domain suffix of the default virtual-host addressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Domain {
    /// `<bucket>.cos.<region>.myqcloud.com` (the default).
    #[default]
    MyQcloud,
    /// `<bucket>.cos.<region>.tencentcos.cn` (the newer suffix, also the SDKs' backup host).
    TencentCos,
    /// `<bucket>.cos-internal.<region>.tencentcos.cn` (from inside Tencent Cloud).
    TencentCosInternal,
}

/// How bucket and key map to host and path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Addressing {
    /// `<bucket>.cos.<region>.<domain>/<key>`; bucket-less requests go to `cos.<region>.<domain>`.
    VirtualHost {
        /// The region.
        region: Region,
        /// The domain suffix.
        domain: Domain,
    },
    /// `<bucket>.cos.accelerate.myqcloud.com/<key>`.
    Accelerate,
    /// A domain bound to one bucket: `<host>/<key>`; the bucket is not in the URI.
    CustomDomain {
        /// The host (without port).
        host: String,
    },
    /// A host template with `{Bucket}`, `{BucketName}`, `{AppId}`, `{Region}` placeholders.
    Template {
        /// The host template (without scheme or port).
        template: String,
        /// The region for `{Region}`.
        region: Option<Region>,
    },
    /// `<host>/<bucket>/<key>`; the signed path is `/<bucket>/<key>`.
    PathStyle {
        /// The host (without port).
        host: String,
    },
    /// `service.cos.myqcloud.com`, the host of GET Service across all regions.
    Service,
}

/// Where requests go: an addressing style, a scheme and an optional port.
///
/// ```
/// use cos_model::{BucketName, Endpoint, ObjectKey, Region};
/// let ep = Endpoint::new(Region::new("ap-guangzhou")?);
/// let bucket = BucketName::new("examplebucket-1250000000")?;
/// let key = ObjectKey::new("dir/a b.txt")?;
/// let t = ep.target(Some(&bucket), Some(&key))?;
/// assert_eq!(t.host(), "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com");
/// assert_eq!(t.path(), "/dir/a%20b.txt");
/// assert_eq!(t.signed_path(), "/dir/a b.txt");
/// assert_eq!(
///     t.uri_string(&[]),
///     "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b.txt"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    addressing: Addressing,
    port: Option<u16>,
}

impl Endpoint {
    /// The default addressing for `region`: `https://<bucket>.cos.<region>.myqcloud.com`.
    pub fn new(region: Region) -> Self {
        Self::from_addressing(Addressing::VirtualHost {
            region,
            domain: Domain::MyQcloud,
        })
    }

    /// Global acceleration: `https://<bucket>.cos.accelerate.myqcloud.com`.
    pub fn accelerate() -> Self {
        Self::from_addressing(Addressing::Accelerate)
    }

    /// The service host `https://service.cos.myqcloud.com` (GET Service over all regions).
    pub fn service() -> Self {
        Self::from_addressing(Addressing::Service)
    }

    /// A custom domain bound to one bucket: `host`, `host:port` or `scheme://host[:port][/]`.
    pub fn custom_domain(domain: &str) -> Result<Self, ModelError> {
        let (scheme, host, port) = split_base(domain)?;
        Ok(Self {
            scheme: scheme.unwrap_or_default(),
            addressing: Addressing::CustomDomain { host },
            port,
        })
    }

    /// Path style on a base URL: `http://127.0.0.1:9000` (an emulator) or
    /// `cos.ap-guangzhou.myqcloud.com`; requests go to `<base>/<bucket>/<key>`.
    pub fn path_style(base: &str) -> Result<Self, ModelError> {
        let (scheme, host, port) = split_base(base)?;
        Ok(Self {
            scheme: scheme.unwrap_or_default(),
            addressing: Addressing::PathStyle { host },
            port,
        })
    }

    /// Path style on COS's regional host `https://cos.<region>.myqcloud.com/<bucket>/<key>`
    /// (refused by COS for buckets created after 2024-01-01: `PathStyleDomainForbidden`).
    pub fn path_style_region(region: &Region) -> Self {
        Self::from_addressing(Addressing::PathStyle {
            host: format!("cos.{region}.myqcloud.com"),
        })
    }

    /// A host template such as `{Bucket}.cos.{Region}.myqcloud.com` or
    /// `https://{BucketName}-{AppId}.example.com:8443`. Placeholders: `{Bucket}` (full name),
    /// `{BucketName}` (without APPID), `{AppId}`, `{Region}`, also written `{{Bucket}}` etc.
    pub fn template(template: &str, region: Option<Region>) -> Result<Self, ModelError> {
        let (scheme, rest) = split_scheme(template)?;
        let rest = rest.trim_end_matches('/');
        let normalised = rest
            .replace("{{", "{")
            .replace("}}", "}")
            .replace("{Bucket}", "\u{1}")
            .replace("{BucketName}", "\u{2}")
            .replace("{AppId}", "\u{3}")
            .replace("{Region}", "\u{4}");
        if normalised.contains('{') || normalised.contains('}') {
            return Err(invalid(format!(
                "template {template:?} has an unknown placeholder (known: {{Bucket}}, {{BucketName}}, {{AppId}}, {{Region}})"
            )));
        }
        if normalised.contains('\u{4}') && region.is_none() {
            return Err(invalid(format!(
                "template {template:?} uses {{Region}} but no region was given"
            )));
        }
        // Validate with sample values: the result must be an authority.
        let sample = normalised
            .replace('\u{1}', "bucket-1")
            .replace('\u{2}', "bucket")
            .replace('\u{3}', "1")
            .replace('\u{4}', "region");
        let (_, port) = split_authority(&sample)?;
        let template_host = match port {
            Some(_) => normalised
                .rsplit_once(':')
                .map_or(normalised.clone(), |(h, _)| h.to_owned()),
            None => normalised,
        };
        Ok(Self {
            scheme: scheme.unwrap_or_default(),
            addressing: Addressing::Template {
                template: template_host,
                region,
            },
            port,
        })
    }

    /// An endpoint with the given addressing, over HTTPS on the default port.
    pub fn from_addressing(addressing: Addressing) -> Self {
        Self {
            scheme: Scheme::Https,
            addressing,
            port: None,
        }
    }

    /// The same endpoint over `scheme`.
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The same endpoint on `port` (sent in `Host` unless it is the scheme's default).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The same endpoint with another domain suffix (virtual-host addressing only; other
    /// styles are returned unchanged).
    pub fn with_domain(mut self, new_domain: Domain) -> Self {
        if let Addressing::VirtualHost { domain, .. } = &mut self.addressing {
            *domain = new_domain;
        }
        self
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The addressing style.
    pub fn addressing(&self) -> &Addressing {
        &self.addressing
    }

    /// Whether the bucket travels in the path (path style).
    pub fn is_path_style(&self) -> bool {
        matches!(self.addressing, Addressing::PathStyle { .. })
    }

    /// Where a request for `bucket` and `key` goes: URI pieces, `Host` and the path to sign.
    ///
    /// `bucket = None` addresses the service (GET Service); a key without a bucket is refused
    /// except on a custom domain, which is bound to its bucket.
    pub fn target(
        &self,
        bucket: Option<&BucketName>,
        key: Option<&ObjectKey>,
    ) -> Result<Target, ModelError> {
        let host = self.host_for(bucket, key.is_some())?;
        let key_path = key.map(ObjectKey::uri_path).unwrap_or_default();
        let key_raw = key.map(ObjectKey::as_str).unwrap_or_default();
        let (path, signed_path) = match (&self.addressing, bucket) {
            (Addressing::PathStyle { .. }, Some(b)) => {
                (format!("/{b}/{key_path}"), format!("/{b}/{key_raw}"))
            }
            _ => (format!("/{key_path}"), format!("/{key_raw}")),
        };
        let host = match self.port {
            Some(p) if p != self.scheme.default_port() => format!("{host}:{p}"),
            _ => host,
        };
        Ok(Target {
            scheme: self.scheme,
            host,
            path,
            signed_path,
        })
    }

    fn host_for(&self, bucket: Option<&BucketName>, has_key: bool) -> Result<String, ModelError> {
        let need_bucket = || {
            invalid(format!(
                "{} addressing needs a bucket to address an object",
                self.style_name()
            ))
        };
        match (&self.addressing, bucket) {
            (Addressing::VirtualHost { region, domain }, Some(b)) => {
                Ok(virtual_host(&format!("{b}."), region, *domain))
            }
            (Addressing::VirtualHost { region, domain }, None) if !has_key => {
                Ok(virtual_host("", region, *domain))
            }
            (Addressing::Accelerate, Some(b)) => Ok(format!("{b}.cos.accelerate.myqcloud.com")),
            (Addressing::Accelerate | Addressing::Service, None) if !has_key => {
                Ok("service.cos.myqcloud.com".to_owned())
            }
            (Addressing::Service, Some(_)) => Err(invalid(
                "the service endpoint addresses no bucket; use a regional endpoint".to_owned(),
            )),
            (Addressing::CustomDomain { host }, _) => Ok(host.clone()),
            (Addressing::PathStyle { host }, Some(_)) => Ok(host.clone()),
            (Addressing::PathStyle { host }, None) if !has_key => Ok(host.clone()),
            (Addressing::Template { template, region }, b) => {
                let uses_bucket = template.contains('\u{1}')
                    || template.contains('\u{2}')
                    || template.contains('\u{3}');
                let mut host = template.clone();
                match b {
                    Some(b) => {
                        host = host
                            .replace('\u{1}', b.as_str())
                            .replace('\u{2}', b.short_name())
                            .replace('\u{3}', b.app_id());
                    }
                    None if uses_bucket || has_key => return Err(need_bucket()),
                    None => {}
                }
                if let Some(r) = region {
                    host = host.replace('\u{4}', r.as_str());
                }
                split_authority(&host)?;
                Ok(host)
            }
            _ => Err(need_bucket()),
        }
    }

    fn style_name(&self) -> &'static str {
        match self.addressing {
            Addressing::VirtualHost { .. } => "virtual-host",
            Addressing::Accelerate => "accelerate",
            Addressing::CustomDomain { .. } => "custom-domain",
            Addressing::Template { .. } => "template",
            Addressing::PathStyle { .. } => "path-style",
            Addressing::Service => "service",
        }
    }
}

fn virtual_host(prefix: &str, region: &Region, domain: Domain) -> String {
    match domain {
        Domain::MyQcloud if region.is_legacy() => format!("{prefix}{region}.myqcloud.com"),
        Domain::MyQcloud => format!("{prefix}cos.{region}.myqcloud.com"),
        Domain::TencentCos => format!("{prefix}cos.{region}.tencentcos.cn"),
        Domain::TencentCosInternal => format!("{prefix}cos-internal.{region}.tencentcos.cn"),
    }
}

fn invalid(reason: String) -> ModelError {
    ModelError::InvalidEndpoint { reason }
}

fn split_scheme(s: &str) -> Result<(Option<Scheme>, &str), ModelError> {
    if let Some(rest) = s.strip_prefix("https://") {
        Ok((Some(Scheme::Https), rest))
    } else if let Some(rest) = s.strip_prefix("http://") {
        Ok((Some(Scheme::Http), rest))
    } else if s.contains("://") {
        Err(invalid(format!("{s:?}: only http and https are supported")))
    } else {
        Ok((None, s))
    }
}

/// Splits `host[:port]`, refusing anything that is not a plain authority without user info.
fn split_authority(s: &str) -> Result<(String, Option<u16>), ModelError> {
    if s.is_empty() {
        return Err(invalid("empty host".to_owned()));
    }
    let auth: http::uri::Authority = s
        .parse()
        .map_err(|e| invalid(format!("{s:?} is not a host[:port]: {e}")))?;
    if s.contains('@') || auth.host().is_empty() {
        return Err(invalid(format!("{s:?} is not a host[:port]")));
    }
    Ok((auth.host().to_owned(), auth.port_u16()))
}

fn split_base(s: &str) -> Result<(Option<Scheme>, String, Option<u16>), ModelError> {
    let (scheme, rest) = split_scheme(s.trim())?;
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err(invalid(format!(
            "{s:?}: a base URL may not carry a path, query or fragment"
        )));
    }
    let (host, port) = split_authority(rest)?;
    Ok((scheme, host, port))
}

/// Where one request goes: scheme, `Host`, the encoded path and the decoded path to sign.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    scheme: Scheme,
    host: String,
    path: String,
    signed_path: String,
}

impl Target {
    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The `Host` header value to send and sign (with `:port` when not the default).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The URI path as sent: percent-encoded, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path to sign: decoded, `/` + raw key (path style: `/<bucket>/<key>`).
    pub fn signed_path(&self) -> &str {
        &self.signed_path
    }

    /// The absolute URI text with the given decoded query pairs (an empty value is sent as a
    /// bare name, e.g. `?uploads`).
    pub fn uri_string(&self, query: &[(String, String)]) -> String {
        let mut uri = format!("{}://{}{}", self.scheme, self.host, self.path);
        for (i, (k, v)) in query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(&crate::encode::uri_encode(k));
            if !v.is_empty() {
                uri.push('=');
                uri.push_str(&crate::encode::uri_encode(v));
            }
        }
        uri
    }

    /// The absolute URI with the given decoded query pairs, as an [`http::Uri`].
    pub fn uri(&self, query: &[(String, String)]) -> Result<http::Uri, ModelError> {
        let s = self.uri_string(query);
        s.parse()
            .map_err(|e: http::uri::InvalidUri| ModelError::InvalidUri {
                reason: e.to_string(),
                uri: s,
            })
    }
}

/// The path of `key` as sent (used by copy sources): `/` + UrlEncode(key) with `/` kept.
pub(crate) fn encoded_key_path(key: &ObjectKey) -> String {
    format!("/{}", uri_encode_path(key.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b() -> BucketName {
        BucketName::new("examplebucket-1250000000").unwrap()
    }
    fn k() -> ObjectKey {
        ObjectKey::new("exampleobject(腾讯云)").unwrap()
    }
    fn r() -> Region {
        Region::new("ap-beijing").unwrap()
    }

    #[test]
    fn virtual_host_default() {
        let t = Endpoint::new(r()).target(Some(&b()), Some(&k())).unwrap();
        assert_eq!(
            t.host(),
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
        );
        assert_eq!(t.path(), "/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29");
        assert_eq!(t.signed_path(), "/exampleobject(腾讯云)");
        let bucket_only = Endpoint::new(r()).target(Some(&b()), None).unwrap();
        assert_eq!(bucket_only.path(), "/");
        assert_eq!(bucket_only.signed_path(), "/");
        let service = Endpoint::new(r()).target(None, None).unwrap();
        assert_eq!(service.host(), "cos.ap-beijing.myqcloud.com");
        assert!(Endpoint::new(r()).target(None, Some(&k())).is_err());
    }

    #[test]
    fn domains_and_legacy_regions() {
        let sg = Endpoint::new(Region::new("sg").unwrap());
        assert_eq!(
            sg.target(Some(&b()), None).unwrap().host(),
            "examplebucket-1250000000.sg.myqcloud.com"
        );
        let tc = Endpoint::new(r()).with_domain(Domain::TencentCos);
        assert_eq!(
            tc.target(Some(&b()), None).unwrap().host(),
            "examplebucket-1250000000.cos.ap-beijing.tencentcos.cn"
        );
        let internal = Endpoint::new(r()).with_domain(Domain::TencentCosInternal);
        assert_eq!(
            internal.target(Some(&b()), None).unwrap().host(),
            "examplebucket-1250000000.cos-internal.ap-beijing.tencentcos.cn"
        );
    }

    #[test]
    fn accelerate_and_service() {
        let t = Endpoint::accelerate()
            .target(Some(&b()), Some(&k()))
            .unwrap();
        assert_eq!(
            t.host(),
            "examplebucket-1250000000.cos.accelerate.myqcloud.com"
        );
        let s = Endpoint::service().target(None, None).unwrap();
        assert_eq!(s.uri_string(&[]), "https://service.cos.myqcloud.com/");
        assert!(Endpoint::service().target(Some(&b()), None).is_err());
    }

    #[test]
    fn path_style_signs_bucket_in_path() {
        let ep = Endpoint::path_style("http://127.0.0.1:9000").unwrap();
        assert_eq!(ep.scheme(), Scheme::Http);
        let t = ep.target(Some(&b()), Some(&k())).unwrap();
        assert_eq!(t.host(), "127.0.0.1:9000");
        assert_eq!(
            t.path(),
            "/examplebucket-1250000000/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29"
        );
        assert_eq!(
            t.signed_path(),
            "/examplebucket-1250000000/exampleobject(腾讯云)"
        );
        let bucket = ep.target(Some(&b()), None).unwrap();
        assert_eq!(bucket.path(), "/examplebucket-1250000000/");
        assert_eq!(bucket.signed_path(), "/examplebucket-1250000000/");
        assert_eq!(ep.target(None, None).unwrap().path(), "/");
        let region = Endpoint::path_style_region(&r());
        assert_eq!(
            region.target(Some(&b()), None).unwrap().uri_string(&[]),
            "https://cos.ap-beijing.myqcloud.com/examplebucket-1250000000/"
        );
        assert!(Endpoint::path_style("ftp://x").is_err());
        assert!(Endpoint::path_style("http://x/base").is_err());
        assert!(Endpoint::path_style("http://user@x").is_err());
        assert!(Endpoint::path_style("").is_err());
    }

    #[test]
    fn custom_domain_and_template() {
        let ep = Endpoint::custom_domain("https://static.example.com/").unwrap();
        let t = ep.target(Some(&b()), Some(&k())).unwrap();
        assert_eq!(t.host(), "static.example.com");
        assert_eq!(t.signed_path(), "/exampleobject(腾讯云)");

        let tpl = Endpoint::template("{Bucket}.cos.{Region}.myqcloud.com", Some(r())).unwrap();
        let t = tpl.target(Some(&b()), None).unwrap();
        assert_eq!(
            t.host(),
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
        );
        let tpl =
            Endpoint::template("http://{{BucketName}}-{{AppId}}.example.com:8080", None).unwrap();
        assert_eq!(tpl.scheme(), Scheme::Http);
        let t = tpl.target(Some(&b()), Some(&k())).unwrap();
        assert_eq!(t.host(), "examplebucket-1250000000.example.com:8080");
        assert!(tpl.target(None, None).is_err());
        assert!(Endpoint::template("{Bucket}.{Region}.x", None).is_err());
        assert!(Endpoint::template("{Nope}.x", None).is_err());
    }

    #[test]
    fn ports() {
        let ep = Endpoint::new(r()).with_port(443);
        assert!(!ep.target(Some(&b()), None).unwrap().host().contains(':'));
        let ep = Endpoint::new(r()).with_scheme(Scheme::Http).with_port(8080);
        let t = ep.target(Some(&b()), None).unwrap();
        assert_eq!(
            t.host(),
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com:8080"
        );
        assert_eq!(
            t.uri_string(&[
                ("uploads".into(), String::new()),
                ("prefix".into(), "a/b c".into())
            ]),
            "http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com:8080/?uploads&prefix=a%2Fb%20c"
        );
    }
}
