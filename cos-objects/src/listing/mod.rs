//! Listings as streams: GetBucket ([`ObjectListing`]), List Multipart Uploads
//! ([`UploadListing`]) and List Parts ([`PartListing`]).
//!
//! Each stream asks for the next page only when the one before is used up, so at most one
//! page (≤ 1000 entries) is held however long the listing. Every request asks for
//! `encoding-type=url`, and cos-model decodes keys, prefixes and markers before they arrive
//! here. A truncated page whose next marker does not advance ends the stream with
//! [`Error::Stalled`] instead of asking for the same page for ever.

mod objects;
mod parts;
mod uploads;

pub use objects::{ObjectEntry, ObjectListing};
pub use parts::PartListing;
pub use uploads::{UploadEntry, UploadListing};

use std::fmt::Debug;

use cos_model::Operation;
use cos_transport::Client;
use futures_util::stream::{self, BoxStream, StreamExt};

use crate::Error;

/// The largest page COS answers (`max-keys`, `max-uploads`, `max-parts`).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A listing operation that pages with a marker.
pub(crate) trait Paged: Operation + Clone + Send + Sync + 'static
where
    Self::Output: Send + 'static,
{
    /// What the next request starts after.
    type Marker: Clone + PartialEq + Debug + Send + Sync + 'static;

    /// The same request, starting after `marker`.
    fn after(&self, marker: Self::Marker) -> Self;

    /// Whether more pages follow `page` (`IsTruncated`).
    fn truncated(page: &Self::Output) -> bool;

    /// The marker of the page after a truncated `page`; `None` when the page names none
    /// (neither a next marker nor an entry to start after).
    fn next_marker(page: &Self::Output) -> Option<Self::Marker>;

    /// The marker as a user reads it (in errors).
    fn describe(marker: &Self::Marker) -> String;

    /// Whether `next` moves the listing on from `previous` (the marker of the request that
    /// answered it; `None` for the first request).
    fn advances(previous: Option<&Self::Marker>, next: &Self::Marker) -> bool {
        previous != Some(next)
    }
}

/// Checks a page size given to a listing builder.
pub(crate) fn check_page_size(option: &'static str, n: u32) -> Result<u32, Error> {
    if (1..=MAX_PAGE_SIZE).contains(&n) {
        Ok(n)
    } else {
        Err(Error::InvalidOption {
            option,
            reason: format!("{n} is outside 1..={MAX_PAGE_SIZE}"),
        })
    }
}

enum State<P: Paged>
where
    P::Output: Send + 'static,
{
    Next { op: P, previous: Option<P::Marker> },
    Done,
}

/// The pages of `first` and of the requests after it, one request per page pulled.
pub(crate) fn pages<P: Paged>(
    client: Client,
    first: Result<P, Error>,
) -> BoxStream<'static, Result<P::Output, Error>>
where
    P::Output: Send + 'static,
{
    let start = match (first, client.bucket()) {
        (Err(e), _) => return stream::once(async { Err(e) }).boxed(),
        (Ok(_), None) => return stream::once(async { Err(Error::NoBucket) }).boxed(),
        (Ok(op), Some(_)) => State::Next { op, previous: None },
    };
    stream::try_unfold(start, move |state| {
        let client = client.clone();
        async move {
            let State::Next { op, previous } = state else {
                return Ok(None);
            };
            let page = client.execute(&op).await?;
            let next = if !P::truncated(&page) {
                State::Done
            } else {
                match P::next_marker(&page) {
                    Some(marker) if P::advances(previous.as_ref(), &marker) => State::Next {
                        op: op.after(marker.clone()),
                        previous: Some(marker),
                    },
                    // truncated, but the next request would be this one again (or none can
                    // be made): stop rather than loop or end silently short
                    stuck => {
                        return Err(Error::Stalled {
                            operation: op.name(),
                            bucket: client.bucket().map(ToString::to_string).unwrap_or_default(),
                            marker: stuck
                                .or(previous)
                                .map_or_else(|| "(none)".to_owned(), |m| P::describe(&m)),
                        });
                    }
                }
            };
            tracing::debug!(
                operation = op.name(),
                last = matches!(next, State::Done),
                "listing page"
            );
            Ok(Some((page, next)))
        }
    })
    .boxed()
}

