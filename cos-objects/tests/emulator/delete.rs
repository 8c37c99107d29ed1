//! Delete by prefix against the emulator: a dry run lists exactly the prefix (in batches of
//! 1 000) and deletes nothing; the real run, several batches in flight, deletes exactly the
//! prefix and touches nothing else; keys a scoped key may not delete are reported one by one with COS's code.

use std::collections::BTreeSet;
use std::time::Duration;

use cos_model::ErrorCode;
use cos_objects::{DeleteByPrefix, DeleteFailureReason, ObjectListing};
use futures_util::TryStreamExt;

use super::{BUCKET, REGION, client, client_with, emulator, put_all};

async fn all_keys(client: &cos_transport::Client) -> BTreeSet<String> {
    ObjectListing::new()
        .objects(client)
        .map_ok(|o| o.key)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_then_delete_exactly_the_prefix() {
    let emu = emulator().await;
    let client = client(&emu);
    let doomed: BTreeSet<String> = (0..2_345)
        .map(|i| format!("del/{}/k {i} é+%", i % 7))
        .collect();
    let kept: BTreeSet<String> = [
        "del",
        "dek/x",
        "del-other/x",
        "dem",
        "keep/del/x",
        "del.txt",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    put_all(&client, doomed.iter().chain(&kept)).await;

    let dry = DeleteByPrefix::new("del/").dry_run(true);
    let listed: BTreeSet<String> = dry
        .batches(&client)
        .map_ok(|b| {
            futures_util::stream::iter(
                b.deleted
                    .into_iter()
                    .map(|k| Ok::<_, cos_objects::Error>(k.into_string())),
            )
        })
        .try_flatten()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, doomed);
    let summary = dry.run(&client).await.unwrap();
    assert!(summary.dry_run);
    assert_eq!(summary.deleted, doomed.len() as u64);
    assert_eq!(summary.batches, 3);
    assert!(summary.is_complete());
    assert_eq!(all_keys(&client).await.len(), doomed.len() + kept.len());

    // smaller batches, four in flight while the listing goes on
    let summary = DeleteByPrefix::new("del/")
        .batch_size(100)
        .batches_in_flight(4)
        .run(&client)
        .await
        .unwrap();
    assert!(!summary.dry_run);
    assert_eq!(summary.deleted, doomed.len() as u64);
    assert_eq!(summary.batches, 24);
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(all_keys(&client).await, kept);

    // nothing left under the prefix: one empty page, nothing deleted
    let again = DeleteByPrefix::new("del/").run(&client).await.unwrap();
    assert_eq!((again.deleted, again.batches), (0, 1));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_cos_refuses_are_reported_one_by_one() {
    let emu = emulator().await;
    let client = client(&emu);
    let keys: Vec<String> = (0..30)
        .map(|i| format!("logs/{}/{i}", if i % 3 == 0 { "locked" } else { "open" }))
        .collect();
    put_all(&client, &keys).await;
    let bucket_resource = format!("qcs::cos:{REGION}:uid/1250000000:{BUCKET}/");
    let policy = serde_json::json!({
        "version": "2.0",
        "statement": [
            {"effect": "allow", "action": ["name/cos:GetBucket"], "resource": [format!("{bucket_resource}*")]},
            {"effect": "allow", "action": ["name/cos:DeleteObject"], "resource": [format!("{bucket_resource}logs/open/*")]}
        ]
    })
    .to_string();
    let key = emu
        .issue_scoped_key(Duration::from_secs(600), &policy)
        .unwrap();
    let scoped = client_with(&emu, key.credentials());

    let summary = DeleteByPrefix::new("logs/")
        .batch_size(7)
        .run(&scoped)
        .await
        .unwrap();
    assert_eq!(summary.deleted, 20);
    assert_eq!(summary.batches, 5);
    let mut refused: Vec<&str> = summary.failed.iter().map(|f| f.key.as_str()).collect();
    refused.sort_unstable();
    let mut locked: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| k.contains("locked"))
        .collect();
    locked.sort_unstable();
    assert_eq!(refused, locked);
    assert!(summary.failed.iter().all(|f| matches!(
        &f.reason,
        DeleteFailureReason::Cos {
            code: ErrorCode::AccessDenied,
            ..
        }
    )));
    let left = all_keys(&client).await;
    assert_eq!(left.iter().map(String::as_str).collect::<Vec<_>>(), locked);
    emu.shutdown().await;
}
