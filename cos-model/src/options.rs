//! Typed request options shared by several operations: storage class, ACL, object headers
//! and metadata, traffic limit, byte ranges, preconditions, copy sources.

use crate::request::RequestSpec;
use crate::{BucketName, ETag, Endpoint, ModelError, ObjectKey, Region};
use std::fmt;
use std::time::SystemTime;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$d:meta])* $v:ident = $t:literal, )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$d])* $v, )*
            /// A value this crate does not know, verbatim.
            Other(String),
        }

        impl $name {
            /// The value as COS writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$v => $t, )*
                    $name::Other(s) => s,
                }
            }

            /// Every known value.
            pub fn known() -> &'static [$name] {
                &[$( $name::$v, )*]
            }
        }

        impl From<&str> for $name {
            /// Known values match case-insensitively; anything else is `Other`.
            fn from(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($t) { return $name::$v; } )*
                $name::Other(s.to_owned())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }
    };
}

string_enum! {
    /// An object's storage class (`x-cos-storage-class`, `<StorageClass>`).
    StorageClass {
        /// `STANDARD`.
        Standard = "STANDARD",
        /// `STANDARD_IA` (infrequent access).
        StandardIa = "STANDARD_IA",
        /// `ARCHIVE`.
        Archive = "ARCHIVE",
        /// `DEEP_ARCHIVE`.
        DeepArchive = "DEEP_ARCHIVE",
        /// `INTELLIGENT_TIERING`.
        IntelligentTiering = "INTELLIGENT_TIERING",
        /// `MAZ_STANDARD` (multi-AZ).
        MazStandard = "MAZ_STANDARD",
        /// `MAZ_STANDARD_IA`.
        MazStandardIa = "MAZ_STANDARD_IA",
        /// `MAZ_INTELLIGENT_TIERING`.
        MazIntelligentTiering = "MAZ_INTELLIGENT_TIERING",
    }
}

string_enum! {
    /// A canned ACL (`x-cos-acl`).
    Acl {
        /// `private`.
        Private = "private",
        /// `public-read`.
        PublicRead = "public-read",
        /// `public-read-write` (buckets).
        PublicReadWrite = "public-read-write",
        /// `authenticated-read` (buckets).
        AuthenticatedRead = "authenticated-read",
        /// `default`: inherit the bucket's ACL (objects).
        Default = "default",
        /// `bucket-owner-read` (objects).
        BucketOwnerRead = "bucket-owner-read",
        /// `bucket-owner-full-control` (objects).
        BucketOwnerFullControl = "bucket-owner-full-control",
    }
}

/// Whether a copy keeps the source's metadata (`x-cos-metadata-directive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MetadataDirective {
    /// `Copy`: keep the source's metadata (the default).
    #[default]
    Copy,
    /// `Replaced`: use the metadata of the copy request.
    Replaced,
}

impl MetadataDirective {
    /// `Copy` or `Replaced`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetadataDirective::Copy => "Copy",
            MetadataDirective::Replaced => "Replaced",
        }
    }
}

/// Server-side encryption of the stored object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerSideEncryption {
    /// `x-cos-server-side-encryption: AES256` (COS-managed keys).
    Aes256,
    /// `x-cos-server-side-encryption: cos/kms`, optionally with a key id and a context.
    Kms {
        /// `x-cos-server-side-encryption-cos-kms-key-id`.
        key_id: Option<String>,
        /// `x-cos-server-side-encryption-context` (Base64 of a JSON object).
        context: Option<String>,
    },
}

/// A bandwidth limit for one request (`x-cos-traffic-limit`), in bit/s:
/// 819 200 (100 KB/s) to 838 860 800 (100 MB/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrafficLimit(u64);

impl TrafficLimit {
    /// The lowest accepted limit, bit/s.
    pub const MIN: u64 = 819_200;
    /// The highest accepted limit, bit/s.
    pub const MAX: u64 = 838_860_800;