/// Merges a page's items and its common prefixes, each sorted by key, into one list in key
/// order (COS sends them as two XML lists; a listing reads in key order).
pub(crate) fn merge_by_key<T, E>(
    items: Vec<T>,
    prefixes: Vec<String>,
    key: impl Fn(&T) -> &str,
    item: impl Fn(T) -> E,
    prefix: impl Fn(String) -> E,
) -> Vec<E> {
    let mut out = Vec::with_capacity(items.len() + prefixes.len());
    let mut items = items.into_iter().peekable();
    let mut prefixes = prefixes.into_iter().peekable();
    loop {
        let item_first = match (items.peek(), prefixes.peek()) {
            (Some(i), Some(p)) => key(i) <= p.as_str(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if item_first {
            items.next().map(&item)
        } else {
            prefixes.next().map(&prefix)
        };
        out.extend(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The merge is the sorted union, each entry once.
        #[test]
        fn merge_is_the_sorted_union(
            keys in proptest::collection::btree_set("[a-c/]{1,4}", 0..20),
            split in proptest::collection::vec(any::<bool>(), 20),
        ) {
            let (mut items, mut prefixes) = (Vec::new(), Vec::new());
            for (k, to_items) in keys.iter().zip(split) {
                if to_items { items.push(k.clone()) } else { prefixes.push(k.clone()) }
            }
            let merged = merge_by_key(
                items,
                prefixes,
                String::as_str,
                |k| (k, false),
                |p| (p, true),
            );
            let merged: Vec<String> = merged.into_iter().map(|(k, _)| k).collect();
            prop_assert_eq!(merged, keys.into_iter().collect::<Vec<_>>());
        }
    }

    fn mock(
        pages: &[&str],
    ) -> (
        Client,
        std::sync::Arc<cos_transport::test_util::MockTransport>,
    ) {
        use cos_transport::test_util::{MockResponse, MockTransport, Rule};
        let replies = pages
            .iter()
            .map(|body| MockResponse::ok().body(body.to_string()).into());
        let transport =
            std::sync::Arc::new(MockTransport::new().with_rule(Rule::any().replies(replies)));
        let client =
            Client::builder(cos_model::Endpoint::path_style("http://127.0.0.1:9").unwrap())
                .bucket(cos_model::BucketName::new("b-1250000000").unwrap())
                .credentials(cos_transport::StaticCredentials::from_keys(
                    "AKIDtest", "secret",
                ))
                .transport(transport.clone())
                .build()
                .unwrap();
        (client, transport)
    }

    fn mock_client(pages: &[&str]) -> Client {
        mock(pages).0
    }

    #[tokio::test]
    async fn without_next_marker_the_next_page_starts_after_the_last_key() {
        use futures_util::TryStreamExt;
        // COS may leave NextMarker out (S3 does without a delimiter): the last key is the
        // marker, decoded like the keys.
        let first = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>\
            <Contents><Key>a%20b</Key></Contents><Contents><Key>c%2Bd+%E4%B8%AD</Key></Contents>\
            </ListBucketResult>";
        let last = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>\
            <Contents><Key>e</Key></Contents></ListBucketResult>";
        let (client, transport) = mock(&[first, last]);
        let keys: Vec<String> = ObjectListing::new()
            .page_size(2)
            .entries(&client)
            .map_ok(|e| e.key().to_owned())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(keys, ["a b", "c+d 中", "e"]);
        let requests = transport.requests();
        assert_eq!(requests.len(), 2);
        let query = requests[1].query();
        assert!(
            query.contains(&("marker".to_owned(), "c+d 中".to_owned())),
            "{query:?}"
        );
        assert!(query.contains(&("encoding-type".to_owned(), "url".to_owned())));
        assert!(query.contains(&("max-keys".to_owned(), "2".to_owned())));
    }

    const STUCK: &str = "<ListBucketResult><Name>b-1250000000</Name><IsTruncated>true</IsTruncated>\
        <NextMarker>a</NextMarker><Contents><Key>a</Key></Contents></ListBucketResult>";

    #[tokio::test]
    async fn a_listing_that_does_not_advance_stops() {
        use futures_util::TryStreamExt;
        let client = mock_client(&[STUCK]);
        let mut entries = ObjectListing::new().entries(&client);
        assert_eq!(entries.try_next().await.unwrap().unwrap().key(), "a");
        let err = entries.try_next().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "GetBucket of bucket b-1250000000: the listing is truncated but does not advance \
             past marker a"
        );
        assert!(entries.try_next().await.unwrap().is_none());

        let empty = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
        let client = mock_client(&[empty]);
        let err = ObjectListing::new()
            .entries(&client)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Stalled { marker, .. } if marker == "(none)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_client_without_bucket_sends_nothing() {
        use futures_util::TryStreamExt;
        let client =
            Client::builder(cos_model::Endpoint::path_style("http://127.0.0.1:9").unwrap())
                .credentials(cos_transport::StaticCredentials::from_keys(
                    "AKIDtest", "secret",
                ))
                .transport(cos_transport::test_util::MockTransport::new())
                .build()
                .unwrap();
        let err = ObjectListing::new()
            .entries(&client)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NoBucket));
    }

    #[test]
    fn page_sizes() {
        assert!(check_page_size("page_size", 0).is_err());
        assert_eq!(check_page_size("page_size", 1000).unwrap(), 1000);
        assert!(check_page_size("page_size", 1001).is_err());
    }
}
