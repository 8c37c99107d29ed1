//! Properties of cos-model: XML round-trips, key encoding, endpoint styles, Complete's part
//! list, and parsers that never panic on arbitrary input.
// Test helpers may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use cos_model::encode::uri_decode;
use cos_model::options::{CopySource, StorageClass};
use cos_model::*;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use proptest::collection::vec;
use proptest::prelude::*;

/// Characters XML 1.0 can carry in text (no C0 controls but TAB/LF, no CR, no U+FFFE/U+FFFF).
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => Just('\t'),
        1 => Just('\n'),
        1 => prop_oneof![Just('&'), Just('<'), Just('>'), Just('"'), Just('\'')],
        2 => any::<char>().prop_filter("xml char", |c| {
            !c.is_control() && *c != '\u{FFFE}' && *c != '\u{FFFF}'
        }),
    ]
}

fn xml_string() -> impl Strategy<Value = String> {
    vec(xml_char(), 0..24).prop_map(String::from_iter)
}

fn any_string() -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

fn etag() -> impl Strategy<Value = ETag> {
    prop_oneof![
        "[0-9a-f]{32}".prop_map(ETag::new),
        "[0-9a-f]{32}-[1-9][0-9]{0,3}".prop_map(ETag::new),
        "[0-9a-f&\"<>' -]{1,40}".prop_map(|s| ETag::new(format!("\"{s}\""))),
    ]
}

fn storage_class() -> impl Strategy<Value = StorageClass> {
    prop_oneof![
        proptest::sample::select(StorageClass::known().to_vec()),
        "[A-Z]{1,5}_X".prop_map(StorageClass::Other),
    ]
}

fn owner() -> impl Strategy<Value = ops::Owner> {
    (xml_string(), xml_string()).prop_map(|(id, display_name)| ops::Owner { id, display_name })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (0u64..4_000_000_000).prop_map(|s| Timestamp::from_system_time(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)
        )),
        xml_string().prop_map(Timestamp::new),
    ]
}

fn object_key() -> impl Strategy<Value = ObjectKey> {
    let c = prop_oneof![
        4 => proptest::char::range('!', '~'),
        1 => Just(' '),
        1 => Just('/'),
        1 => Just('+'),
        1 => Just('%'),
        2 => any::<char>(),
    ];
    vec(c, 1..40)
        .prop_map(String::from_iter)
        .prop_filter_map("valid key", |s| ObjectKey::new(s).ok())
}

fn bucket() -> impl Strategy<Value = BucketName> {
    ("[a-z0-9][a-z0-9-]{0,20}[a-z0-9]", "[0-9]{1,10}").prop_filter_map("valid bucket", |(n, id)| {
        BucketName::new(format!("{n}-{id}")).ok()
    })
}

fn region() -> impl Strategy<Value = Region> {
    "[a-z]{2}-[a-z]{3,10}(-[0-9])?".prop_filter_map("valid region", |r| Region::new(r).ok())
}

