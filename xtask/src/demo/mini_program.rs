//! Step 1: a mini program uploads through the signing server, as Tencent's direct-upload guide
//! describes: a POST form and a PUT, each to a key the server chose; then the same credential
//! is refused on another key, and a file over the size limit is refused.

use std::time::Instant;

use cos_sign_server::Answer;
use serde_json::Value;

use super::report::Report;
use super::stack::{MAX_UPLOAD_BYTES, Stack};
use crate::data;

/// Runs step 1.
pub async fn run(stack: &Stack, report: &mut Report) -> Result<(), String> {
    println!("== 1. a mini program uploads with credentials from the signing server");

    let grant = ask_grant(stack, "/post-policy?ext=png").await?;
    let key = field(&grant, "cosKey")?;
    let image = data::bytes(1, 180 * 1024);
    let started = Instant::now();
    let answer = stack
        .app
        .post(&grant, &key, "photo.png", &image)
        .await
        .map_err(|e| e.to_string())?;
    expect(&answer, 200, None, "POST form upload")?;
    println!("   POST form  {key}  {} bytes  -> 200", image.len());
    report.add(
        "POST form",
        &key,
        image.len() as u64,
        cos_model::crc64::crc64(&image),
        started.elapsed(),
    );

    let grant = ask_grant(stack, "/put-auth?ext=jpg").await?;
    let key = field(&grant, "cosKey")?;
    let url = field(&grant, "url")?;
    let photo = data::bytes(2, 300 * 1024);
    let started = Instant::now();
    let answer = stack
        .app
        .put(&grant, &url, photo.clone())
        .await
        .map_err(|e| e.to_string())?;
    expect(&answer, 200, None, "PUT upload")?;
    println!("   PUT        {key}  {} bytes  -> 200", photo.len());
    report.add(
        "PUT",
        &key,
        photo.len() as u64,
        cos_model::crc64::crc64(&photo),
        started.elapsed(),
    );

    // The PUT credential names one path; sending it elsewhere must fail at COS.
    let elsewhere = format!(
        "{}/demo/mini-program/not-the-granted-key.jpg",
        url.rsplit_once("/demo/mini-program/")
            .map(|(base, _)| base)
            .ok_or("unexpected grant url")?
    );
    let answer = stack
        .app
        .put(&grant, &elsewhere, &b"overwrite attempt"[..])
        .await
        .map_err(|e| e.to_string())?;
    expect(
        &answer,
        403,
        Some("SignatureDoesNotMatch"),
        "the PUT credential used on another key",
    )?;
    println!(
        "   PUT        another key with the same credential -> 403 SignatureDoesNotMatch (refused, as it must be)"
    );

    let grant = ask_grant(stack, "/post-policy?ext=png").await?;
    let key = field(&grant, "cosKey")?;
    let too_big = data::bytes(3, usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(1 << 20) + 1);
    let answer = stack
        .app
        .post(&grant, &key, "huge.png", &too_big)
        .await
        .map_err(|e| e.to_string())?;
    expect(
        &answer,
        400,
        Some("EntityTooLarge"),
        "a POST above the policy's content-length-range",
    )?;
    println!(
        "   POST form  {} bytes, over the policy's {MAX_UPLOAD_BYTES}-byte limit -> 400 EntityTooLarge (refused)",
        too_big.len()
    );
    Ok(())
}

async fn ask_grant(stack: &Stack, path_and_query: &str) -> Result<Value, String> {
    let answer = stack
        .app
        .ask(path_and_query)
        .await
        .map_err(|e| format!("asking the signing server {path_and_query}: {e}"))?;
    expect(&answer, 200, None, path_and_query)?;
    answer
        .json()
        .map_err(|e| format!("{path_and_query}: not JSON: {e}"))
}

fn field(grant: &Value, name: &str) -> Result<String, String> {
    grant[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the grant has no `{name}`"))
}

fn expect(answer: &Answer, status: u16, code: Option<&str>, what: &str) -> Result<(), String> {
    let got_code = answer.cos_code();
    if answer.status == status && (code.is_none() || got_code.as_deref() == code) {
        return Ok(());
    }
    Err(format!(
        "{what}: expected {status}{} but got {} {}: {}",
        code.map(|c| format!(" {c}")).unwrap_or_default(),
        answer.status,
        got_code.unwrap_or_default(),
        String::from_utf8_lossy(&answer.body)
    ))
}
