//! Copies against the emulator: one PUT Object - Copy with the metadata kept or replaced; a
//! multipart copy of an object larger than the threshold, byte-exact (CRC64 and bytes) and
//! with the metadata kept from the source's HEAD; a multipart copy refused mid-way, whose
//! source is replaced mid-way, or dropped mid-way, aborted, leaving no upload.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use cos_model::crc64::crc64;
use cos_model::ops::{GetObject, HeadObject, ObjectMetadata, PutObject};
use cos_model::options::{ObjectOptions, StorageClass};
use cos_model::{ErrorCode, ObjectKey};
use cos_objects::{CopyMetadata, CopyMethod, ObjectCopy, UploadListing};
use cos_transport::{Body, Client, DynTransport, Transport, TransportResult};
use futures_util::TryStreamExt;

use super::{BUCKET, MIB, REGION, client, client_with, emulator, random_bytes};

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

async fn head(client: &Client, k: &str) -> ObjectMetadata {
    client.execute(&HeadObject::new(key(k))).await.unwrap()
}

async fn put_source(client: &Client, k: &str, body: &[u8]) {
    client
        .execute(
            &PutObject::new(key(k), Bytes::copy_from_slice(body)).options(
                ObjectOptions::new()
                    .content_type("image/png")
                    .cache_control("max-age=60")
                    .metadata("colour", "blue"),
            ),
        )
        .await
        .unwrap();
}

