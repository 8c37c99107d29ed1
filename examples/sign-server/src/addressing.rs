//! Where clients send their upload: the `cosHost` they are told, the `Host` that gets signed and
//! the path prefix of the signed path (the bucket, in path style).

use crate::error::SignServerError;

/// How the bucket is reached, derived once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressing {
    /// `http` or `https`.
    pub scheme: String,
    /// What the client puts after `scheme://`: a host, or `host:port/bucket` in path style, so that
    /// `PUT {scheme}://{cosHost}/{cosKey}` and `POST {scheme}://{cosHost}` work unchanged.
    pub cos_host: String,
    /// The `Host` header value the client will send (and that is signed).
    pub host_header: String,
    /// Prepended to `/<key>` to form the signed path: empty, or `/<bucket>` in path style.
    pub signed_prefix: String,
}

impl Addressing {
    /// Real COS's default bucket domain over https.
    pub fn cos_default(bucket: &str, region: &str) -> Self {
        let host = format!("{bucket}.cos.{region}.myqcloud.com");
        Self {
            scheme: "https".into(),
            cos_host: host.clone(),
            host_header: host,
            signed_prefix: String::new(),
        }
    }

    /// An explicit endpoint such as `http://127.0.0.1:9000` (path style, the bucket first in the
    /// path) or `https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com` (virtual host:
    /// the first label is the bucket).
    pub fn from_endpoint(endpoint: &str, bucket: &str) -> Result<Self, SignServerError> {
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|e| SignServerError::Config(format!("endpoint `{endpoint}`: {e}")))?;
        let scheme = match uri.scheme_str() {
            Some(s @ ("http" | "https")) => s.to_owned(),
            _ => {
                return Err(SignServerError::Config(format!(
                    "endpoint `{endpoint}` must start with http:// or https://"
                )));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| SignServerError::Config(format!("endpoint `{endpoint}` has no host")))?
            .as_str()
            .to_owned();
        if !uri.path().trim_matches('/').is_empty() {
            return Err(SignServerError::Config(format!(
                "endpoint `{endpoint}` must not carry a path"
            )));
        }
        let virtual_host = authority.starts_with(&format!("{bucket}."));
        Ok(if virtual_host {
            Self {
                scheme,
                cos_host: authority.clone(),
                host_header: authority,
                signed_prefix: String::new(),
            }
        } else {
            Self {
                scheme,
                cos_host: format!("{authority}/{bucket}"),
                host_header: authority,
                signed_prefix: format!("/{bucket}"),
            }
        })
    }

    /// The path that is signed for `key`.
    pub fn signed_path(&self, key: &str) -> String {
        format!("{}/{key}", self.signed_prefix)
    }

    /// The URL a client PUTs `key` to (keys chosen by this server need no escaping).
    pub fn object_url(&self, key: &str) -> String {
        format!("{}://{}/{key}", self.scheme, self.cos_host)
    }

    /// The URL a client POSTs its form to.
    pub fn form_url(&self) -> String {
        format!("{}://{}", self.scheme, self.cos_host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoint_is_path_style() {
        let a = Addressing::from_endpoint("http://127.0.0.1:9000", "photos-1250000000").unwrap();
        assert_eq!(a.cos_host, "127.0.0.1:9000/photos-1250000000");
        assert_eq!(a.host_header, "127.0.0.1:9000");
        assert_eq!(a.signed_path("a/b.jpg"), "/photos-1250000000/a/b.jpg");
        assert_eq!(
            a.object_url("a/b.jpg"),
            "http://127.0.0.1:9000/photos-1250000000/a/b.jpg"
        );
    }

    #[test]
    fn bucket_domain_is_virtual_host() {
        let a = Addressing::from_endpoint(
            "https://photos-1250000000.cos.ap-guangzhou.myqcloud.com",
            "photos-1250000000",
        )
        .unwrap();
        assert_eq!(
            a,
            Addressing::cos_default("photos-1250000000", "ap-guangzhou")
        );
        assert_eq!(a.signed_path("k.png"), "/k.png");
    }

    #[test]
    fn bad_endpoints_are_refused() {
        for bad in ["ftp://x", "127.0.0.1:9000", "http://h/base"] {
            assert!(
                Addressing::from_endpoint(bad, "b-1").is_err(),
                "{bad} should be refused"
            );
        }
    }
}
