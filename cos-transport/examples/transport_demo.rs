//! A tour of cos-transport against a tiny in-process COS stand-in on 127.0.0.1 (or the
//! emulator, when `COS_EMULATOR_URL` is set): PutObject with upload progress over a flaky
//! network (seeded faults: retries, re-signing, `x-cos-sdk-retry`), a streamed GetObject, and a
//! pre-signed URL.
//!
//! Run with `cargo run -p cos-transport --example transport_demo`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cos_model::ops::{GetObject, PutObject};
use cos_model::{BucketName, Endpoint, ObjectKey};
use cos_transport::test_util::{FaultSpec, FaultTransport, RecordingTransport};
use cos_transport::{
    Client, HyperTransport, RequestOptions, RetryPolicy, SentCounter, StaticCredentials,
};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const DEMO_ID: &str = "AKIDcosrsEMULATORdemo0000000000000000";
const DEMO_KEY: &str = "cosrs-emulator-demo-secret-key-0000";

type Store = Arc<Mutex<HashMap<String, Bytes>>>;

/// A minimal object store: PUT stores, GET returns; anything unsigned is refused.
async fn handle(
    store: Store,
    req: http::Request<hyper::body::Incoming>,
) -> http::Response<Full<Bytes>> {
    let signed = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(&format!("q-ak={DEMO_ID}")));
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let mut response = http::Response::new(Full::new(Bytes::new()));
    if !signed {
        *response.status_mut() = http::StatusCode::FORBIDDEN;
        return response;
    }
    match method {
        http::Method::PUT => {
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return response,
            };
            let etag = format!("\"{:032x}\"", body.len());
            store
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path, body);
            if let Ok(v) = http::HeaderValue::from_str(&etag) {
                response.headers_mut().insert("etag", v);
            }
        }
        http::Method::GET => {
            let found = store
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&path)
                .cloned();
            match found {
                Some(body) => {
                    response
                        .headers_mut()
                        .insert("content-length", body.len().into());
                    *response.body_mut() = Full::new(body);
                }
                None => *response.status_mut() = http::StatusCode::NOT_FOUND,
            }
        }
        _ => *response.status_mut() = http::StatusCode::METHOD_NOT_ALLOWED,
    }
    response
}

async fn local_server() -> Result<String, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let store: Store = Arc::default();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let store = Arc::clone(&store);
                    async move { Ok::<_, Infallible>(handle(store, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = match std::env::var("COS_EMULATOR_URL") {
        Ok(url) => url,
        Err(_) => local_server().await?,
    };
    println!("server: {base}");

    // the real transport, behind a seeded fault injector and a recorder
    let hyper = HyperTransport::builder().build()?;
    let spec = FaultSpec {
        server_error: 0.2,
        slow_down: 0.1,
        reset_before_send: 0.1,
        ..FaultSpec::default()
    };
    let recorder = RecordingTransport::new(FaultTransport::seeded(hyper, spec, 2024));
    let client = Client::builder(Endpoint::path_style(&base)?)
        .bucket(BucketName::new("examplebucket-1250000000")?)
        .credentials(StaticCredentials::from_keys(DEMO_ID, DEMO_KEY))
        .transport(recorder.clone())
        .retry(RetryPolicy::builder().max_attempts(6).build())
        .build()?;

    let data = Bytes::from(
        (0..3 * 1024 * 1024)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let key = ObjectKey::new("demo/hello world.bin")?;
    let progress = SentCounter::new();
    let put = client
        .execute_with(
            &PutObject::new(key.clone(), data.clone()),
            &RequestOptions::new().body_observer(Arc::new(progress.clone())),
        )
        .await?;
    println!(
        "PutObject: etag {} ; {} body bytes counted after rewinds",
        put.etag.as_unquoted(),
        progress.get()
    );

    let mut download = client
        .get_object_stream(&GetObject::new(key.clone()))
        .await?;
    let mut received = 0usize;
    let mut chunks = 0usize;
    while let Some(chunk) = download.body.chunk().await {
        received += chunk?.len();
        chunks += 1;
    }
    println!("GetObject: {received} bytes streamed in {chunks} chunks");

    for (i, record) in recorder.records().iter().enumerate() {
        println!(
            "  #{i} {} {} retry={} -> {:?}",
            record.request.method,
            record.request.uri.path(),
            record.request.header("x-cos-sdk-retry").unwrap_or("-"),
            record.outcome
        );
    }
    println!(
        "retry budget left: {}/{}",
        client.retry_policy().budget().available(),
        client.retry_policy().budget().capacity()
    );

    let url = client
        .presign(&GetObject::new(key), std::time::Duration::from_secs(600))
        .await?;
    println!("pre-signed GET: {}", url.url);
    Ok(())
}