    /// A limit of `bits_per_second`, which must be in `MIN..=MAX`.
    pub fn new(bits_per_second: u64) -> Result<Self, ModelError> {
        if (Self::MIN..=Self::MAX).contains(&bits_per_second) {
            Ok(Self(bits_per_second))
        } else {
            Err(ModelError::InvalidParameter {
                parameter: "x-cos-traffic-limit",
                reason: format!(
                    "{bits_per_second} bit/s is outside {}..={} bit/s",
                    Self::MIN,
                    Self::MAX
                ),
            })
        }
    }

    /// The limit in bit/s.
    pub fn bits_per_second(self) -> u64 {
        self.0
    }
}

/// A byte range (`Range: bytes=…`), inclusive as in HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteRange {
    /// `bytes=first-last`.
    Inclusive {
        /// The first byte's offset.
        first: u64,
        /// The last byte's offset (inclusive).
        last: u64,
    },
    /// `bytes=first-`: from `first` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// `bytes=first-last`; `last` must not be before `first`.
    pub fn new(first: u64, last: u64) -> Result<Self, ModelError> {
        if last < first {
            return Err(ModelError::InvalidParameter {
                parameter: "range",
                reason: format!("last byte {last} is before first byte {first}"),
            });
        }
        Ok(ByteRange::Inclusive { first, last })
    }

    /// The range of `len` bytes at `offset` (`len` > 0).
    pub fn at(offset: u64, len: u64) -> Result<Self, ModelError> {
        if len == 0 {
            return Err(ModelError::InvalidParameter {
                parameter: "range",
                reason: "an empty range cannot be requested".to_owned(),
            });
        }
        let last = offset
            .checked_add(len - 1)
            .ok_or_else(|| ModelError::InvalidParameter {
                parameter: "range",
                reason: "offset + length overflows".to_owned(),
            })?;
        Self::new(offset, last)
    }
}

impl fmt::Display for ByteRange {
    /// `bytes=…` as in a `Range` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::Inclusive { first, last } => write!(f, "bytes={first}-{last}"),
            ByteRange::From(first) => write!(f, "bytes={first}-"),
            ByteRange::Suffix(n) => write!(f, "bytes=-{n}"),
        }
    }
}

/// Conditional-request headers (`If-Match`, `If-None-Match`, `If-Modified-Since`,
/// `If-Unmodified-Since`), or their `x-cos-copy-source-If-*` forms for copies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preconditions {
    /// Proceed only if the ETag matches.
    pub if_match: Option<ETag>,
    /// Proceed only if the ETag does not match.
    pub if_none_match: Option<ETag>,
    /// Proceed only if modified after this time.
    pub if_modified_since: Option<SystemTime>,
    /// Proceed only if not modified after this time.
    pub if_unmodified_since: Option<SystemTime>,
}

impl Preconditions {
    /// No conditions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `If-Match`.
    pub fn if_match(mut self, etag: ETag) -> Self {
        self.if_match = Some(etag);
        self
    }

    /// Sets `If-None-Match`.
    pub fn if_none_match(mut self, etag: ETag) -> Self {
        self.if_none_match = Some(etag);
        self
    }

    /// Sets `If-Modified-Since`.
    pub fn if_modified_since(mut self, t: SystemTime) -> Self {
        self.if_modified_since = Some(t);
        self
    }

    /// Sets `If-Unmodified-Since`.
    pub fn if_unmodified_since(mut self, t: SystemTime) -> Self {
        self.if_unmodified_since = Some(t);
        self
    }

    /// Adds the headers, each name prefixed with `prefix` (`""` or `x-cos-copy-source-`).
    pub(crate) fn apply(&self, spec: &mut RequestSpec<'_>, prefix: &str) -> Result<(), ModelError> {
        if let Some(e) = &self.if_match {
            spec.header(&format!("{prefix}if-match"), &e.quoted())?;
        }
        if let Some(e) = &self.if_none_match {
            spec.header(&format!("{prefix}if-none-match"), &e.quoted())?;
        }
        if let Some(t) = self.if_modified_since {
            spec.header(
                &format!("{prefix}if-modified-since"),
                &httpdate::fmt_http_date(t),
            )?;
        }
        if let Some(t) = self.if_unmodified_since {
            spec.header(
                &format!("{prefix}if-unmodified-since"),
                &httpdate::fmt_http_date(t),
            )?;
        }
        Ok(())
    }
}

