//! [`UploadListing`]: the multipart uploads begun and neither completed nor aborted (List
//! Multipart Uploads) as a stream in key order, page after page.

use cos_model::ops::{ListMultipartUploads, ListMultipartUploadsResult, UploadInfo, UploadMarker};
use cos_transport::Client;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::{MAX_PAGE_SIZE, Paged, check_page_size, merge_by_key, pages};
use crate::Error;

/// One entry of an upload listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEntry {
    /// An unfinished multipart upload.
    Upload(UploadInfo),
    /// A common prefix (with a delimiter).
    Prefix(String),
}

impl UploadEntry {
    /// The upload's key or the common prefix.
    pub fn key(&self) -> &str {
        match self {
            UploadEntry::Upload(u) => &u.key,
            UploadEntry::Prefix(p) => p,
        }
    }
}

/// A listing of a bucket's unfinished multipart uploads (List Multipart Uploads). Defaults:
/// every key, no delimiter, pages of 1000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadListing {
    prefix: Option<String>,
    delimiter: Option<String>,
    page_size: u32,
}

impl Default for UploadListing {
    fn default() -> Self {
        Self::new()
    }
}

impl UploadListing {
    /// Every unfinished upload of the bucket.
    pub fn new() -> Self {
        Self {
            prefix: None,
            delimiter: None,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Only uploads whose key starts with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into()).filter(|p| !p.is_empty());
        self
    }

    /// Folds keys that contain `delimiter` after the prefix into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into()).filter(|d| !d.is_empty());
        self
    }

    /// Uploads per request (`max-uploads`, 1..=1000; 1000 by default).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    fn first_request(&self) -> Result<ListMultipartUploads, Error> {
        let mut op =
            ListMultipartUploads::new().max_uploads(check_page_size("page_size", self.page_size)?);
        if let Some(p) = &self.prefix {
            op = op.prefix(p.as_str());
        }
        if let Some(d) = &self.delimiter {
            op = op.delimiter(d.as_str());
        }
        Ok(op)
    }

    /// The pages as COS answered them (decoded), one request each.
    pub fn pages(
        &self,
        client: &Client,
    ) -> BoxStream<'static, Result<ListMultipartUploadsResult, Error>> {
        pages(client.clone(), self.first_request())
    }

    /// Uploads and common prefixes in key order (uploads of one key by upload id).
    pub fn entries(&self, client: &Client) -> BoxStream<'static, Result<UploadEntry, Error>> {
        self.pages(client)
            .map_ok(|page| {
                let entries = merge_by_key(
                    page.uploads,
                    page.common_prefixes,
                    |u| u.key.as_str(),
                    UploadEntry::Upload,
                    UploadEntry::Prefix,
                );
                stream::iter(entries.into_iter().map(Ok))
            })
            .try_flatten()
            .boxed()
    }

    /// Only the uploads (common prefixes are skipped).
    pub fn uploads(&self, client: &Client) -> BoxStream<'static, Result<UploadInfo, Error>> {
        self.pages(client)
            .map_ok(|page| stream::iter(page.uploads.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

impl Paged for ListMultipartUploads {
    type Marker = UploadMarker;

    fn after(&self, marker: UploadMarker) -> Self {
        self.clone().marker(marker)
    }

    fn describe(marker: &UploadMarker) -> String {
        match &marker.upload_id {
            Some(id) => format!("{} (upload id {id})", marker.key),
            None => marker.key.clone(),
        }
    }

    fn truncated(page: &ListMultipartUploadsResult) -> bool {
        page.is_truncated
    }

    fn next_marker(page: &ListMultipartUploadsResult) -> Option<UploadMarker> {
        page.next_page()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        assert_eq!(
            UploadListing::new()
                .prefix("a/")
                .delimiter("/")
                .page_size(7)
                .first_request()
                .unwrap(),
            ListMultipartUploads::new()
                .max_uploads(7)
                .prefix("a/")
                .delimiter("/")
        );
        assert!(
            UploadListing::new()
                .page_size(1001)
                .first_request()
                .is_err()
        );
    }
}
