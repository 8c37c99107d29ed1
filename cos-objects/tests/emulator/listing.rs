//! Listings against the emulator equal a model: random sets of 1 000–2 000 keys (unicode,
//! spaces, `+`, `%`, XML's special characters, several levels), random prefixes,
//! delimiters (one and several bytes), start-after keys and page sizes; and the upload and
//! part listings page through everything.

use std::collections::BTreeSet;

use bytes::Bytes;
use cos_model::ops::{InitiateMultipartUpload, UploadPart};
use cos_model::{ObjectKey, PartNumber};
use cos_objects::{ObjectEntry, ObjectListing, PartListing, UploadEntry, UploadListing};
use futures_util::TryStreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::{client, emulator, put_all};

const SEGMENTS: &[&str] = &[
    "a", "b", "ab", "é", "中文", "a b", "x+y", "100%", "&<'\">", "😀", "~z", "-", "_",
];
const DELIMITERS: &[&str] = &["", "/", "é", "b"];

fn key() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(SEGMENTS), 1..=4).prop_map(|s| s.join("/"))
}

/// One listing request: the prefix is the first `cut` characters of key `pick` (so it
/// matches something), the start-after key another key or none.
#[derive(Debug, Clone)]
struct Query {
    pick: usize,
    cut: usize,
    delimiter: &'static str,
    after: Option<usize>,
    page_size: u32,
}

fn query() -> impl Strategy<Value = Query> {
    (
        any::<usize>(),
        0usize..6,
        proptest::sample::select(DELIMITERS),
        proptest::option::weighted(0.3, any::<usize>()),
        prop_oneof![37u32..=200, Just(1000u32)],
    )
        .prop_map(|(pick, cut, delimiter, after, page_size)| Query {
            pick,
            cut,
            delimiter,
            after,
            page_size,
        })
}

/// What COS lists: keys after `after` under `prefix`, those with `delimiter` after the
/// prefix folded into their common prefix (dropped when the prefix sorts before `after`), in
/// byte order. `(entry, is_prefix)`.
fn model(
    keys: &BTreeSet<String>,
    prefix: &str,
    delimiter: &str,
    after: &str,
) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for k in keys
        .iter()
        .filter(|k| k.starts_with(prefix) && k.as_str() > after)
    {
        let folded = (!delimiter.is_empty())
            .then(|| k[prefix.len()..].find(delimiter))
            .flatten()
            .map(|pos| &k[..prefix.len() + pos + delimiter.len()]);
        match folded {
            Some(cp) if cp <= after => {}
            Some(cp) => {
                if out.last().is_none_or(|(last, _)| last != cp) {
                    out.push((cp.to_owned(), true));
                }
            }
            None => out.push((k.clone(), false)),
        }
    }
    out
}

