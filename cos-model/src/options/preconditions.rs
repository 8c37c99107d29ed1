//! `Preconditions`: conditional-request headers (`If-*`, or `x-cos-copy-source-If-*` on copies).

use crate::request::RequestSpec;
use crate::{ETag, ModelError};
use std::time::SystemTime;

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
