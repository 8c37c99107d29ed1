//! `ObjectOptions`: the headers describing a stored object (content headers, metadata,
//! storage class, ACL and grants, tagging, encryption) for PUT Object, Initiate Multipart
//! Upload and a copy that replaces metadata.

use super::{Acl, ServerSideEncryption, StorageClass, metadata};
use crate::ModelError;
use crate::request::RequestSpec;

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

    /// Adds the headers to a request.
    pub(crate) fn apply(&self, spec: &mut RequestSpec<'_>) -> Result<(), ModelError> {
        metadata::check(&self.metadata)?;
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
        if let Some(sse) = &self.server_side_encryption {
            sse.apply(spec)?;
        }
        for (name, value) in &self.extra_headers {
            spec.header(name, value)?;
        }
        Ok(())
    }
}
