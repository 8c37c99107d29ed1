//! GetBucket listings: prefix, delimiter (CommonPrefixes), max-keys paging with markers,
//! UTF-8 byte order, ETags and sizes in `Contents`.

use cos_model::ops::{GetBucket, ObjectMarker, PutObject};

use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, ensure, ensure_eq};

const LAYOUT: &[&str] = &[
    "a/1.txt",
    "a/2.txt",
    "a/b/3.txt",
    "a/b/c/4.txt",
    "a/é.txt",
    "b/5.txt",
    "b+/6.txt",
    "top.txt",
    "z 7.txt",
];

/// Lists a known layout every way a client pages through it.
pub async fn prefix_delimiter_and_paging(ctx: &Context) -> Outcome {
    let client = ctx.client();
    for (i, name) in LAYOUT.iter().enumerate() {
        client
            .execute(&PutObject::new(
                ctx.key(name)?,
                data::body(i * 10 + 1, i as u64),
            ))
            .await
            .context(format!("PutObject {name}"))?;
    }
    let full = |names: &[&str]| names.iter().map(|n| ctx.raw_key(n)).collect::<Vec<_>>();

    // Everything under the prefix, in UTF-8 byte order, with sizes and ETags.
    let all = client
        .execute(&GetBucket::new().prefix(ctx.prefix()))
        .await
        .context("GetBucket")?;
    let keys: Vec<String> = all.contents.iter().map(|c| c.key.clone()).collect();
    let mut want = full(LAYOUT);
    want.sort();
    ensure_eq!(keys, want, "GetBucket keys under the prefix");
    ensure!(!all.is_truncated, "a 9-key listing is truncated");
    for summary in &all.contents {
        let index = LAYOUT
            .iter()
            .position(|n| ctx.raw_key(n) == summary.key)
            .unwrap_or(usize::MAX);
        let body = data::body(index * 10 + 1, index as u64);
        ensure_eq!(summary.size, body.len() as u64, "Size of {}", summary.key);
        ensure_eq!(
            summary.etag,
            Some(data::etag_of(&body)),
            "ETag of {}",
            summary.key
        );
    }

    // A narrower prefix.
    let a = client
        .execute(&GetBucket::new().prefix(ctx.raw_key("a/b/")))
        .await
        .context("GetBucket prefix a/b/")?;
    let keys: Vec<String> = a.contents.iter().map(|c| c.key.clone()).collect();
    ensure_eq!(
        keys,
        full(&["a/b/3.txt", "a/b/c/4.txt"]),
        "GetBucket prefix a/b/"
    );

    // Delimiter: one level.
    let level = client
        .execute(&GetBucket::new().prefix(ctx.prefix()).delimiter("/"))
        .await
        .context("GetBucket delimiter /")?;
    let keys: Vec<String> = level.contents.iter().map(|c| c.key.clone()).collect();
    ensure_eq!(
        keys,
        full(&["top.txt", "z 7.txt"]),
        "GetBucket delimiter / Contents"
    );
    ensure_eq!(
        level.common_prefixes,
        full(&["a/", "b+/", "b/"]),
        "GetBucket delimiter / CommonPrefixes"
    );
    let nested = client
        .execute(&GetBucket::new().prefix(ctx.raw_key("a/")).delimiter("/"))
        .await
        .context("GetBucket a/ delimiter /")?;
    let keys: Vec<String> = nested.contents.iter().map(|c| c.key.clone()).collect();
    ensure_eq!(
        keys,
        full(&["a/1.txt", "a/2.txt", "a/é.txt"]),
        "GetBucket a/ delimiter / Contents"
    );
    ensure_eq!(
        nested.common_prefixes,
        full(&["a/b/"]),
        "GetBucket a/ delimiter / CommonPrefixes"
    );

    // Paging two at a time reassembles the full listing, each page truncated but the last.
    let mut paged = Vec::new();
    let mut marker: Option<ObjectMarker> = None;
    let mut pages = 0;
    loop {
        let mut list = GetBucket::new().prefix(ctx.prefix()).max_keys(2);
        if let Some(m) = marker.take() {
            list = list.marker(m);
        }
        let page = client
            .execute(&list)
            .await
            .context(format!("GetBucket page {pages}"))?;
        pages += 1;
        ensure!(
            page.contents.len() <= 2,
            "page {pages} has {} keys with max-keys 2",
            page.contents.len()
        );
        ensure_eq!(page.max_keys, 2, "MaxKeys of page {pages}");
        paged.extend(page.contents.iter().map(|c| c.key.clone()));
        match page.next_page() {
            Some(next) => marker = Some(next),
            None => break,
        }
        ensure!(pages < 20, "paging does not end");
    }
    ensure_eq!(paged, want, "keys reassembled from 2-key pages");
    ensure_eq!(pages, 5, "number of 2-key pages for 9 keys");

    // Paging with a delimiter counts common prefixes as entries.
    let first = client
        .execute(
            &GetBucket::new()
                .prefix(ctx.prefix())
                .delimiter("/")
                .max_keys(2),
        )
        .await
        .context("GetBucket delimiter / max-keys 2")?;
    ensure!(
        first.is_truncated,
        "5 entries in pages of 2: the first is not truncated"
    );
    ensure_eq!(
        first.common_prefixes,
        full(&["a/", "b+/"]),
        "first delimited page CommonPrefixes"
    );
    ensure!(
        first.contents.is_empty(),
        "first delimited page lists keys: {:?}",
        first.contents
    );
    Ok(())
}
