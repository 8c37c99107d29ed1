//! [`PartListing`]: the parts uploaded so far to one multipart upload (List Parts) as a stream
//! in part-number order, page after page.

use cos_model::ops::{ListParts, ListPartsResult, PartInfo, PartNumberMarker};
use cos_model::{ObjectKey, UploadId};
use cos_transport::Client;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::{MAX_PAGE_SIZE, Paged, check_page_size, pages};
use crate::Error;

/// A listing of the parts of upload `upload_id` of `key` (List Parts); pages of 1000 by
/// default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartListing {
    key: ObjectKey,
    upload_id: UploadId,
    page_size: u32,
}

impl PartListing {
    /// The parts of `upload_id` of `key`.
    pub fn new(key: ObjectKey, upload_id: UploadId) -> Self {
        Self {
            key,
            upload_id,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Parts per request (`max-parts`, 1..=1000; 1000 by default).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    fn first_request(&self) -> Result<ListParts, Error> {
        Ok(ListParts::new(self.key.clone(), self.upload_id.clone())
            .max_parts(check_page_size("page_size", self.page_size)?))
    }

    /// The pages as COS answered them, one request each.
    pub fn pages(&self, client: &Client) -> BoxStream<'static, Result<ListPartsResult, Error>> {
        pages(client.clone(), self.first_request())
    }

    /// The parts in part-number order.
    pub fn parts(&self, client: &Client) -> BoxStream<'static, Result<PartInfo, Error>> {
        self.pages(client)
            .map_ok(|page| stream::iter(page.parts.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

impl Paged for ListParts {
    type Marker = PartNumberMarker;

    fn after(&self, marker: PartNumberMarker) -> Self {
        self.clone().marker(marker)
    }

    fn describe(marker: &PartNumberMarker) -> String {
        format!("part {}", marker.0)
    }

    fn truncated(page: &ListPartsResult) -> bool {
        page.is_truncated
    }

    fn next_marker(page: &ListPartsResult) -> Option<PartNumberMarker> {
        page.next_page()
    }

    /// Part numbers only grow.
    fn advances(previous: Option<&PartNumberMarker>, next: &PartNumberMarker) -> bool {
        previous.map_or(next.0 > 0, |p| next > p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_markers_only_grow() {
        let m = PartNumberMarker;
        assert!(ListParts::advances(None, &m(3)));
        assert!(!ListParts::advances(None, &m(0)));
        assert!(ListParts::advances(Some(&m(3)), &m(4)));
        assert!(!ListParts::advances(Some(&m(3)), &m(3)));
        assert!(!ListParts::advances(Some(&m(3)), &m(2)));
        let listing = PartListing::new(ObjectKey::new("k").unwrap(), UploadId::new("u").unwrap());
        assert!(listing.clone().page_size(0).first_request().is_err());
        assert_eq!(
            listing.first_request().unwrap(),
            ListParts::new(ObjectKey::new("k").unwrap(), UploadId::new("u").unwrap())
                .max_parts(1000)
        );
    }
}