fn meta(m: &ObjectMetadata, name: &str) -> Option<String> {
    m.user_metadata
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_object_copy_keeps_or_replaces_metadata() {
    let emu = emulator().await;
    let client = client(&emu);
    let body = random_bytes(300_000, 3);
    put_source(&client, "src/photo 中.png", &body).await;

    let kept = ObjectCopy::new(key("src/photo 中.png"), key("dst/kept.png"))
        .run(&client)
        .await
        .unwrap();
    assert_eq!(kept.method, CopyMethod::Single);
    assert_eq!(kept.size, body.len() as u64);
    assert_eq!(kept.crc64, Some(crc64(&body)));
    let h = head(&client, "dst/kept.png").await;
    assert_eq!(h.content_type.as_deref(), Some("image/png"));
    assert_eq!(h.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(meta(&h, "colour").as_deref(), Some("blue"));
    assert_eq!(h.crc64, Some(crc64(&body)));

    let replaced = ObjectCopy::new(key("src/photo 中.png"), key("dst/replaced.png"))
        .metadata(CopyMetadata::replace(
            ObjectOptions::new()
                .content_type("text/plain")
                .metadata("shape", "round"),
        ))
        .storage_class(StorageClass::StandardIa)
        .run(&client)
        .await
        .unwrap();
    assert_eq!(replaced.method, CopyMethod::Single);
    let h = head(&client, "dst/replaced.png").await;
    assert_eq!(h.content_type.as_deref(), Some("text/plain"));
    assert_eq!(meta(&h, "shape").as_deref(), Some("round"));
    assert_eq!(meta(&h, "colour"), None);
    assert_eq!(h.cache_control, None);
    assert_eq!(h.storage_class, Some(StorageClass::StandardIa));

    // the storage class is never the source's: STANDARD unless the copy names one (COS)
    client
        .execute(
            &PutObject::new(key("src/cold.bin"), Bytes::from_static(b"cold"))
                .options(ObjectOptions::new().storage_class(StorageClass::StandardIa)),
        )
        .await
        .unwrap();
    ObjectCopy::new(key("src/cold.bin"), key("dst/warm.bin"))
        .run(&client)
        .await
        .unwrap();
    let warm = head(&client, "dst/warm.bin").await.storage_class;
    assert!(
        matches!(warm, None | Some(StorageClass::Standard)),
        "{warm:?}"
    );
    ObjectCopy::new(key("src/cold.bin"), key("dst/cold.bin"))
        .storage_class(StorageClass::StandardIa)
        .run(&client)
        .await
        .unwrap();
    assert_eq!(
        head(&client, "dst/cold.bin").await.storage_class,
        Some(StorageClass::StandardIa)
    );

    let missing = ObjectCopy::new(key("src/none"), key("dst/none"))
        .run(&client)
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_copy_above_the_threshold_is_byte_exact() {
    let emu = emulator().await;
    let client = client(&emu);
    let body = random_bytes(5 * MIB as usize + 12_345, 11);
    put_source(&client, "big/source.bin", &body).await;

    let out = ObjectCopy::new(key("big/source.bin"), key("big/copy é.bin"))
        .threshold(2 * MIB)
        .part_size(MIB)
        .concurrency(3)
        .run(&client)
        .await
        .unwrap();
    let CopyMethod::Multipart {
        parts, part_size, ..
    } = out.method
    else {
        panic!("not a multipart copy: {:?}", out.method);
    };
    assert_eq!((parts, part_size), (6, MIB));
    assert_eq!(out.size, body.len() as u64);
    assert_eq!(out.crc64, Some(crc64(&body)));

    let h = head(&client, "big/copy é.bin").await;
    assert_eq!(h.crc64, Some(crc64(&body)));
    assert_eq!(h.content_length, Some(body.len() as u64));
    assert_eq!(h.content_type.as_deref(), Some("image/png"));
    assert_eq!(h.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(meta(&h, "colour").as_deref(), Some("blue"));
    let got = client
        .execute(&GetObject::new(key("big/copy é.bin")))
        .await
        .unwrap();
    assert_eq!(crc64(&got.body), crc64(&body));
    assert!(got.body == body, "the copy's bytes differ");

    // replaced metadata goes to Initiate
    ObjectCopy::new(key("big/source.bin"), key("big/replaced.bin"))
        .threshold(MIB)
        .part_size(2 * MIB)
        .metadata(CopyMetadata::replace(
            ObjectOptions::new().content_type("video/mp4"),
        ))
        .run(&client)
        .await
        .unwrap();
    let h = head(&client, "big/replaced.bin").await;
    assert_eq!(h.content_type.as_deref(), Some("video/mp4"));
    assert_eq!(meta(&h, "colour"), None);
    assert_eq!(h.crc64, Some(crc64(&body)));

    let left: Vec<_> = UploadListing::new()
        .uploads(&client)
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "uploads left: {left:?}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_multipart_copy_is_aborted() {
    let emu = emulator().await;
    let client = client(&emu);
    let body = random_bytes(3 * MIB as usize, 5);
    put_source(&client, "src/big.bin", &body).await;
    // may start and abort uploads and read the source, but not write parts
    let resource = format!("qcs::cos:{REGION}:uid/1250000000:{BUCKET}/*");
    let policy = serde_json::json!({
        "version": "2.0",
        "statement": [{
            "effect": "allow",
            "action": [
                "name/cos:HeadObject", "name/cos:GetObject",
                "name/cos:InitiateMultipartUpload", "name/cos:AbortMultipartUpload"
            ],
            "resource": [resource]
        }]
    })
    .to_string();
    let scoped = client_with(
        &emu,
        emu.issue_scoped_key(Duration::from_secs(600), &policy)
            .unwrap()
            .credentials(),
    );
    let err = ObjectCopy::new(key("src/big.bin"), key("dst/big.bin"))
        .threshold(MIB)
        .part_size(MIB)
        .run(&scoped)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::AccessDenied), "{err}");
    assert!(err.upload_left_behind().is_none());
    assert!(err.to_string().contains("partNumber="), "{err}");
    let left: Vec<_> = UploadListing::new()
        .uploads(&client)
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "uploads left: {left:?}");
    emu.shutdown().await;
}

/// Forwards requests; before the first Upload Part - Copy, overwrites the copy source.
struct ReplaceSourceOnFirstPart {
    inner: Arc<dyn DynTransport>,
    writer: Client,
    fired: AtomicBool,
}

impl Transport for ReplaceSourceOnFirstPart {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        if request.headers().contains_key("x-cos-copy-source-range")
            && !self.fired.swap(true, Ordering::SeqCst)
        {
            let other = Bytes::from(random_bytes(3 * MIB as usize, 99));
            self.writer
                .execute(&PutObject::new(key("src/moving.bin"), other))
                .await
                .unwrap();
        }
        self.inner.send_dyn(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_replaced_mid_copy_fails_the_copy() {
    let emu = emulator().await;
    let client = client(&emu);
    put_source(
        &client,
        "src/moving.bin",
        &random_bytes(3 * MIB as usize, 1),
    )
    .await;
    let racing = Client::builder(cos_model::Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .credentials(cos_transport::StaticCredentials::from_keys(
            super::ID,
            super::SECRET,
        ))
        .transport(ReplaceSourceOnFirstPart {
            inner: client.transport().clone(),
            writer: client.clone(),
            fired: AtomicBool::new(false),
        })
        .build()
        .unwrap();
    let err = ObjectCopy::new(key("src/moving.bin"), key("dst/moved.bin"))
        .threshold(MIB)
        .part_size(MIB)
        .concurrency(1)
        .run(&racing)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::PreconditionFailed), "{err}");
    assert_eq!(err.status(), Some(412));
    let left: Vec<_> = UploadListing::new()
        .uploads(&client)
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "uploads left: {left:?}");
    let missing = client
        .execute(&HeadObject::new(key("dst/moved.bin")))
        .await
        .unwrap_err();
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    emu.shutdown().await;
}

/// Forwards requests, but holds every Upload Part - Copy for ever (telling `held` about the
/// first), and reports each Abort's status on `aborted` once COS answered it.
struct HoldPartCopies {
    inner: Arc<dyn DynTransport>,
    held: tokio::sync::mpsc::UnboundedSender<()>,
    aborted: tokio::sync::mpsc::UnboundedSender<u16>,
}

impl Transport for HoldPartCopies {
    async fn send(&self, request: http::Request<Body>) -> TransportResult {
        if request.headers().contains_key("x-cos-copy-source-range") {
            let _ = self.held.send(());
            return std::future::pending().await;
        }
        let abort = request.method() == http::Method::DELETE;
        let response = self.inner.send_dyn(request).await;
        if abort && let Ok(r) = &response {
            let _ = self.aborted.send(r.status().as_u16());
        }
        response
    }
}

/// `f`, failing the test instead of hanging if it never ends (nothing here is timed).
async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the step ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_multipart_copy_aborts_its_upload() {
    let emu = emulator().await;
    let client = client(&emu);
    put_source(&client, "src/held.bin", &random_bytes(3 * MIB as usize, 2)).await;
    let (held_tx, mut held) = tokio::sync::mpsc::unbounded_channel();
    let (aborted_tx, mut aborted) = tokio::sync::mpsc::unbounded_channel();
    let holding = Client::builder(cos_model::Endpoint::path_style(&emu.endpoint_url()).unwrap())
        .bucket(cos_model::BucketName::new(BUCKET).unwrap())
        .credentials(cos_transport::StaticCredentials::from_keys(
            super::ID,
            super::SECRET,
        ))
        .transport(HoldPartCopies {
            inner: client.transport().clone(),
            held: held_tx,
            aborted: aborted_tx,
        })
        .build()
        .unwrap();
    let copy = tokio::spawn(async move {
        ObjectCopy::new(key("src/held.bin"), key("dst/held.bin"))
            .threshold(MIB)
            .part_size(MIB)
            .run(&holding)
            .await
    });
    within(held.recv()).await.expect("a part copy is sent");
    let uploads = UploadListing::new()
        .uploads(&client)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(uploads.len(), 1, "the copy's upload is under way");
    copy.abort();
    assert!(copy.await.unwrap_err().is_cancelled());
    assert_eq!(
        within(aborted.recv()).await,
        Some(204),
        "the dropped copy's upload is aborted"
    );
    let left: Vec<_> = UploadListing::new()
        .uploads(&client)
        .try_collect()
        .await
        .unwrap();
    assert!(left.is_empty(), "uploads left: {left:?}");
    emu.shutdown().await;
}