fn head(status: u16) -> ResponseHead {
    ResponseHead::new(StatusCode::from_u16(status).unwrap(), HeaderMap::new())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // ---------- XML round-trips: bodies we write and read ----------

    #[test]
    fn complete_body_round_trips(parts in vec((1u32..=10_000, etag()), 1..30)) {
        let parts: ops::CompletedParts = parts
            .into_iter()
            .map(|(n, e)| (PartNumber::new(n).unwrap(), e))
            .collect();
        let body = parts.to_body();
        let xml = body.to_xml().unwrap();
        prop_assert_eq!(ops::CompleteMultipartUploadBody::from_xml(&xml).unwrap(), body);
    }

    #[test]
    fn delete_body_round_trips(quiet in any::<bool>(),
                               objects in vec((xml_string(), proptest::option::of(xml_string())), 0..10)) {
        let body = ops::DeleteRequestBody {
            quiet,
            objects: objects
                .into_iter()
                .map(|(key, version_id)| ops::ObjectIdentifier { key, version_id })
                .collect(),
        };
        let xml = body.to_xml().unwrap();
        prop_assert_eq!(ops::DeleteRequestBody::from_xml(&xml).unwrap(), body);
    }

    #[test]
    fn create_bucket_configuration_round_trips(az in proptest::option::of(xml_string()),
                                               arch in proptest::option::of(xml_string())) {
        let cfg = ops::CreateBucketConfiguration { bucket_az_config: az, bucket_arch_config: arch };
        prop_assert_eq!(ops::CreateBucketConfiguration::from_xml(&cfg.to_xml().unwrap()).unwrap(), cfg);
    }

    #[test]
    fn error_body_round_trips(status in 200u16..600, code in xml_string(), message in xml_string(),
                              resource in proptest::option::of(xml_string()),
                              request_id in proptest::option::of("[A-Za-z0-9=*]{1,40}"),
                              string_to_sign in proptest::option::of(xml_string()),
                              format_string in proptest::option::of(xml_string())) {
        let code = ErrorCode::from(code.trim());
        prop_assume!(!code.as_str().is_empty());
        let mut e = CosError::new(StatusCode::from_u16(status).unwrap(), code, message);
        // Empty optional elements read back as absent.
        e.resource = resource.filter(|r| !r.trim().is_empty());
        e.request_id = request_id;
        e.string_to_sign = string_to_sign;
        e.format_string = format_string;
        let again = CosError::from_error_body(e.status, &HeaderMap::new(), e.to_xml().as_bytes()).unwrap();
        prop_assert_eq!(again, e);
    }

    #[test]
    fn list_bucket_result_round_trips(
        name in xml_string(), encoded in any::<bool>(), prefix in any_string(), marker in any_string(),
        max_keys in any::<u32>(), delimiter in proptest::option::of(any_string()),
        is_truncated in any::<bool>(), next in proptest::option::of(any_string()),
        contents in vec((any_string(), timestamp(), proptest::option::of(etag()), any::<u64>(),
                         proptest::option::of(owner()), proptest::option::of(storage_class())), 0..5),
        prefixes in vec(any_string(), 0..4),
    ) {
        // Without encoding-type=url, only XML-safe text can travel.
        let safe = |s: String| if encoded { s } else { s.chars().filter(|c| !c.is_control() && *c != '\u{FFFE}' && *c != '\u{FFFF}').collect() };
        let out = ops::ListBucketResult {
            name,
            encoding_type: encoded.then(|| "url".to_owned()),
            prefix: safe(prefix),
            marker: safe(marker),
            max_keys,
            delimiter: delimiter.map(safe),
            is_truncated,
            next_marker: next.map(|n| ops::ObjectMarker(safe(n))),
            contents: contents.into_iter().map(|(key, last_modified, etag, size, owner, storage_class)| ops::ObjectSummary {
                key: safe(key), last_modified, etag, size, owner, storage_class,
            }).collect(),
            common_prefixes: prefixes.into_iter().map(safe).collect(),
            meta: ResponseMeta::default(),
        };
        // `+` is an encoded space in listings: a raw `+` cannot survive without encoding.
        prop_assume!(encoded || !out.to_xml().unwrap().contains('+'));
        let again = GetBucket::new().parse(&head(200), Bytes::from(out.to_xml().unwrap())).unwrap();
        prop_assert_eq!(again, out);
    }

    #[test]
    fn list_parts_result_round_trips(
        bucket in xml_string(), key in any_string(), upload_id in xml_string(),
        initiator in proptest::option::of(owner()), sc in proptest::option::of(storage_class()),
        marker in any::<u32>(), next in proptest::option::of(any::<u32>()), max_parts in any::<u32>(),
        is_truncated in any::<bool>(),
        parts in vec((1u32..=10_000, timestamp(), etag(), any::<u64>()), 0..6),
    ) {
        let out = ops::ListPartsResult {
            bucket, encoding_type: Some("url".to_owned()), key, upload_id, initiator: initiator.clone(),
            owner: initiator, storage_class: sc,
            part_number_marker: ops::PartNumberMarker(marker),
            next_part_number_marker: next.map(ops::PartNumberMarker), max_parts, is_truncated,
            parts: parts.into_iter().map(|(n, last_modified, etag, size)| ops::PartInfo {
                part_number: PartNumber::new(n).unwrap(), last_modified, etag, size,
            }).collect(),
            meta: ResponseMeta::default(),
        };
        let op = ListParts::new(ObjectKey::new("k").unwrap(), UploadId::new("u").unwrap());
        let again = op.parse(&head(200), Bytes::from(out.to_xml().unwrap())).unwrap();
        prop_assert_eq!(again, out);
    }

    #[test]
    fn list_uploads_result_round_trips(
        bucket in xml_string(), key_marker in any_string(), upload_id_marker in xml_string(),
        next_key in proptest::option::of(any_string()), next_id in proptest::option::of(xml_string()),
        max_uploads in any::<u32>(), is_truncated in any::<bool>(), prefix in any_string(),
        delimiter in proptest::option::of(any_string()),
        uploads in vec((any_string(), xml_string(), proptest::option::of(storage_class()),
                        proptest::option::of(owner()), timestamp()), 0..5),
        prefixes in vec(any_string(), 0..4),
    ) {
        let out = ops::ListMultipartUploadsResult {
            bucket, encoding_type: Some("url".to_owned()), key_marker, upload_id_marker,
            next_key_marker: next_key, next_upload_id_marker: next_id, max_uploads, is_truncated,
            prefix, delimiter,
            uploads: uploads.into_iter().map(|(key, upload_id, storage_class, owner, initiated)| ops::UploadInfo {
                key, upload_id, storage_class, initiator: owner.clone(), owner, initiated,
            }).collect(),
            common_prefixes: prefixes,
            meta: ResponseMeta::default(),
        };
        let again = ListMultipartUploads::new().parse(&head(200), Bytes::from(out.to_xml().unwrap())).unwrap();
        prop_assert_eq!(again, out);
    }

    #[test]
    fn service_result_round_trips(
        owner in owner(), is_truncated in any::<bool>(),
        marker in proptest::option::of(xml_string()), next in proptest::option::of(xml_string()),
        buckets in vec((xml_string(), xml_string(), timestamp(), proptest::option::of(xml_string())), 0..5),
    ) {
        let out = ops::ListAllMyBucketsResult {
            owner,
            buckets: buckets.into_iter().map(|(name, location, creation_date, bucket_type)| ops::BucketInfo {
                name, location, creation_date, bucket_type,
            }).collect(),
            marker: marker.map(ops::BucketMarker),
            next_marker: next.map(ops::BucketMarker),
            is_truncated,
            meta: ResponseMeta::default(),
        };
        let again = GetService::new().parse(&head(200), Bytes::from(out.to_xml().unwrap())).unwrap();
        prop_assert_eq!(again, out);
    }

    #[test]
    fn single_result_documents_round_trip(
        bucket in xml_string(), key in xml_string(), location in xml_string(), etag in etag(),
        lm in timestamp(), crc in proptest::option::of(any::<u64>()),
        version in proptest::option::of(xml_string()), upload_id in "[0-9a-f]{8,64}",
        deleted in vec((xml_string(), proptest::option::of(xml_string()), any::<bool>(), proptest::option::of(xml_string())), 0..4),
        errors in vec((xml_string(), "[A-Za-z]{1,20}", xml_string(), proptest::option::of(xml_string())), 0..4),
    ) {
        let k = ObjectKey::new("k").unwrap();
        let u = UploadId::new("u").unwrap();

        let init = ops::InitiateMultipartUploadResult {
            bucket: bucket.clone(), key: key.clone(), upload_id: UploadId::new(upload_id).unwrap(),
            meta: ResponseMeta::default(),
        };
        let again = InitiateMultipartUpload::new(k.clone()).parse(&head(200), Bytes::from(init.to_xml().unwrap())).unwrap();
        prop_assert_eq!(again, init);

        let complete = ops::CompleteMultipartUploadResult {
            location, bucket, key, etag: etag.clone(), crc64: None, version_id: None,
            meta: ResponseMeta::default(),
        };
        let op = CompleteMultipartUpload::new(k.clone(), u.clone(), ops::CompletedParts::new());
        prop_assert_eq!(op.parse(&head(200), Bytes::from(complete.to_xml().unwrap())).unwrap(), complete);

        let part = ops::CopyPartResult { etag: etag.clone(), last_modified: lm.clone(), crc64: crc, meta: ResponseMeta::default() };
        let src = CopySource::new(&BucketName::new("b-1").unwrap(), &Region::new("ap-beijing").unwrap(), &k);
        let op = UploadPartCopy::new(k.clone(), u, PartNumber::MIN, src.clone());
        prop_assert_eq!(op.parse(&head(200), Bytes::from(part.to_xml().unwrap())).unwrap(), part);

        let copy = ops::CopyObjectResult { etag, crc64: crc, last_modified: lm, version_id: version, meta: ResponseMeta::default() };
        let op = PutObjectCopy::new(k.clone(), src);
        prop_assert_eq!(op.parse(&head(200), Bytes::from(copy.to_xml().unwrap())).unwrap(), copy);

        let result = ops::DeleteResult {
            deleted: deleted.into_iter().map(|(key, version_id, delete_marker, delete_marker_version_id)| ops::DeletedObject {
                key, version_id, delete_marker, delete_marker_version_id,
            }).collect(),
            errors: errors.into_iter().map(|(key, code, message, version_id)| ops::DeleteError { key, code, message, version_id }).collect(),
            meta: ResponseMeta::default(),
        };
        let op = DeleteMultipleObjects::new([k]);
        prop_assert_eq!(op.parse(&head(200), Bytes::from(result.to_xml().unwrap())).unwrap(), result);
    }

    // ---------- keys on the wire ----------

    #[test]
    fn key_to_uri_path_and_back_is_identity(key in object_key(), bucket in bucket()) {
        let path = key.uri_path();
        prop_assert!(!path.contains(' ') && !path.contains('+'));
        prop_assert!(path.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)));
        prop_assert_eq!(uri_decode(&path).unwrap(), key.as_str());
        for ep in [
            Endpoint::new(Region::new("ap-guangzhou").unwrap()),
            Endpoint::path_style("http://127.0.0.1:9000").unwrap(),
        ] {
            let req = GetObject::new(key.clone()).build(&ep, Some(&bucket)).unwrap();
            let decoded = uri_decode(req.uri().path()).unwrap();
            let signed = &SigningInput::of(&req).unwrap().path;
            prop_assert_eq!(&decoded, signed);
            let raw = if ep.is_path_style() {
                decoded.strip_prefix(&format!("/{bucket}/")).map(str::to_owned)
            } else {
                decoded.strip_prefix('/').map(str::to_owned)
            };
            prop_assert_eq!(raw.as_deref(), Some(key.as_str()));
        }
    }

    // ---------- endpoint styles ----------

    #[test]
    fn endpoint_styles_give_valid_uris_and_consistent_signing_inputs(
        key in object_key(), bucket in bucket(), region in region(),
        part in 1u32..=10_000, upload_id in "[!-~]{1,60}", port in proptest::option::of(1u16..),
        http in any::<bool>(),
    ) {
        let scheme = if http { Scheme::Http } else { Scheme::Https };
        let mut styles = vec![
            Endpoint::new(region.clone()),
            Endpoint::new(region.clone()).with_domain(Domain::TencentCos),
            Endpoint::accelerate(),
            Endpoint::custom_domain("static.example.com").unwrap(),
            Endpoint::template("{BucketName}-{AppId}.cos.{Region}.example.net", Some(region.clone())).unwrap(),
            Endpoint::path_style("cos.example.com").unwrap(),
            Endpoint::path_style_region(&region),
        ];
        styles = styles.into_iter().map(|e| {
            let e = e.with_scheme(scheme);
            match port { Some(p) => e.with_port(p), None => e }
        }).collect();
        let op = UploadPart::new(key.clone(), UploadId::new(upload_id).unwrap(), PartNumber::new(part).unwrap(), Bytes::from_static(b"x"));
        let mut first_query = None;
        for ep in &styles {
            let req = op.build(ep, Some(&bucket)).unwrap();
            let uri = req.uri();
            prop_assert_eq!(uri.scheme_str(), Some(scheme.as_str()));
            let host = req.headers()["host"].to_str().unwrap();
            prop_assert_eq!(uri.authority().unwrap().as_str(), host);
            match port {
                Some(p) if p != scheme.default_port() => { let suffix = format!(":{p}"); prop_assert!(host.ends_with(&suffix)) }
                _ => prop_assert!(!host.contains(':')),
            }
            // The URI re-parses to itself.
            let reparsed: http::Uri = uri.to_string().parse().unwrap();
            prop_assert_eq!(&reparsed, uri);
            let si = SigningInput::of(&req).unwrap();
            // Only the path style signs the bucket in the path.
            let expected_path = if ep.is_path_style() { format!("/{bucket}/{key}") } else { format!("/{key}") };
            prop_assert_eq!(&si.path, &expected_path);
            // The query (what is signed) is the same for every style.
            match &first_query {
                None => first_query = Some(si.query.clone()),
                Some(q) => prop_assert_eq!(q, &si.query),
            }
            // The wire query decodes to the signed query.
            let wire: Vec<(String, String)> = uri.query().unwrap().split('&').map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (uri_decode(k).unwrap(), uri_decode(v).unwrap())
            }).collect();
            prop_assert_eq!(&wire, &si.query);
        }
        // The hosts are distinct where the style must differ.
        let hosts: std::collections::BTreeSet<String> = styles.iter().map(|ep| {
            ep.target(Some(&bucket), None).unwrap().host().to_owned()
        }).collect();
        prop_assert!(hosts.len() >= 5);
    }

    // ---------- Complete's part list ----------

    #[test]
    fn completed_parts_are_strictly_increasing_and_unique(
        parts in vec((1u32..=10_000, "[0-9a-f]{32}"), 0..200),
    ) {
        let mut expected = std::collections::BTreeMap::new();
        for (n, e) in &parts {
            expected.insert(*n, e.clone());
        }
        let set: ops::CompletedParts = parts
            .iter()
            .map(|(n, e)| (PartNumber::new(*n).unwrap(), ETag::new(e)))
            .collect();
        let body = set.to_body();
        prop_assert!(body.parts.windows(2).all(|w| w[0].part_number < w[1].part_number));
        prop_assert_eq!(body.parts.len(), expected.len());
        for (p, (n, e)) in body.parts.iter().zip(expected.iter()) {
            prop_assert_eq!(p.part_number.get(), *n);
            prop_assert_eq!(p.etag.as_unquoted(), e.as_str());
        }
        if !set.is_empty() {
            let op = CompleteMultipartUpload::new(ObjectKey::new("k").unwrap(), UploadId::new("u").unwrap(), set);
            let req = op.build(&Endpoint::new(Region::new("ap-beijing").unwrap()), Some(&BucketName::new("b-1").unwrap())).unwrap();
            let xml = String::from_utf8(req.body().to_bytes().to_vec()).unwrap();
            let sent = ops::CompleteMultipartUploadBody::from_xml(&xml).unwrap();
            prop_assert!(sent.is_strictly_ascending());
            prop_assert!(xml.contains("<ETag>&quot;") || xml.contains("<ETag>\""));
        }
    }
}

