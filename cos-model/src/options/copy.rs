//! What a copy reads and keeps: its source (`x-cos-copy-source`) and whether it keeps the
//! source's metadata (`x-cos-metadata-directive`).

use crate::{BucketName, Endpoint, ModelError, ObjectKey, Region};
use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
