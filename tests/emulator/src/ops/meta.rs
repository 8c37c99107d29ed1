//! Object metadata taken from request headers (with COS's limits) and put back on answers.

use crate::error::{CosError, ErrorCode};
use crate::reply::{Reply, set};
use crate::world::{ObjectMeta, StoredObject};
use http::{HeaderMap, HeaderName, HeaderValue, header};

/// Largest single `x-cos-meta-*` header (name + value), bytes.
pub const MAX_META_HEADER: usize = 2 * 1024;
/// Largest total of `x-cos-meta-*` headers, bytes.
pub const MAX_META_TOTAL: usize = 4 * 1024;

const STORAGE_CLASSES: [&str; 8] = [
    "STANDARD",
    "STANDARD_IA",
    "ARCHIVE",
    "DEEP_ARCHIVE",
    "INTELLIGENT_TIERING",
    "MAZ_STANDARD",
    "MAZ_STANDARD_IA",
    "MAZ_INTELLIGENT_TIERING",
];

const ACLS: [&str; 4] = ["private", "public-read", "public-read-write", "default"];

fn invalid(msg: impl Into<String>) -> CosError {
    CosError::with_message(ErrorCode::InvalidArgument, msg)
}

/// Checks the headers every write takes (ACL, traffic limit, encryption) and returns the
/// metadata to store.
pub fn from_headers(headers: &HeaderMap) -> Result<ObjectMeta, CosError> {
    let mut meta = ObjectMeta {
        content_type: headers.get(header::CONTENT_TYPE).cloned(),
        ..ObjectMeta::default()
    };
    for name in [
        header::CACHE_CONTROL,
        header::CONTENT_DISPOSITION,
        header::CONTENT_ENCODING,
        header::CONTENT_LANGUAGE,
        header::EXPIRES,
    ] {
        if let Some(v) = headers.get(&name) {
            meta.standard.push((name, v.clone()));
        }
    }
    let mut total = 0;
    for (name, value) in headers {
        if let Some(suffix) = name.as_str().strip_prefix("x-cos-meta-") {
            if suffix.is_empty()
                || !suffix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(invalid(format!(
                    "Invalid metadata header name `{name}`: use a-z, 0-9 and -."
                )));
            }
            let size = name.as_str().len() + value.len();
            if size > MAX_META_HEADER {
                return Err(invalid(format!(
                    "The metadata header `{name}` exceeds 2 KB."
                )));
            }
            total += size;
            meta.user.push((name.clone(), value.clone()));
        }
    }
    if total > MAX_META_TOTAL {
        return Err(invalid(
            "Your metadata headers exceed the maximum allowed metadata size (4 KB).",
        ));
    }
    meta.user.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    meta.storage_class = match header_str(headers, "x-cos-storage-class")? {
        None => "STANDARD".to_string(),
        Some(s) => {
            let up = s.to_ascii_uppercase();
            if !STORAGE_CLASSES.contains(&up.as_str()) {
                return Err(invalid(format!("Invalid storage class `{s}`.")));
            }
            up
        }
    };
    check_common(headers)?;
    if let Some(v) = headers.get("x-cos-server-side-encryption") {
        match v.to_str() {
            Ok("AES256") => meta.sse = Some(v.clone()),
            Ok("cos/kms") => {
                return Err(CosError::with_message(
                    ErrorCode::NotImplemented,
                    "SSE-KMS is not modelled by the emulator.",
                ));
            }
            _ => return Err(invalid("Invalid x-cos-server-side-encryption value.")),
        }
    }
    if headers.contains_key("x-cos-server-side-encryption-customer-algorithm") {
        return Err(CosError::with_message(
            ErrorCode::NotImplemented,
            "SSE-C is not modelled by the emulator.",
        ));
    }
    Ok(meta)
}

