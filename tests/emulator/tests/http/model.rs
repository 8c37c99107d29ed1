//! The property: for random sequences of operations (put, multipart with random part
//! orders and retries, abort, delete, list with random prefixes), the emulator's listings and
//! contents equal a simple in-test model.

use crate::common::*;
use http::{Method, StatusCode};
use proptest::prelude::*;
use std::collections::BTreeMap;

const KEYS: [&str; 6] = ["a/1", "a/2", "a b/3", "b+c", "中/文", "z"];
const PREFIXES: [&str; 6] = ["", "a", "a/", "a b", "中", "q"];
const MIB: usize = 1024 * 1024;

#[derive(Debug, Clone)]
enum Op {
    Put {
        key: usize,
        len: usize,
        fill: u8,
    },
    Multipart {
        key: usize,
        parts: usize,
        fill: u8,
        order: Vec<usize>,
        retry: Option<usize>,
        abort: bool,
    },
    Delete {
        key: usize,
    },
    List {
        prefix: usize,
        delimiter: bool,
        max: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..KEYS.len(), 0usize..300, any::<u8>()).prop_map(|(key, len, fill)| Op::Put { key, len, fill }),
        2 => (0..KEYS.len(), 1usize..=3, any::<u8>(), Just(vec![0usize, 1, 2]).prop_shuffle(), proptest::option::of(0usize..3), proptest::bool::weighted(0.2))
            .prop_map(|(key, parts, fill, order, retry, abort)| Op::Multipart { key, parts, fill, order, retry, abort }),
        1 => (0..KEYS.len()).prop_map(|key| Op::Delete { key }),
        2 => (0..PREFIXES.len(), any::<bool>(), 1usize..4).prop_map(|(prefix, delimiter, max)| Op::List { prefix, delimiter, max }),
    ]
}

fn part_data(fill: u8, n: usize, last: bool) -> Vec<u8> {
    let len = if last { 17 + n } else { MIB };
    (0..len)
        .map(|i| fill.wrapping_add(n as u8).wrapping_add((i % 7) as u8))
        .collect()
}

/// Lists everything under `prefix` by following NextMarker, `max` keys a page.
async fn list_all(
    emu: &cos_emulator::RunningEmulator,
    prefix: &str,
    delimiter: bool,
    max: usize,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut keys = Vec::new();
    let mut prefixes = Vec::new();
    let mut marker = String::new();
    loop {
        let mut req = Req::bucket(Method::GET)
            .q("prefix", prefix)
            .q("max-keys", &max.to_string())
            .q("encoding-type", "url");
        if delimiter {
            req = req.q("delimiter", "/");
        }
        if !marker.is_empty() {
            req = req.q("marker", &marker);
        }
        let r = req.send(emu).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let text = r.text();
        let decode = |s: &str| urlish_decode(s);
        let page_keys: Vec<String> = xml_values(&text, "Key").iter().map(|k| decode(k)).collect();
        let etags = xml_values(&text, "ETag");
        keys.extend(page_keys.into_iter().zip(etags));
        // The first <Prefix> is the request's; the rest are common prefixes.
        prefixes.extend(
            xml_values(&text, "Prefix")
                .iter()
                .skip(1)
                .map(|p| decode(p)),
        );
        if r.xml("IsTruncated").as_deref() != Some("true") {
            break;
        }
        marker = decode(&r.xml("NextMarker").expect("NextMarker when truncated"));
    }
    (keys, prefixes)
}

fn urlish_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn expected_listing(
    model: &BTreeMap<String, (Vec<u8>, String)>,
    prefix: &str,
    delimiter: bool,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut keys = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    for (k, (_, etag)) in model.range(prefix.to_string()..) {
        if !k.starts_with(prefix) {
            break;
        }
        if delimiter && let Some(pos) = k[prefix.len()..].find('/') {
            let cp = k[..prefix.len() + pos + 1].to_string();
            if prefixes.last() != Some(&cp) {
                prefixes.push(cp);
            }
            continue;
        }
        keys.push((k.clone(), etag.clone()));
    }
    (keys, prefixes)
}

async fn run(ops: Vec<Op>) {
    let emu = start().await;
    let mut model: BTreeMap<String, (Vec<u8>, String)> = BTreeMap::new();
    for op in ops {
        match op {
            Op::Put { key, len, fill } => {
                let data: Vec<u8> = (0..len).map(|i| fill.wrapping_add(i as u8)).collect();
                let r = put(&emu, KEYS[key], data.clone()).await;
                model.insert(
                    KEYS[key].to_string(),
                    (data, r.header("etag").unwrap().to_string()),
                );
            }
            Op::Multipart {
                key,
                parts,
                fill,
                order,
                retry,
                abort,
            } => {
                let k = KEYS[key];
                let id = initiate(&emu, k).await;
                let mut etags = BTreeMap::new();
                for &i in order.iter().filter(|&&i| i < parts) {
                    let n = i as u32 + 1;
                    if retry == Some(i) {
                        // A first attempt with other bytes, then the retry that counts.
                        let junk = vec![0xEEu8; 100];
                        assert_eq!(
                            upload_part(&emu, k, &id, n, junk).await.status,
                            StatusCode::OK
                        );
                    }
                    let data = part_data(fill, i, i + 1 == parts);
                    let r = upload_part(&emu, k, &id, n, data).await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                    etags.insert(n, r.header("etag").unwrap().to_string());
                }
                if abort {
                    let r = Req::object(Method::DELETE, k)
                        .q("uploadId", &id)
                        .send(&emu)
                        .await;
                    assert_eq!(r.status, StatusCode::NO_CONTENT);
                    continue;
                }
                let list: Vec<(u32, String)> = etags.into_iter().collect();
                let c = complete(&emu, k, &id, &list).await;
                assert_eq!(c.status, StatusCode::OK, "{}", c.text());
                let data: Vec<u8> = (0..parts)
                    .flat_map(|i| part_data(fill, i, i + 1 == parts))
                    .collect();
                assert_eq!(
                    c.header("x-cos-hash-crc64ecma").unwrap(),
                    crc64(&data).to_string()
                );
                model.insert(k.to_string(), (data, c.xml("ETag").unwrap()));
            }
            Op::Delete { key } => {
                let r = Req::object(Method::DELETE, KEYS[key]).send(&emu).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT);
                model.remove(KEYS[key]);
            }
            Op::List {
                prefix,
                delimiter,
                max,
            } => {
                let got = list_all(&emu, PREFIXES[prefix], delimiter, max).await;
                assert_eq!(
                    got,
                    expected_listing(&model, PREFIXES[prefix], delimiter),
                    "prefix {:?}",
                    PREFIXES[prefix]
                );
            }
        }
    }
    assert_eq!(
        list_all(&emu, "", false, 1000).await,
        expected_listing(&model, "", false)
    );
    for (k, (data, etag)) in &model {
        let g = get(&emu, k).await;
        assert_eq!(g.status, StatusCode::OK);
        assert!(g.body[..] == data[..], "contents of {k}");
        assert_eq!(g.header("etag"), Some(etag.as_str()));
    }
    // No multipart upload is left over except none: every one was completed or aborted.
    let u = Req::bucket(Method::GET).q("uploads", "").send(&emu).await;
    assert!(xml_values(&u.text(), "UploadId").is_empty());
    emu.shutdown().await;
}

proptest! {
    // IO-heavy (each case starts a server and moves MiB-sized parts): a moderate case count.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn emulator_matches_the_model(ops in proptest::collection::vec(op(), 1..10)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops));
    }
}