// ---------- parsing arbitrary input never panics ----------

fn arbitrary_head() -> impl Strategy<Value = ResponseHead> {
    let names = proptest::sample::select(vec![
        "etag",
        "x-cos-hash-crc64ecma",
        "x-cos-request-id",
        "x-cos-trace-id",
        "x-cos-version-id",
        "content-length",
        "last-modified",
        "date",
        "x-cos-error-code",
        "x-cos-error-message",
        "content-range",
        "location",
        "x-cos-meta-a",
        "x-cos-storage-class",
        "x-cos-delete-marker",
    ]);
    let status = prop_oneof![
        proptest::sample::select(vec![
            200u16, 204, 206, 303, 304, 400, 403, 404, 409, 500, 503
        ]),
        100u16..1000,
    ];
    (status, vec((names, vec(any::<u8>(), 0..30)), 0..8)).prop_map(|(s, hs)| {
        let mut h = HeaderMap::new();
        for (n, v) in hs {
            if let Ok(v) = HeaderValue::from_bytes(&v) {
                h.append(HeaderName::from_static(n), v);
            }
        }
        ResponseHead::new(StatusCode::from_u16(s).unwrap(), h)
    })
}

fn xmlish_body() -> impl Strategy<Value = Vec<u8>> {
    let fragment = proptest::sample::select(vec![
        "<?xml version='1.0' encoding='utf-8' ?>",
        "<Error>",
        "</Error>",
        "<Code>",
        "</Code>",
        "NoSuchKey",
        "<Message>",
        "</Message>",
        "<ListBucketResult>",
        "</ListBucketResult>",
        "<EncodingType>url</EncodingType>",
        "<Contents>",
        "</Contents>",
        "<Key>",
        "</Key>",
        "%FF",
        "%2",
        "<Size>",
        "</Size>",
        "-1",
        "18446744073709551616",
        "<ETag>",
        "</ETag>",
        "&quot;",
        "&bogus;",
        "<ListPartsResult>",
        "<Part>",
        "</Part>",
        "<PartNumber>",
        "</PartNumber>",
        "0",
        "10001",
        "<IsTruncated>",
        "</IsTruncated>",
        "maybe",
        "<CompleteMultipartUploadResult>",
        "<InitiateMultipartUploadResult>",
        "<UploadId>",
        "</UploadId>",
        " ",
        "\n",
        "<![CDATA[x]]>",
        "<!-- c -->",
        "<a:b xmlns:a='x'>",
        "<DeleteResult>",
        "<Deleted>",
        "<CopyObjectResult>",
        "<CRC64>",
        "</CRC64>",
        "<ListAllMyBucketsResult>",
        "<Buckets>",
        "<Bucket>",
        "<PostResponse>",
        "<ListMultipartUploadsResult>",
        "<Encoding-Type>url</Encoding-Type>",
        "<Upload>",
        "<CommonPrefixes>",
        "<Prefix>",
        "</Prefix>",
        "<",
        ">",
        "/>",
        "\u{0}",
        "\u{feff}",
    ]);
    prop_oneof![
        vec(any::<u8>(), 0..200),
        vec(fragment, 0..40).prop_map(|f| f.concat().into_bytes()),
    ]
}