/// The checks of headers that any write may carry but that are not stored.
pub fn check_common(headers: &HeaderMap) -> Result<(), CosError> {
    if let Some(acl) = header_str(headers, "x-cos-acl")?
        && !ACLS.contains(&acl)
    {
        return Err(invalid(format!("Invalid x-cos-acl `{acl}`.")));
    }
    if let Some(limit) = header_str(headers, "x-cos-traffic-limit")? {
        let ok = limit
            .parse::<u64>()
            .is_ok_and(|v| (819_200..=838_860_800).contains(&v));
        if !ok {
            return Err(invalid(
                "x-cos-traffic-limit must be within 819200..=838860800 bit/s.",
            ));
        }
    }
    Ok(())
}

/// Whether `x-cos-forbid-overwrite: true` was sent.
pub fn forbid_overwrite(headers: &HeaderMap) -> bool {
    headers
        .get("x-cos-forbid-overwrite")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// 409 FileAlreadyExists when overwriting is forbidden and `exists`.
pub fn check_overwrite(forbid: bool, exists: bool) -> Result<(), CosError> {
    if forbid && exists {
        return Err(CosError::new(ErrorCode::FileAlreadyExists));
    }
    Ok(())
}

/// A header as text; non-text values are `InvalidArgument`.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, CosError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| invalid(format!("The header {name} is not valid text."))),
    }
}

/// Puts an object's headers on a GET/HEAD answer (with `response-*` overrides applied by the caller).
pub fn apply(reply: &mut Reply, obj: &StoredObject) {
    let h = reply.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        obj.meta
            .content_type
            .clone()
            .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream")),
    );
    for (n, v) in &obj.meta.standard {
        h.insert(n.clone(), v.clone());
    }
    for (n, v) in &obj.meta.user {
        h.insert(n.clone(), v.clone());
    }
    if obj.meta.storage_class != "STANDARD" {
        set(
            reply,
            HeaderName::from_static("x-cos-storage-class"),
            &obj.meta.storage_class,
        );
    }
    if let Some(sse) = &obj.meta.sse {
        reply.headers_mut().insert(
            HeaderName::from_static("x-cos-server-side-encryption"),
            sse.clone(),
        );
    }
    set(reply, header::ETAG, &obj.etag);
    set(reply, header::LAST_MODIFIED, &obj.last_modified.http_date());
    set(
        reply,
        HeaderName::from_static("x-cos-hash-crc64ecma"),
        &obj.crc64.to_string(),
    );
    set(reply, header::ACCEPT_RANGES, "bytes");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn takes_metadata() {
        let m = from_headers(&headers(&[
            ("content-type", "text/plain"),
            ("x-cos-meta-b", "2"),
            ("x-cos-meta-a", "1"),
            ("x-cos-storage-class", "standard_ia"),
            ("cache-control", "no-cache"),
        ]))
        .unwrap();
        assert_eq!(m.storage_class, "STANDARD_IA");
        assert_eq!(m.user[0].0.as_str(), "x-cos-meta-a");
        assert_eq!(m.standard.len(), 1);
    }

    #[test]
    fn enforces_limits() {
        let big = "v".repeat(2040);
        assert!(from_headers(&headers(&[("x-cos-meta-a", &big)])).is_err());
        let mid = "v".repeat(1500);
        let hs = headers(&[
            ("x-cos-meta-a", &mid),
            ("x-cos-meta-b", &mid),
            ("x-cos-meta-c", &mid),
        ]);
        assert_eq!(
            from_headers(&hs).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert!(from_headers(&headers(&[("x-cos-meta-a_b", "1")])).is_err());
        assert!(from_headers(&headers(&[("x-cos-storage-class", "GOLD")])).is_err());
        assert!(from_headers(&headers(&[("x-cos-acl", "everyone")])).is_err());
        assert!(from_headers(&headers(&[("x-cos-traffic-limit", "100")])).is_err());
        assert!(from_headers(&headers(&[("x-cos-traffic-limit", "819200")])).is_ok());
    }
}
