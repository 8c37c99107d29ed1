//! Every operation and its errors, over HTTP.

use crate::common::*;
use http::{Method, StatusCode};

#[tokio::test]
async fn put_get_head_delete_object() {
    let emu = start().await;
    let data = b"hello world".to_vec();
    let r = put(&emu, "dir/a b+c%.txt", data.clone()).await;
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", md5_hex(&data)).as_str())
    );
    assert_eq!(
        r.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    assert!(r.header("x-cos-request-id").is_some());
    assert_eq!(r.header("server"), Some("tencent-cos"));

    let g = get(&emu, "dir/a b+c%.txt").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(&g.body[..], &data[..]);
    assert_eq!(
        g.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    assert_eq!(g.header("content-type"), Some("application/octet-stream"));

    let h = Req::object(Method::HEAD, "dir/a b+c%.txt").send(&emu).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.header("content-length"), Some("11"));
    assert!(h.body.is_empty());

    let d = Req::object(Method::DELETE, "dir/a b+c%.txt")
        .send(&emu)
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    let d = Req::object(Method::DELETE, "dir/a b+c%.txt")
        .send(&emu)
        .await;
    assert_eq!(
        d.status,
        StatusCode::NO_CONTENT,
        "deleting a missing key is fine"
    );
    get(&emu, "dir/a b+c%.txt")
        .await
        .expect_error(404, "NoSuchKey");
    let h = Req::object(Method::HEAD, "dir/a b+c%.txt").send(&emu).await;
    assert_eq!(h.status, StatusCode::NOT_FOUND);
    assert!(h.body.is_empty(), "HEAD errors have no body");
    assert!(h.header("x-cos-request-id").is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn unicode_and_path_style_keys() {
    let emu = start().await;
    for key in [
        "中文/文件 名.txt",
        "a/b/c",
        "x!'()*~.bin",
        "percent%20literal",
    ] {
        put(&emu, key, key.as_bytes().to_vec()).await;
        let g = Req::object(Method::GET, key).path_style().send(&emu).await;
        assert_eq!(g.status, StatusCode::OK, "{key}: {}", g.text());
        assert_eq!(&g.body[..], key.as_bytes());
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn metadata_round_trips_and_overrides() {
    let emu = start().await;
    let r = Req::object(Method::PUT, "m.txt")
        .h("Content-Type", "text/plain")
        .h("x-cos-meta-author", "zhang san")
        .h("Cache-Control", "no-cache")
        .h("x-cos-storage-class", "STANDARD_IA")
        .body("x")
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let g = Req::object(Method::GET, "m.txt")
        .q("response-content-type", "application/json")
        .send(&emu)
        .await;
    assert_eq!(g.header("x-cos-meta-author"), Some("zhang san"));
    assert_eq!(g.header("cache-control"), Some("no-cache"));
    assert_eq!(g.header("x-cos-storage-class"), Some("STANDARD_IA"));
    assert_eq!(g.header("content-type"), Some("application/json"));
    let big = "v".repeat(2100);
    Req::object(Method::PUT, "m2")
        .h("x-cos-meta-big", &big)
        .body("x")
        .send(&emu)
        .await
        .expect_error(400, "InvalidArgument");
    emu.shutdown().await;
}

#[tokio::test]
async fn ranges_and_conditions() {
    let emu = start().await;
    let data: Vec<u8> = (0..100u8).collect();
    let etag = put(&emu, "r", data.clone())
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let g = Req::object(Method::GET, "r")
        .h("Range", "bytes=10-19")
        .send(&emu)
        .await;
    assert_eq!(g.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&g.body[..], &data[10..20]);
    assert_eq!(g.header("content-range"), Some("bytes 10-19/100"));
    let g = Req::object(Method::GET, "r")
        .h("Range", "bytes=-5")
        .send(&emu)
        .await;
    assert_eq!(&g.body[..], &data[95..]);
    Req::object(Method::GET, "r")
        .h("Range", "bytes=100-")
        .send(&emu)
        .await
        .expect_error(416, "InvalidRange");
    let g = Req::object(Method::GET, "r")
        .h("If-None-Match", &etag)
        .send(&emu)
        .await;
    assert_eq!(g.status, StatusCode::NOT_MODIFIED);
    Req::object(Method::GET, "r")
        .h("If-Match", "\"nope\"")
        .send(&emu)
        .await
        .expect_error(412, "PreconditionFailed");
    emu.shutdown().await;
}

#[tokio::test]
async fn content_md5_is_checked() {
    let emu = start().await;
    let ok = Req::object(Method::PUT, "md5")
        .h("Content-MD5", &md5_b64(b"abc"))
        .body("abc")
        .send(&emu)
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    Req::object(Method::PUT, "md5")
        .h("Content-MD5", &md5_b64(b"abd"))
        .body("abc")
        .send(&emu)
        .await
        .expect_error(400, "BadDigest");
    Req::object(Method::PUT, "md5")
        .h("Content-MD5", "not-base64!")
        .body("abc")
        .send(&emu)
        .await
        .expect_error(400, "InvalidDigest");
    assert_eq!(
        &get(&emu, "md5").await.body[..],
        b"abc",
        "the refused upload left the object alone"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn buckets_and_service() {
    let emu = start().await;
    let new = "newbucket-1250000000";
    let r = Req::new(Method::PUT, Some(new), None).send(&emu).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Req::new(Method::PUT, Some(new), None)
        .send(&emu)
        .await
        .expect_error(409, "BucketAlreadyOwnedByYou");
    let h = Req::new(Method::HEAD, Some(new), None).send(&emu).await;
    assert_eq!(h.status, StatusCode::OK);
    let h = Req::new(Method::HEAD, Some("missing-1250000000"), None)
        .send(&emu)
        .await;
    assert_eq!(h.status, StatusCode::NOT_FOUND);
    Req::new(Method::GET, Some("missing-1250000000"), Some("k"))
        .send(&emu)
        .await
        .expect_error(404, "NoSuchBucket");
    let s = Req::new(Method::GET, None, None).send(&emu).await;
    assert_eq!(s.status, StatusCode::OK);
    let names = xml_values(&s.text(), "Name");
    assert!(
        names.contains(&new.to_string()) && names.contains(&BUCKET.to_string()),
        "{names:?}"
    );
    // Path style names the bucket in the path.
    let r = Req::new(Method::GET, Some(new), None)
        .path_style()
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = Req::new(Method::DELETE, Some(new), None).send(&emu).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    emu.shutdown().await;
}

#[tokio::test]
async fn list_objects_with_prefix_delimiter_markers() {
    let emu = start().await;
    for k in ["a/1", "a/2", "b", "c/x/1", "c/y", "d e+f"] {
        put(&emu, k, k.as_bytes().to_vec()).await;
    }
    let r = Req::bucket(Method::GET)
        .q("delimiter", "/")
        .send(&emu)
        .await;
    assert_eq!(xml_values(&r.text(), "Key"), vec!["b", "d e+f"]);
    assert_eq!(xml_values(&r.text(), "Prefix")[1..], ["a/", "c/"]);
    let r = Req::bucket(Method::GET)
        .q("prefix", "c/")
        .q("delimiter", "/")
        .send(&emu)
        .await;
    assert_eq!(xml_values(&r.text(), "Key"), vec!["c/y"]);
    let r = Req::bucket(Method::GET).q("max-keys", "2").send(&emu).await;
    assert_eq!(r.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(r.xml("NextMarker").as_deref(), Some("a/2"));
    let r = Req::bucket(Method::GET)
        .q("marker", "a/2")
        .q("max-keys", "2")
        .send(&emu)
        .await;
    assert_eq!(xml_values(&r.text(), "Key"), vec!["b", "c/x/1"]);
    let r = Req::bucket(Method::GET)
        .q("encoding-type", "url")
        .q("prefix", "d")
        .send(&emu)
        .await;
    assert_eq!(xml_values(&r.text(), "Key"), vec!["d%20e%2Bf"]);
    assert_eq!(r.xml("EncodingType").as_deref(), Some("url"));
    Req::bucket(Method::GET)
        .q("max-keys", "1001")
        .send(&emu)
        .await
        .expect_error(400, "InvalidArgument");
    let contents = xml_values(&r.text(), "ETag");
    assert!(
        contents[0].starts_with('"'),
        "ETags keep their quotes in listings"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn multipart_upload_and_its_errors() {
    let emu = start().await;
    let key = "big/file.bin";
    let id = initiate(&emu, key).await;
    let p1 = vec![1u8; 1024 * 1024];
    let p2 = vec![2u8; 1024 * 1024];
    let p3 = b"tail".to_vec();
    let mut etags = Vec::new();
    for (n, p) in [(1u32, &p1), (2, &p2), (3, &p3)] {
        let r = upload_part(&emu, key, &id, n, p.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.header("etag").unwrap(), format!("\"{}\"", md5_hex(p)));
        assert_eq!(
            r.header("x-cos-hash-crc64ecma").unwrap(),
            crc64(p).to_string()
        );
        etags.push((n, r.header("etag").unwrap().to_string()));
    }
    // ListParts shows them, with a limit.
    let l = Req::object(Method::GET, key)
        .q("uploadId", &id)
        .q("max-parts", "2")
        .send(&emu)
        .await;
    assert_eq!(xml_values(&l.text(), "PartNumber"), vec!["1", "2"]);
    assert_eq!(l.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(l.xml("NextPartNumberMarker").as_deref(), Some("2"));
    // ListMultipartUploads shows the upload.
    let u = Req::bucket(Method::GET)
        .q("uploads", "")
        .q("prefix", "big/")
        .send(&emu)
        .await;
    assert_eq!(u.xml("UploadId").as_deref(), Some(id.as_str()));
    // Errors before merging are plain 4xx.
    complete(&emu, key, &id, &[etags[1].clone(), etags[0].clone()])
        .await
        .expect_error(400, "InvalidPartOrder");
    complete(&emu, key, &id, &[(1, "\"0000\"".into())])
        .await
        .expect_error(400, "InvalidPart");
    complete(&emu, key, &id, &[etags[0].clone(), etags[2].clone()])
        .await
        .expect_error(400, "InvalidPart");
    complete(&emu, key, "nope", &etags)
        .await
        .expect_error(404, "NoSuchUpload");
    let small = upload_part(&emu, key, &id, 5, b"x".to_vec()).await;
    let e5 = small.header("etag").unwrap().to_string();
    let e6 = upload_part(&emu, key, &id, 6, b"y".to_vec())
        .await
        .header("etag")
        .unwrap()
        .to_string();
    complete(&emu, key, &id, &[(5, e5), (6, e6)])
        .await
        .expect_error(400, "EntityTooSmall");
    let bad = Req::object(Method::POST, key)
        .q("uploadId", &id)
        .body("<nope")
        .send(&emu)
        .await;
    bad.expect_error(400, "MalformedXML");
    upload_part(&emu, key, &id, 0, b"x".to_vec())
        .await
        .expect_error(400, "InvalidArgument");
    upload_part(&emu, key, &id, 10_001, b"x".to_vec())
        .await
        .expect_error(400, "InvalidArgument");
    upload_part(&emu, key, "nope", 1, b"x".to_vec())
        .await
        .expect_error(404, "NoSuchUpload");

    let c = complete(&emu, key, &id, &etags).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text());
    let etag = c.xml("ETag").unwrap();
    assert!(etag.starts_with('"') && etag.ends_with("-3\""), "{etag}");
    let mut whole = p1.clone();
    whole.extend_from_slice(&p2);
    whole.extend_from_slice(&p3);
    assert_eq!(
        c.header("x-cos-hash-crc64ecma").unwrap(),
        crc64(&whole).to_string()
    );
    assert_eq!(c.xml("Key").as_deref(), Some(key));
    let g = get(&emu, key).await;
    assert_eq!(g.body.len(), whole.len());
    assert!(g.body[..] == whole[..]);
    assert_eq!(g.header("etag"), Some(etag.as_str()));
    assert_eq!(
        g.header("x-cos-hash-crc64ecma").unwrap(),
        crc64(&whole).to_string()
    );
    // The upload is gone.
    complete(&emu, key, &id, &etags)
        .await
        .expect_error(404, "NoSuchUpload");
    emu.shutdown().await;
}

#[tokio::test]
async fn part_without_content_length_is_refused() {
    let emu = start().await;
    let id = initiate(&emu, "k").await;
    let req = Req::object(Method::PUT, "k")
        .q("partNumber", "1")
        .q("uploadId", &id)
        .h("Transfer-Encoding", "chunked");
    let (method, pq, headers) = req.prepare(emu.addr());
    assert!(
        !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    );
    let r = raw_send(
        emu.addr(),
        method,
        &pq,
        &headers,
        bytes::Bytes::from_static(b"abc"),
    )
    .await;
    r.expect_error(411, "MissingContentLength");
    emu.shutdown().await;
}

#[tokio::test]
async fn abort_and_list_uploads_pages() {
    let emu = start().await;
    let a = initiate(&emu, "u/a").await;
    let b1 = initiate(&emu, "u/b").await;
    let b2 = initiate(&emu, "u/b").await;
    let r = Req::bucket(Method::GET)
        .q("uploads", "")
        .q("max-uploads", "2")
        .send(&emu)
        .await;
    assert_eq!(
        xml_values(&r.text(), "UploadId"),
        vec![a.clone(), b1.clone()]
    );
    assert_eq!(r.xml("IsTruncated").as_deref(), Some("true"));
    let r = Req::bucket(Method::GET)
        .q("uploads", "")
        .q("key-marker", &r.xml("NextKeyMarker").unwrap())
        .q("upload-id-marker", &r.xml("NextUploadIdMarker").unwrap())
        .send(&emu)
        .await;
    assert_eq!(xml_values(&r.text(), "UploadId"), vec![b2.clone()]);
    let d = Req::object(Method::DELETE, "u/a")
        .q("uploadId", &a)
        .send(&emu)
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    Req::object(Method::DELETE, "u/a")
        .q("uploadId", &a)
        .send(&emu)
        .await
        .expect_error(404, "NoSuchUpload");
    emu.shutdown().await;
}

#[tokio::test]
async fn delete_multiple_objects() {
    let emu = start().await;
    for k in ["x1", "x2", "x3"] {
        put(&emu, k, "v").await;
    }
    let body = "<Delete><Quiet>false</Quiet><Object><Key>x1</Key></Object><Object><Key>x2</Key></Object><Object><Key>missing</Key></Object></Delete>";
    let r = Req::bucket(Method::POST)
        .q("delete", "")
        .h("Content-MD5", &md5_b64(body.as_bytes()))
        .body(body)
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(xml_values(&r.text(), "Key"), vec!["x1", "x2", "missing"]);
    get(&emu, "x1").await.expect_error(404, "NoSuchKey");
    assert_eq!(get(&emu, "x3").await.status, StatusCode::OK);
    Req::bucket(Method::POST)
        .q("delete", "")
        .body(body)
        .send(&emu)
        .await
        .expect_error(400, "InvalidRequest");
    Req::bucket(Method::POST)
        .q("delete", "")
        .h("Content-MD5", &md5_b64(b"x"))
        .body(body)
        .send(&emu)
        .await
        .expect_error(400, "BadDigest");
    emu.shutdown().await;
}

#[tokio::test]
async fn copies() {
    let emu = start().await;
    let data: Vec<u8> = (0..=255u8).cycle().take(3 * 1024 * 1024).collect();
    let src_etag = put(&emu, "src", data.clone())
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let source = format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com/src");
    let r = Req::object(Method::PUT, "dst")
        .h("x-cos-copy-source", &source)
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.xml("ETag").as_deref(), Some(src_etag.as_str()));
    assert_eq!(r.xml("CRC64").unwrap(), crc64(&data).to_string());
    assert!(get(&emu, "dst").await.body[..] == data[..]);
    let missing = format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com/nothing");
    Req::object(Method::PUT, "dst2")
        .h("x-cos-copy-source", &missing)
        .send(&emu)
        .await
        .expect_error(404, "NoSuchKey");
    Req::object(Method::PUT, "src")
        .h("x-cos-copy-source", &source)
        .send(&emu)
        .await
        .expect_error(400, "InvalidRequest");

    let id = initiate(&emu, "assembled").await;
    let mut etags = Vec::new();
    for (n, (a, b)) in [
        (1u32, (0usize, 2 * 1024 * 1024 - 1)),
        (2, (2 * 1024 * 1024, data.len() - 1)),
    ] {
        let r = Req::object(Method::PUT, "assembled")
            .q("partNumber", &n.to_string())
            .q("uploadId", &id)
            .h("x-cos-copy-source", &source)
            .h("x-cos-copy-source-range", &format!("bytes={a}-{b}"))
            .send(&emu)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.xml("ETag").unwrap(),
            format!("\"{}\"", md5_hex(&data[a..=b]))
        );
        etags.push((n, r.xml("ETag").unwrap()));
    }
    assert_eq!(
        complete(&emu, "assembled", &id, &etags).await.status,
        StatusCode::OK
    );
    assert!(get(&emu, "assembled").await.body[..] == data[..]);
    emu.shutdown().await;
}

#[tokio::test]
async fn key_and_request_limits() {
    let emu = start().await;
    let long = "k".repeat(851);
    Req::object(Method::PUT, &long)
        .body("x")
        .send(&emu)
        .await
        .expect_error(400, "KeyTooLong");
    Req::object(Method::GET, "x")
        .q("acl", "")
        .send(&emu)
        .await
        .expect_error(501, "NotImplemented");
    emu.shutdown().await;
}

#[tokio::test]
async fn data_dir_backend_streams_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let emu = cos_emulator::Emulator::builder()
        .credential(ID, KEY)
        .bucket(BUCKET)
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    put(&emu, "f", data.clone()).await;
    let g = get(&emu, "f").await;
    assert!(g.body[..] == data[..]);
    let files: usize = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(files, 1, "one blob file for one object");
    emu.shutdown().await;
}

#[tokio::test]
async fn forbid_overwrite() {
    let emu = start().await;
    put(&emu, "once", "first").await;
    Req::object(Method::PUT, "once")
        .h("x-cos-forbid-overwrite", "true")
        .body("second")
        .send(&emu)
        .await
        .expect_error(409, "FileAlreadyExists");
    assert_eq!(&get(&emu, "once").await.body[..], b"first");
    let r = Req::object(Method::PUT, "fresh")
        .h("x-cos-forbid-overwrite", "true")
        .body("x")
        .send(&emu)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = initiate(&emu, "once").await;
    let e = upload_part(&emu, "once", &id, 1, "p")
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let body = complete_body(&[(1, e.clone())]);
    Req::object(Method::POST, "once")
        .q("uploadId", &id)
        .h("x-cos-forbid-overwrite", "true")
        .body(body)
        .send(&emu)
        .await
        .expect_error(409, "FileAlreadyExists");
    assert_eq!(
        complete(&emu, "once", &id, &[(1, e)]).await.status,
        StatusCode::OK
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn pinned_region_refuses_other_regions() {
    let emu = cos_emulator::Emulator::builder()
        .credential(ID, KEY)
        .bucket(BUCKET)
        .region("ap-beijing")
        .start()
        .await
        .unwrap();
    let mut req = Req::object(Method::PUT, "k").body("x");
    req.region = "ap-beijing".into();
    assert_eq!(req.send(&emu).await.status, StatusCode::OK);
    let mut req = Req::object(Method::GET, "k");
    req.region = "ap-shanghai".into();
    req.send(&emu).await.expect_error(400, "InvalidRegionName");
    let s = Req::new(Method::GET, None, None).send(&emu).await;
    assert_eq!(s.xml("Location").as_deref(), Some("ap-beijing"));
    emu.shutdown().await;
}