#[test]
fn listings_of_thousands_of_keys_equal_the_model() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(emulator());
    let base = client(&emu);
    let mut runner = TestRunner::new(Config {
        cases: 8,
        max_shrink_iters: 8,
        // a runner built by hand has no source file to persist failures beside
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let strategy = (
        proptest::collection::btree_set(key(), 1000..2000),
        proptest::collection::vec(query(), 16),
    );
    runner
        .run(&strategy, |(keys, queries)| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // a bucket per case, so a shrunk case starts empty
            let bucket = format!("list{case}-1250000000");
            emu.create_bucket(&bucket).unwrap();
            let client = base.with_bucket(cos_model::BucketName::new(&bucket).unwrap());
            rt.block_on(put_all(&client, &keys));
            let sorted: Vec<&String> = keys.iter().collect();
            for q in queries {
                let pick = sorted[q.pick % sorted.len()];
                let prefix: String = pick.chars().take(q.cut).collect();
                let after = q.after.map(|i| sorted[i % sorted.len()].clone());
                let mut listing = ObjectListing::new()
                    .prefix(prefix.as_str())
                    .delimiter(q.delimiter)
                    .page_size(q.page_size);
                if let Some(a) = &after {
                    listing = listing.start_after(a.as_str());
                }
                let got: Vec<(String, bool)> = rt
                    .block_on(listing.entries(&client).try_collect::<Vec<_>>())
                    .unwrap()
                    .into_iter()
                    .map(|e| match e {
                        ObjectEntry::Object(o) => (o.key, false),
                        ObjectEntry::Prefix(p) => (p, true),
                    })
                    .collect();
                let want = model(&keys, &prefix, q.delimiter, after.as_deref().unwrap_or(""));
                prop_assert_eq!(
                    &got,
                    &want,
                    "query {:?} (prefix {:?}, after {:?})",
                    q,
                    prefix,
                    after
                );
                // pages hold at most page_size entries, and only the last is not truncated
                let pages = rt
                    .block_on(listing.pages(&client).try_collect::<Vec<_>>())
                    .unwrap();
                let (last, full) = pages.split_last().unwrap();
                prop_assert!(!last.is_truncated);
                for p in pages.iter() {
                    prop_assert!(
                        p.contents.len() + p.common_prefixes.len() <= q.page_size as usize
                    );
                }
                prop_assert!(full.iter().all(|p| p.is_truncated));
                prop_assert_eq!(
                    pages.len(),
                    want.len().div_ceil(q.page_size as usize).max(1)
                );
            }
            Ok(())
        })
        .unwrap();
    rt.block_on(emu.shutdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_and_part_listings_page_through_everything() {
    let emu = emulator().await;
    let client = client(&emu);
    let keys = [
        "up/a/1",
        "up/a/1",
        "up/a/2",
        "up/b 中/3",
        "up/c",
        "up/c",
        "up/c",
        "up/d+e",
        "other/x",
    ];
    let mut started = Vec::new();
    for round in 0..3 {
        for k in keys {
            let key = ObjectKey::new(format!("{k}{}", if round == 0 { "" } else { "-r" })).unwrap();
            let out = client
                .execute(&InitiateMultipartUpload::new(key.clone()))
                .await
                .unwrap();
            started.push((key.into_string(), out.upload_id.as_str().to_owned()));
        }
    }
    started.sort();
    let under: Vec<(String, String)> = started
        .iter()
        .filter(|(k, _)| k.starts_with("up/"))
        .cloned()
        .collect();

    let listed: Vec<(String, String)> = UploadListing::new()
        .prefix("up/")
        .page_size(4)
        .uploads(&client)
        .map_ok(|u| (u.key, u.upload_id))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, under);

    let level: Vec<UploadEntry> = UploadListing::new()
        .prefix("up/")
        .delimiter("/")
        .page_size(3)
        .entries(&client)
        .try_collect()
        .await
        .unwrap();
    let shape: Vec<String> = level
        .iter()
        .map(|e| match e {
            UploadEntry::Upload(u) => u.key.clone(),
            UploadEntry::Prefix(p) => format!("{p}…"),
        })
        .collect();
    let mut want: Vec<String> = vec!["up/a/…".into(), "up/b 中/…".into()];
    want.extend(
        under
            .iter()
            .filter(|(k, _)| !k["up/".len()..].contains('/'))
            .map(|(k, _)| k.clone()),
    );
    want.sort_by(|a, b| a.trim_end_matches('…').cmp(b.trim_end_matches('…')));
    assert_eq!(shape, want);

    // 23 parts of one upload, in pages of 5
    let key = ObjectKey::new("parts/video 中.mp4").unwrap();
    let upload_id = client
        .execute(&InitiateMultipartUpload::new(key.clone()))
        .await
        .unwrap()
        .upload_id;
    for n in (1..=23u32).rev() {
        let body = Bytes::from(vec![b'p'; n as usize]);
        client
            .execute(&UploadPart::new(
                key.clone(),
                upload_id.clone(),
                PartNumber::new(n).unwrap(),
                body,
            ))
            .await
            .unwrap();
    }
    let parts: Vec<(u32, u64)> = PartListing::new(key, upload_id)
        .page_size(5)
        .parts(&client)
        .map_ok(|p| (p.part_number.get(), p.size))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        parts,
        (1..=23).map(|n| (n, u64::from(n))).collect::<Vec<_>>()
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_a_missing_bucket_is_cos_error() {
    let emu = emulator().await;
    let client =
        client(&emu).with_bucket(cos_model::BucketName::new("missing-1250000000").unwrap());
    let err = ObjectListing::new()
        .entries(&client)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&cos_model::ErrorCode::NoSuchBucket));
    assert_eq!(err.status(), Some(404));
    assert!(err.to_string().contains("/missing-1250000000/"), "{err}");
    emu.shutdown().await;
}
