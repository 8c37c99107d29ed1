//! Starts an emulator on an ephemeral loopback port, uploads an object with a signed PUT
//! (raw requests through cos-transport's `HyperTransport`, signed with cos-sign by hand; no
//! SDK client), reads it back, and then shows an injected fault. The requests use COS's
//! virtual-host URL; `HyperTransportBuilder::resolve` sends that host's connections to the
//! emulator.
//!
//! Run with `cargo run -p cos-emulator --example local_cos`.

use bytes::Bytes;
use cos_emulator::{Emulator, FaultSpec};
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, sign};
use cos_transport::{Body, HyperTransport, Transport as _};
use std::time::{SystemTime, UNIX_EPOCH};

const BUCKET: &str = "examplebucket-1250000000";
const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

async fn send(
    transport: &HyperTransport,
    credentials: &Credentials,
    method: &str,
    key: &str,
    body: &'static [u8],
) -> Result<(u16, String, Bytes), Box<dyn std::error::Error>> {
    let length = body.len().to_string();
    let mut headers = vec![("host", HOST)];
    if method == "PUT" {
        headers.push(("content-length", length.as_str()));
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let path = format!("/{key}");
    let request = SignableRequest {
        method,
        path: &path,
        query: &[],
        headers: &headers,
    };
    let signature = sign(
        &request,
        credentials,
        KeyTime::new(now - 60, now + 600),
        &HeaderPolicy::Default,
    )?;

    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!(
            "http://{HOST}{}",
            cos_sign::encode::uri_encode_path(&path)
        ))
        .header("authorization", signature.authorization());
    for (name, value) in &headers {
        builder = builder.header(*name, *value);
    }
    let response = transport
        .send(builder.body(Body::from(Bytes::from_static(body)))?)
        .await?;
    let status = response.status().as_u16();
    let crc = response
        .headers()
        .get("x-cos-hash-crc64ecma")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let bytes = response.into_body().collect_limited(1 << 20).await?;
    Ok((status, crc, bytes))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .credential("AKIDexample", "example-secret")
        .bucket(BUCKET)
        .seed(1)
        .start()
        .await?;
    println!("emulator at {}", emulator.endpoint_url());
    let credentials = Credentials::new("AKIDexample", "example-secret");
    // virtual-host URLs, connections to the emulator's loopback address
    let transport = HyperTransport::builder()
        .resolve(HOST, emulator.addr())
        .build()?;

    let (status, crc, _) =
        send(&transport, &credentials, "PUT", "hello.txt", b"hello world").await?;
    println!("PUT hello.txt -> {status}, x-cos-hash-crc64ecma {crc}");
    let (status, _, body) = send(&transport, &credentials, "GET", "hello.txt", b"").await?;
    println!(
        "GET hello.txt -> {status}: {}",
        String::from_utf8_lossy(&body)
    );

    emulator.set_faults("slowdown=1,ops=GetObject".parse::<FaultSpec>()?);
    let (status, _, body) = send(&transport, &credentials, "GET", "hello.txt", b"").await?;
    println!(
        "GET with slowdown=1 -> {status}: {}",
        String::from_utf8_lossy(&body)
    );

    emulator.shutdown().await;
    Ok(())
}