macro_rules! never_panics {
    ($($op:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn parsing_arbitrary_responses_never_panics(head in arbitrary_head(), body in xmlish_body()) {
                let body = Bytes::from(body);
                $( let _ = $op.parse(&head, body.clone()); )*
                let _ = CosError::from_response(head.status, &head.headers, &body);
                let _ = ops::CompleteMultipartUploadBody::from_xml(&String::from_utf8_lossy(&body));
                let _ = ops::DeleteRequestBody::from_xml(&String::from_utf8_lossy(&body));
            }
        }
    };
}

fn k() -> ObjectKey {
    ObjectKey::new("k").unwrap()
}
fn u() -> UploadId {
    UploadId::new("u").unwrap()
}
fn src() -> CopySource {
    CopySource::new(
        &BucketName::new("b-1").unwrap(),
        &Region::new("ap-beijing").unwrap(),
        &k(),
    )
}

never_panics![
    GetService::new(),
    PutBucket::new(),
    HeadBucket::new(),
    GetBucket::new(),
    PutObject::new(k(), Bytes::new()),
    PostObject::new(k(), Bytes::new()),
    HeadObject::new(k()),
    GetObject::new(k()),
    DeleteObject::new(k()),
    DeleteMultipleObjects::new([k()]),
    InitiateMultipartUpload::new(k()),
    UploadPart::new(k(), u(), PartNumber::MIN, Bytes::new()),
    UploadPartCopy::new(k(), u(), PartNumber::MIN, src()),
    CompleteMultipartUpload::new(k(), u(), ops::CompletedParts::new()),
    AbortMultipartUpload::new(k(), u()),
    ListParts::new(k(), u()),
    ListMultipartUploads::new(),
    PutObjectCopy::new(k(), src()),
];

