//! [`ObjectListing`]: the objects of a bucket (GetBucket) as a stream of objects and common
//! prefixes in key order, page after page.

use cos_model::ops::{GetBucket, ListBucketResult, ObjectMarker, ObjectSummary};
use cos_transport::Client;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::{MAX_PAGE_SIZE, Paged, check_page_size, merge_by_key, pages};
use crate::Error;

/// One entry of an object listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectEntry {
    /// An object.
    Object(ObjectSummary),
    /// A common prefix (with a delimiter): every key starting with it is folded into it.
    Prefix(String),
}

impl ObjectEntry {
    /// The key or the common prefix.
    pub fn key(&self) -> &str {
        match self {
            ObjectEntry::Object(o) => &o.key,
            ObjectEntry::Prefix(p) => p,
        }
    }
}

/// A listing of a bucket's objects (GetBucket). Defaults: every key, no delimiter, pages of
/// 1000.
///
/// ```no_run
/// # async fn demo(client: cos_transport::Client) -> Result<(), cos_objects::Error> {
/// use cos_objects::{ObjectEntry, ObjectListing};
/// use futures_util::TryStreamExt;
///
/// let mut entries = ObjectListing::new().prefix("photos/").delimiter("/").entries(&client);
/// while let Some(entry) = entries.try_next().await? {
///     match entry {
///         ObjectEntry::Object(o) => println!("{} {}", o.size, o.key),
///         ObjectEntry::Prefix(p) => println!("{p}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectListing {
    prefix: Option<String>,
    delimiter: Option<String>,
    start_after: Option<String>,
    page_size: u32,
}

impl Default for ObjectListing {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectListing {
    /// Every object of the bucket.
    pub fn new() -> Self {
        Self {
            prefix: None,
            delimiter: None,
            start_after: None,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into()).filter(|p| !p.is_empty());
        self
    }

    /// Folds keys that contain `delimiter` after the prefix into common prefixes (`/` lists
    /// one "directory" level).
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into()).filter(|d| !d.is_empty());
        self
    }

    /// Starts after this key (COS's `marker`): the listing holds only keys sorting after it.
    pub fn start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into()).filter(|k| !k.is_empty());
        self
    }

    /// Entries per request (`max-keys`, 1..=1000; 1000 by default).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    fn first_request(&self) -> Result<GetBucket, Error> {
        let mut op = GetBucket::new().max_keys(check_page_size("page_size", self.page_size)?);
        if let Some(p) = &self.prefix {
            op = op.prefix(p.as_str());
        }
        if let Some(d) = &self.delimiter {
            op = op.delimiter(d.as_str());
        }
        if let Some(m) = &self.start_after {
            op = op.marker(ObjectMarker(m.clone()));
        }
        Ok(op)
    }

    /// The pages as COS answered them (decoded), one request each.
    pub fn pages(&self, client: &Client) -> BoxStream<'static, Result<ListBucketResult, Error>> {
        pages(client.clone(), self.first_request())
    }

    /// Objects and common prefixes in key order.
    pub fn entries(&self, client: &Client) -> BoxStream<'static, Result<ObjectEntry, Error>> {
        self.pages(client)
            .map_ok(|page| stream::iter(page_entries(page).into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Only the objects (common prefixes, if a delimiter folds keys into them, are skipped).
    pub fn objects(&self, client: &Client) -> BoxStream<'static, Result<ObjectSummary, Error>> {
        self.pages(client)
            .map_ok(|page| stream::iter(page.contents.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

/// A page's objects and common prefixes in key order.
fn page_entries(page: ListBucketResult) -> Vec<ObjectEntry> {
    merge_by_key(
        page.contents,
        page.common_prefixes,
        |o| o.key.as_str(),
        ObjectEntry::Object,
        ObjectEntry::Prefix,
    )
}

impl Paged for GetBucket {
    type Marker = ObjectMarker;

    fn after(&self, marker: ObjectMarker) -> Self {
        self.clone().marker(marker)
    }

    fn describe(marker: &ObjectMarker) -> String {
        marker.0.clone()
    }

    fn truncated(page: &ListBucketResult) -> bool {
        page.is_truncated
    }

    fn next_marker(page: &ListBucketResult) -> Option<ObjectMarker> {
        page.next_page()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let op = ObjectListing::new()
            .prefix("a/")
            .delimiter("/")
            .start_after("a/b")
            .page_size(10)
            .first_request()
            .unwrap();
        assert_eq!(
            op,
            GetBucket::new()
                .max_keys(10)
                .prefix("a/")
                .delimiter("/")
                .marker(ObjectMarker("a/b".into()))
        );
        assert!(matches!(
            ObjectListing::new().page_size(0).first_request(),
            Err(Error::InvalidOption {
                option: "page_size",
                ..
            })
        ));
        assert_eq!(
            ObjectListing::new()
                .prefix("")
                .delimiter("")
                .first_request()
                .unwrap(),
            GetBucket::new().max_keys(1000)
        );
    }

    #[test]
    fn entries_in_key_order() {
        let page = ListBucketResult {
            contents: ["a", "c/"]
                .into_iter()
                .map(|k| ObjectSummary {
                    key: k.into(),
                    ..ObjectSummary::default()
                })
                .collect(),
            common_prefixes: vec!["b/".into(), "d/".into()],
            ..ListBucketResult::default()
        };
        let keys: Vec<String> = page_entries(page)
            .iter()
            .map(|e| e.key().to_owned())
            .collect();
        assert_eq!(keys, ["a", "b/", "c/", "d/"]);
    }
}