/// The largest single `x-cos-meta-*` header, in bytes (name and value).
pub const MAX_METADATA_ENTRY: usize = 2 * 1024;
/// The largest total of `x-cos-meta-*` headers, in bytes.
pub const MAX_METADATA_TOTAL: usize = 4 * 1024;

/// Headers describing a stored object, for PUT Object, Initiate Multipart Upload and a copy
/// that replaces metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectOptions {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// `x-cos-meta-<name>: <value>` pairs (names: `a-z0-9-`, lowercased on the way).
    pub metadata: Vec<(String, String)>,
    /// `x-cos-storage-class`.
    pub storage_class: Option<StorageClass>,
    /// `x-cos-acl`.
    pub acl: Option<Acl>,
    /// `x-cos-grant-read` (e.g. `id="100000000001"`).
    pub grant_read: Option<String>,
    /// `x-cos-grant-read-acp`.
    pub grant_read_acp: Option<String>,
    /// `x-cos-grant-write-acp`.
    pub grant_write_acp: Option<String>,
    /// `x-cos-grant-full-control`.
    pub grant_full_control: Option<String>,
    /// `x-cos-tagging` (`key1=value1&key2=value2`).
    pub tagging: Option<String>,
    /// Server-side encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// Any other headers, sent as given.
    pub extra_headers: Vec<(String, String)>,
}