#[test]
fn a_request_that_needs_a_bucket_without_one_is_a_typed_error() {
    let ep = Endpoint::new(Region::new("ap-beijing").unwrap());
    macro_rules! check {
        ($($op:expr),*) => {$(
            match $op.build(&ep, None) {
                Err(ModelError::MissingBucket { operation }) => assert_eq!(operation, $op.name()),
                other => panic!("{}: {other:?}", $op.name()),
            }
        )*};
    }
    check!(
        PutBucket::new(),
        HeadBucket::new(),
        GetBucket::new(),
        PutObject::new(k(), Bytes::new()),
        PostObject::new(k(), Bytes::new()),
        HeadObject::new(k()),
        GetObject::new(k()),
        DeleteObject::new(k()),
        DeleteMultipleObjects::new([k()]),
        InitiateMultipartUpload::new(k()),
        UploadPart::new(k(), u(), PartNumber::MIN, Bytes::new()),
        UploadPartCopy::new(k(), u(), PartNumber::MIN, src()),
        CompleteMultipartUpload::new(
            k(),
            u(),
            [(PartNumber::MIN, ETag::new("e"))].into_iter().collect()
        ),
        AbortMultipartUpload::new(k(), u()),
        ListParts::new(k(), u()),
        ListMultipartUploads::new(),
        PutObjectCopy::new(k(), src())
    );
    assert!(GetService::new().build(&ep, None).is_ok());
}
