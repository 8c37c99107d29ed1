//! Step 2: the recommended path — a mini program gets temporary keys from the signing
//! server's `/sts`, scoped by the server to one key, and uploads the file it was given with
//! them (a small one in one PUT, a larger one as a multipart upload through cos-upload);
//! the same keys are refused one key over and on a DELETE, with 403 AccessDenied.

use std::time::Instant;

use cos_model::ops::{DeleteObject, PutObject};
use cos_model::{ErrorCode, ObjectKey};
use cos_sign::Credentials;
use cos_transport::{Client, StaticCredentials};
use cos_upload::{PartPolicy, Source, UploadRequest, Uploader};
use serde_json::Value;

use super::report::Report;
use super::stack::Stack;
use crate::data;

/// Runs step 2.
pub async fn run(stack: &Stack, report: &mut Report) -> Result<(), String> {
    println!("\n== 2. a mini program uploads with temporary keys from /sts (scoped to one key)");

    // a small file: one PUT
    let (keys, key) = ask(stack).await?;
    let client = client_with(stack, &keys)?;
    let photo = data::bytes(11, 200 * 1024);
    let started = Instant::now();
    client
        .execute(&PutObject::new(key.clone(), photo.clone()))
        .await
        .map_err(|e| format!("PUT with the /sts keys: {e}"))?;
    println!("   PUT        {key}  {} bytes  -> 200", photo.len());
    report.add(
        "STS PUT",
        key.as_str(),
        photo.len() as u64,
        cos_model::crc64::crc64(&photo),
        started.elapsed(),
    );

    // one key over, and a delete of the key it wrote: refused
    let over = ObjectKey::new(format!("{}-2", key.as_str())).map_err(|e| e.to_string())?;
    expect_denied(
        client.execute(&PutObject::new(over, "one key over")).await,
        "PUT one key over",
    )?;
    println!("   PUT        one key over with the same keys -> 403 AccessDenied (refused)");
    expect_denied(
        client.execute(&DeleteObject::new(key.clone())).await,
        "DELETE with the /sts keys",
    )?;
    println!("   DELETE     the key it wrote -> 403 AccessDenied (refused)");

    // a larger file: a multipart upload, each part within the policy's size limit
    let (keys, key) = ask(stack).await?;
    let client = client_with(stack, &keys)?;
    let video = data::bytes(12, 3 * 1024 * 1024 + 4321);
    let uploader = Uploader::builder(client)
        .part_policy(
            PartPolicy::new()
                .target_part_size(1024 * 1024)
                .single_put_threshold(1024 * 1024),
        )
        .parts_in_flight(2)
        .build();
    let started = Instant::now();
    let summary = uploader
        .upload(UploadRequest::new(
            key.clone(),
            Source::bytes(video.clone()),
        ))
        .await
        .map_err(|e| format!("multipart upload with the /sts keys: {e}"))?;
    println!(
        "   multipart  {key}  {} bytes in {} parts  -> completed, CRC64 checked",
        summary.bytes, summary.parts
    );
    report.add(
        "STS multipart",
        key.as_str(),
        summary.bytes,
        cos_model::crc64::crc64(&video),
        started.elapsed(),
    );
    Ok(())
}

/// `/sts?ext=jpg`: the answer and the key it is scoped to.
async fn ask(stack: &Stack) -> Result<(Value, ObjectKey), String> {
    let answer = stack
        .app
        .ask("/sts?ext=jpg")
        .await
        .map_err(|e| format!("asking the signing server /sts: {e}"))?;
    if answer.status != 200 {
        return Err(format!(
            "/sts: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        ));
    }
    let keys: Value = answer.json().map_err(|e| format!("/sts: not JSON: {e}"))?;
    let key = keys["key"]
        .as_str()
        .ok_or("the /sts answer names no key")
        .and_then(|k| ObjectKey::new(k).map_err(|_| "the /sts key is invalid"))?;
    Ok((keys, key))
}

/// A client signing with the answer's keys, exactly as a frontend's getAuthorization passes
/// them on (`TmpSecretId`, `TmpSecretKey`, `SecurityToken`).
fn client_with(stack: &Stack, keys: &Value) -> Result<Client, String> {
    let field = |name: &str| {
        keys[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("the /sts answer has no `{name}`"))
    };
    let credentials = Credentials::new(field("TmpSecretId")?, field("TmpSecretKey")?)
        .with_security_token(field("SecurityToken")?);
    let bucket = stack
        .client
        .bucket()
        .cloned()
        .ok_or("the demo's client addresses no bucket")?;
    Client::builder(stack.client.endpoint().clone())
        .bucket(bucket)
        .credentials(StaticCredentials::new(credentials))
        .build()
        .map_err(|e| format!("client: {e}"))
}

fn expect_denied<T>(result: Result<T, cos_transport::Error>, what: &str) -> Result<(), String> {
    match result {
        Err(e)
            if e.cos()
                .is_some_and(|c| c.status.as_u16() == 403 && c.code == ErrorCode::AccessDenied) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("{what}: {e}, want 403 AccessDenied")),
        Ok(_) => Err(format!("{what}: succeeded, want 403 AccessDenied")),
    }
}