impl ObjectOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `Content-Type`.
    pub fn content_type(mut self, v: impl Into<String>) -> Self {
        self.content_type = Some(v.into());
        self
    }

    /// Sets `Cache-Control`.
    pub fn cache_control(mut self, v: impl Into<String>) -> Self {
        self.cache_control = Some(v.into());
        self
    }

    /// Sets `Content-Disposition`.
    pub fn content_disposition(mut self, v: impl Into<String>) -> Self {
        self.content_disposition = Some(v.into());
        self
    }

    /// Sets `Content-Encoding`.
    pub fn content_encoding(mut self, v: impl Into<String>) -> Self {
        self.content_encoding = Some(v.into());
        self
    }

    /// Sets `Content-Language`.
    pub fn content_language(mut self, v: impl Into<String>) -> Self {
        self.content_language = Some(v.into());
        self
    }

    /// Sets `Expires`.
    pub fn expires(mut self, v: impl Into<String>) -> Self {
        self.expires = Some(v.into());
        self
    }

    /// Adds `x-cos-meta-<name>: <value>`.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((name.into(), value.into()));
        self
    }

    /// Sets `x-cos-storage-class`.
    pub fn storage_class(mut self, v: StorageClass) -> Self {
        self.storage_class = Some(v);
        self
    }

    /// Sets `x-cos-acl`.
    pub fn acl(mut self, v: Acl) -> Self {
        self.acl = Some(v);
        self
    }

    /// Sets `x-cos-grant-read`.
    pub fn grant_read(mut self, v: impl Into<String>) -> Self {
        self.grant_read = Some(v.into());
        self
    }

    /// Sets `x-cos-grant-full-control`.
    pub fn grant_full_control(mut self, v: impl Into<String>) -> Self {
        self.grant_full_control = Some(v.into());
        self
    }

    /// Sets `x-cos-tagging`.
    pub fn tagging(mut self, v: impl Into<String>) -> Self {
        self.tagging = Some(v.into());
        self
    }

    /// Sets server-side encryption.
    pub fn server_side_encryption(mut self, v: ServerSideEncryption) -> Self {
        self.server_side_encryption = Some(v);
        self
    }

    /// Adds any other header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// Checks the metadata names and sizes.
    fn check_metadata(&self) -> Result<(), ModelError> {
        let mut total = 0;
        for (name, value) in &self.metadata {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(ModelError::InvalidHeader {
                    name: format!("x-cos-meta-{name}"),
                    reason: "metadata names are ASCII letters, digits, '-' and '_'".to_owned(),
                });
            }
            let size = "x-cos-meta-".len() + name.len() + value.len();
            if size > MAX_METADATA_ENTRY {
                return Err(ModelError::InvalidHeader {
                    name: format!("x-cos-meta-{name}"),
                    reason: format!("{size} bytes, COS allows {MAX_METADATA_ENTRY}"),
                });
            }
            total += size;
        }
        if total > MAX_METADATA_TOTAL {
            return Err(ModelError::InvalidParameter {
                parameter: "x-cos-meta-*",
                reason: format!("{total} bytes of metadata, COS allows {MAX_METADATA_TOTAL}"),
            });
        }
        Ok(())
    }

    /// Adds the headers to a request.
    pub(crate) fn apply(&self, spec: &mut RequestSpec<'_>) -> Result<(), ModelError> {
        self.check_metadata()?;
        spec.header_opt("content-type", self.content_type.as_deref())?;
        spec.header_opt("cache-control", self.cache_control.as_deref())?;
        spec.header_opt("content-disposition", self.content_disposition.as_deref())?;
        spec.header_opt("content-encoding", self.content_encoding.as_deref())?;
        spec.header_opt("content-language", self.content_language.as_deref())?;
        spec.header_opt("expires", self.expires.as_deref())?;
        for (name, value) in &self.metadata {
            spec.header(&format!("x-cos-meta-{}", name.to_ascii_lowercase()), value)?;
        }
        spec.header_opt(
            "x-cos-storage-class",
            self.storage_class.as_ref().map(StorageClass::as_str),
        )?;
        spec.header_opt("x-cos-acl", self.acl.as_ref().map(Acl::as_str))?;
        spec.header_opt("x-cos-grant-read", self.grant_read.as_deref())?;
        spec.header_opt("x-cos-grant-read-acp", self.grant_read_acp.as_deref())?;
        spec.header_opt("x-cos-grant-write-acp", self.grant_write_acp.as_deref())?;
        spec.header_opt(
            "x-cos-grant-full-control",
            self.grant_full_control.as_deref(),
        )?;
        spec.header_opt("x-cos-tagging", self.tagging.as_deref())?;
        match &self.server_side_encryption {
            None => {}
            Some(ServerSideEncryption::Aes256) => {
                spec.header("x-cos-server-side-encryption", "AES256")?;
            }
            Some(ServerSideEncryption::Kms { key_id, context }) => {
                spec.header("x-cos-server-side-encryption", "cos/kms")?;
                spec.header_opt(
                    "x-cos-server-side-encryption-cos-kms-key-id",
                    key_id.as_deref(),
                )?;
                spec.header_opt("x-cos-server-side-encryption-context", context.as_deref())?;
            }
        }
        for (name, value) in &self.extra_headers {
            spec.header(name, value)?;
        }
        Ok(())
    }
}

/// The source of a copy (`x-cos-copy-source`): `<host>/<encoded key>[?versionId=<id>]`, where
/// the host is the source bucket's (`<bucket>.cos.<region>.myqcloud.com`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CopySource {
    host: String,
    path: String,
    version_id: Option<String>,
}

impl CopySource {
    /// An object of `bucket` in `region` on COS's default domain.
    pub fn new(bucket: &BucketName, region: &Region, key: &ObjectKey) -> Self {
        Self {
            host: if region.is_legacy() {
                format!("{bucket}.{region}.myqcloud.com")
            } else {
                format!("{bucket}.cos.{region}.myqcloud.com")
            },
            path: crate::endpoint::encoded_key_path(key),
            version_id: None,
        }
    }

    /// An object addressed through `endpoint` (its host and path; for path style
    /// `<host>/<bucket>/<key>`).
    pub fn from_endpoint(
        endpoint: &Endpoint,
        bucket: &BucketName,
        key: &ObjectKey,
    ) -> Result<Self, ModelError> {
        let t = endpoint.target(Some(bucket), Some(key))?;
        Ok(Self {
            host: t.host().to_owned(),
            path: t.path().to_owned(),
            version_id: None,
        })
    }

