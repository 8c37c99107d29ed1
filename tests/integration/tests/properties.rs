//! Property: for random sets of awkward keys, a random prefix and with or without a `/`
//! delimiter, GetBucket paged three entries at a time lists exactly what a simple in-test
//! model says; DeleteMultipleObjects then empties the folder. Runs against the same target as
//! the conformance suite (the emulator unless `COS_*` is set).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use cos_integration::{Context, SuiteError};
use cos_model::ObjectKey;
use cos_model::ops::{DeleteMultipleObjects, GetBucket, ObjectMarker, PutObject};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// What a listing shows: keys and common prefixes.
#[derive(Debug, PartialEq, Eq)]
struct Listing {
    keys: Vec<String>,
    prefixes: Vec<String>,
}

/// The model: filter by prefix, fold at the first delimiter after it, sort by bytes.
fn model(keys: &BTreeSet<String>, prefix: &str, delimiter: bool) -> Listing {
    let mut out_keys = Vec::new();
    let mut prefixes = BTreeSet::new();
    for key in keys.iter().filter(|k| k.starts_with(prefix)) {
        match key[prefix.len()..].find('/') {
            Some(at) if delimiter => {
                prefixes.insert(key[..prefix.len() + at + 1].to_owned());
            }
            _ => out_keys.push(key.clone()),
        }
    }
    Listing {
        keys: out_keys,
        prefixes: prefixes.into_iter().collect(),
    }
}

async fn list(ctx: &Context, prefix: &str, delimiter: bool) -> Result<Listing, SuiteError> {
    let mut listing = Listing {
        keys: Vec::new(),
        prefixes: Vec::new(),
    };
    let mut marker: Option<ObjectMarker> = None;
    for _ in 0..100 {
        let mut op = GetBucket::new().prefix(prefix).max_keys(3);
        if delimiter {
            op = op.delimiter("/");
        }
        if let Some(m) = marker.take() {
            op = op.marker(m);
        }
        let page = ctx
            .client()
            .execute(&op)
            .await
            .map_err(|e| SuiteError::check(format!("GetBucket: {e}")))?;
        listing
            .keys
            .extend(page.contents.iter().map(|c| c.key.clone()));
        listing
            .prefixes
            .extend(page.common_prefixes.iter().cloned());
        match page.next_page() {
            Some(next) => marker = Some(next),
            None => return Ok(listing),
        }
    }
    Err(SuiteError::check(
        "GetBucket paging did not end in 100 pages",
    ))
}

async fn check(
    ctx: &Context,
    case: usize,
    names: BTreeSet<String>,
    probe: String,
    delimiter: bool,
) -> Result<(), String> {
    let root = ctx.raw_key(&format!("prop-{case}/"));
    let mut keys = BTreeSet::new();
    for name in &names {
        let key = ObjectKey::new(format!("{root}{name}")).map_err(|e| e.to_string())?;
        ctx.client()
            .execute(&PutObject::new(key.clone(), name.clone()))
            .await
            .map_err(|e| e.to_string())?;
        keys.insert(key.into_string());
    }
    let prefix = format!("{root}{probe}");
    let got = list(ctx, &prefix, delimiter)
        .await
        .map_err(|e| e.to_string())?;
    let want = model(&keys, &prefix, delimiter);
    if got != want {
        return Err(format!(
            "prefix {prefix:?}, delimiter {delimiter}: listed {got:?}, model {want:?}"
        ));
    }
    let all: Vec<ObjectKey> = keys
        .iter()
        .filter_map(|k| ObjectKey::new(k.clone()).ok())
        .collect();
    ctx.client()
        .execute(&DeleteMultipleObjects::new(all))
        .await
        .map_err(|e| e.to_string())?;
    let left = list(ctx, &root, false).await.map_err(|e| e.to_string())?;
    if !left.keys.is_empty() {
        return Err(format!("left after DeleteMultipleObjects: {:?}", left.keys));
    }
    Ok(())
}

#[test]
fn listing_matches_a_model() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ctx = match runtime.block_on(Context::start("listing_matches_a_model")) {
        Ok(ctx) => ctx,
        Err(e) => panic!("setup: {}", cos_integration::context::render(&e)),
    };
    // Segments of awkward characters; no `.` so no dot segments.
    let name = proptest::string::string_regex("[ab+% üé]{1,3}(/[ab+% üé]{1,3}){0,2}/?").unwrap();
    let names = proptest::collection::btree_set(name, 1..8);
    let probe = proptest::string::string_regex("[ab+% üé/]{0,2}").unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let case = AtomicUsize::new(0);
    let result = runner.run(
        &(names, probe, any::<bool>()),
        |(names, probe, delimiter)| {
            let n = case.fetch_add(1, Ordering::SeqCst);
            runtime
                .block_on(check(&ctx, n, names, probe, delimiter))
                .map_err(TestCaseError::fail)
        },
    );
    let outcome = result.map_err(|e| SuiteError::check(e.to_string()));
    if let Err(message) = runtime.block_on(ctx.finish(outcome)) {
        panic!("{message}");
    }
}

#[test]
fn model_folds_at_the_first_delimiter() {
    let keys: BTreeSet<String> = ["p/a", "p/b/c", "p/b/d", "p/e/", "q/x"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let folded = model(&keys, "p/", true);
    assert_eq!(folded.keys, vec!["p/a"]);
    assert_eq!(folded.prefixes, vec!["p/b/", "p/e/"]);
    let flat = model(&keys, "p/b", false);
    assert_eq!(flat.keys, vec!["p/b/c", "p/b/d"]);
    assert!(flat.prefixes.is_empty());
}
