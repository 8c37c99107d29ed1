//! CAM resource strings (sts.md §4.2): COS's modern form
//! `qcs::cos:<region>:uid/<appid>:<bucket>-<appid>/<key>`, the legacy
//! `…:prefix//<appid>/<short bucket>/<key>` that the Node SDK still sends (read, never
//! written), and the `*` wildcard that matches any run of characters, `/` included.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A COS resource in its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosResource {
    /// `ap-guangzhou`; empty means every region.
    pub region: String,
    /// The account's APPID (`1250000000`).
    pub appid: String,
    /// The bucket, `<name>-<appid>`.
    pub bucket: String,
    /// The object key or a pattern of keys (`dir/*`); empty for the bucket itself.
    pub key: String,
}

impl CosResource {
    /// Reads a modern or legacy COS resource; `None` for anything else (`*`, CI resources…).
    ///
    /// ```
    /// use cos_sign::cam::CosResource;
    /// let legacy = CosResource::parse("qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/dir/*").unwrap();
    /// let modern = CosResource::parse("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/*").unwrap();
    /// assert_eq!(legacy, modern);
    /// assert_eq!(legacy.to_string(), "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/dir/*");
    /// ```
    pub fn parse(resource: &str) -> Option<Self> {
        let rest = resource.strip_prefix("qcs::cos:")?;
        let (region, rest) = rest.split_once(':')?;
        let (account, path) = rest.split_once(':')?;
        let appid = account.strip_prefix("uid/")?;
        if appid.is_empty() {
            return None;
        }
        let (bucket, key) = match path.strip_prefix("prefix//") {
            Some(legacy) => {
                let legacy = legacy.strip_prefix(appid)?.strip_prefix('/')?;
                let (short, key) = legacy.split_once('/').unwrap_or((legacy, ""));
                (format!("{short}-{appid}"), key)
            }
            None => {
                let (bucket, key) = path.split_once('/')?;
                (bucket.into(), key)
            }
        };
        if bucket.is_empty() {
            return None;
        }
        Some(Self {
            region: region.into(),
            appid: appid.into(),
            bucket,
            key: key.into(),
        })
    }
}

/// The modern form.
impl core::fmt::Display for CosResource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "qcs::cos:{}:uid/{}:{}/{}",
            self.region, self.appid, self.bucket, self.key
        )
    }
}

/// The resource in modern form when it is a legacy COS one, otherwise as given.
pub fn normalise(resource: &str) -> Cow<'_, str> {
    if resource.contains(":prefix//")
        && let Some(parsed) = CosResource::parse(resource)
    {
        return Cow::Owned(alloc::string::ToString::to_string(&parsed));
    }
    Cow::Borrowed(resource)
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (none, or
/// several, `/` included) and everything else matches itself, case-sensitively.
///
/// ```
/// use cos_sign::cam::wildcard_match;
/// assert!(wildcard_match("name/cos:*", "name/cos:PutObject"));
/// assert!(wildcard_match("b-1/doc/*", "b-1/doc/a/b.txt"));
/// assert!(wildcard_match("b-1/doc/*", "b-1/doc/"));
/// assert!(!wildcard_match("b-1/doc/*", "b-1/doc"));
/// assert!(!wildcard_match("name/cos:putobject", "name/cos:PutObject"));
/// ```
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it is currently made to cover up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((star_pi, star_ti)) = star {
            // Let the last `*` take one more character and retry after it.
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, star_ti + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether a statement's `pattern` covers the request's `resource`: segment by segment
/// (`qcs:project:service:region:account:resource`), an empty region or account in the pattern
/// meaning any (CAM doc 598/10606), `*` a wildcard everywhere, legacy COS forms normalised.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    let (pattern, resource) = (normalise(pattern), normalise(resource));
    if wildcard_match(&pattern, &resource) {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let r: Vec<&str> = resource.splitn(6, ':').collect();
    if p.len() != 6 || r.len() != 6 {
        return false;
    }
    p.iter().zip(&r).enumerate().all(|(segment, (ps, rs))| {
        // region (3) and account (4): empty in the pattern means any.
        ((segment == 3 || segment == 4) && ps.is_empty()) || wildcard_match(ps, rs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_backtrack() {
        for (p, t, m) in [
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("*.txt", "dir/a.txt.txt", true),
            ("**", "x", true),
            ("a*", "b", false),
            ("dir/1.txt", "dir/1.txt", true),
            ("dir/1.txt", "dir/1.txtx", false),
        ] {
            assert_eq!(wildcard_match(p, t), m, "{p} {t}");
        }
    }

    #[test]
    fn parse_refuses_other_resources() {
        for bad in [
            "*",
            "qcs::ci:ap-guangzhou:uid/1:bucket/b-1/*",
            "qcs::cos:ap-guangzhou:uid/:b-1/k",
            "qcs::cos:ap-guangzhou:1:b-1/k",
            "qcs::cos:ap-guangzhou:uid/1:b-1",
            "qcs::cos:ap-guangzhou:uid/1:/k",
            "qcs::cos:ap-guangzhou:uid/1:prefix//2/b/k",
        ] {
            assert_eq!(CosResource::parse(bad), None, "{bad}");
        }
        let bucket_level = CosResource::parse("qcs::cos:ap-guangzhou:uid/1:prefix//1/b").unwrap();
        assert_eq!(
            (bucket_level.bucket.as_str(), bucket_level.key.as_str()),
            ("b-1", "")
        );
        let colon_key = CosResource::parse("qcs::cos::uid/1:b-1/a:b").unwrap();
        assert_eq!(
            (colon_key.region.as_str(), colon_key.key.as_str()),
            ("", "a:b")
        );
    }

    #[test]
    fn empty_region_and_account_mean_any() {
        let r = "qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/k";
        assert!(resource_matches(
            "qcs::cos::uid/1250000000:b-1250000000/*",
            r
        ));
        assert!(resource_matches("qcs::cos:ap-guangzhou::b-1250000000/k", r));
        assert!(resource_matches("*", r));
        assert!(resource_matches("qcs::cos:*", r));
        assert!(!resource_matches(
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/*",
            r
        ));
        assert!(!resource_matches(
            "qcs::cos::uid/1250000001:b-1250000000/*",
            r
        ));
        assert!(!resource_matches(
            "qcs::cvm::uid/1250000000:b-1250000000/*",
            r
        ));
        assert!(resource_matches(
            "qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/b/*",
            "qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/a/b"
        ));
    }
}