    /// The same source at a given version.
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }

    /// The header value.
    pub fn header_value(&self) -> String {
        match &self.version_id {
            Some(v) => format!(
                "{}{}?versionId={}",
                self.host,
                self.path,
                crate::encode::uri_encode(v)
            ),
            None => format!("{}{}", self.host, self.path),
        }
    }
}

impl fmt::Display for CopySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header_value())
    }
}

/// Base64 of the MD5 of `data`, as `Content-MD5` wants it.
pub fn content_md5(data: &[u8]) -> String {
    use base64::Engine;
    use md5::Digest;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

/// `Content-MD5` from a 16-byte MD5 digest.
pub fn content_md5_from_digest(digest: [u8; 16]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for s in StorageClass::known() {
            assert_eq!(&StorageClass::from(s.as_str()), s);
        }
        assert_eq!(StorageClass::from("standard"), StorageClass::Standard);
        assert_eq!(
            StorageClass::from("COLD"),
            StorageClass::Other("COLD".into())
        );
        for a in Acl::known() {
            assert_eq!(&Acl::from(a.as_str()), a);
        }
    }

    #[test]
    fn ranges_and_limits() {
        assert_eq!(ByteRange::new(0, 3).unwrap().to_string(), "bytes=0-3");
        assert_eq!(ByteRange::at(10, 5).unwrap().to_string(), "bytes=10-14");
        assert_eq!(ByteRange::From(7).to_string(), "bytes=7-");
        assert_eq!(ByteRange::Suffix(7).to_string(), "bytes=-7");
        assert!(ByteRange::new(4, 3).is_err());
        assert!(ByteRange::at(0, 0).is_err());
        assert!(TrafficLimit::new(819_199).is_err());
        assert!(TrafficLimit::new(838_860_801).is_err());
        assert_eq!(
            TrafficLimit::new(819_200).unwrap().bits_per_second(),
            819_200
        );
    }

    #[test]
    fn copy_source_header() {
        let b = BucketName::new("sourcebucket-1250000000").unwrap();
        let r = Region::new("ap-guangzhou").unwrap();
        let k = ObjectKey::new("dir/源 文件.txt").unwrap();
        let c = CopySource::new(&b, &r, &k);
        assert_eq!(
            c.header_value(),
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/%E6%BA%90%20%E6%96%87%E4%BB%B6.txt"
        );
        assert!(
            c.version_id("MTg0N+Q=")
                .header_value()
                .ends_with("?versionId=MTg0N%2BQ%3D")
        );
        let ep = Endpoint::path_style("http://127.0.0.1:9000").unwrap();
        let c = CopySource::from_endpoint(&ep, &b, &k).unwrap();
        assert!(
            c.header_value()
                .starts_with("127.0.0.1:9000/sourcebucket-1250000000/dir/")
        );
    }

    #[test]
    fn md5() {
        // The D1 vector of the protocol notes: body "ObjectContent".
        assert_eq!(content_md5(b"ObjectContent"), "mQ/fVh815F3k6TAUm8m0eg==");
    }

    #[test]
    fn metadata_checks() {
        let ok = ObjectOptions::new().metadata("Author", "Zhang San 张三");
        assert!(ok.check_metadata().is_ok());
        assert!(
            ObjectOptions::new()
                .metadata("a b", "x")
                .check_metadata()
                .is_err()
        );
        assert!(
            ObjectOptions::new()
                .metadata("", "x")
                .check_metadata()
                .is_err()
        );
        assert!(
            ObjectOptions::new()
                .metadata("big", "x".repeat(2100))
                .check_metadata()
                .is_err()
        );
        let many = (0..3).fold(ObjectOptions::new(), |o, i| {
            o.metadata(format!("m{i}"), "x".repeat(1500))
        });
        assert!(many.check_metadata().is_err());
    }
}
