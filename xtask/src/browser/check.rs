//! The browser run's files and its verdict: what the page reported must be what cos-rs reads
//! back (HEAD: size, CRC64, ETag), the SDK must be refused outside its keys' scope, and the
//! page on a foreign origin must have been blocked without writing anything.

use std::path::{Path, PathBuf};

use cos_model::ObjectKey;
use cos_model::ops::HeadObject;
use serde_json::Value;

use super::stack::BrowserStack;

/// One file the page uploads.
pub struct TestFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its CRC-64/XZ, as COS computes it.
    pub crc64: u64,
}

/// A small and a medium image (single requests) and a video of several MiB (the SDK's
/// multipart path: its SliceSize is 1 MiB).
pub fn make_files(dir: &Path) -> Result<Vec<TestFile>, String> {
    [
        ("small.jpg", 1024usize),
        ("medium.png", 300 * 1024),
        ("large.mp4", 3 * 1024 * 1024 + 123),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, size))| {
        let data = crate::data::bytes(0xb0b5 + i as u64, *size);
        let path = dir.join(name);
        std::fs::write(&path, &data).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TestFile {
            path,
            size: data.len() as u64,
            crc64: cos_model::crc64::crc64(&data),
        })
    })
    .collect()
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or("")
}

fn unquote(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// Checks the results of drive.js against the objects in the bucket.
pub async fn verify(
    stack: &BrowserStack,
    files: &[TestFile],
    results: &Value,
) -> Result<(), String> {
    let uploads = results
        .get("uploads")
        .and_then(Value::as_array)
        .ok_or("the results have no uploads")?;
    if uploads.len() != files.len() * 3 {
        return Err(format!(
            "{} uploads reported, want {} (three ways for each of {} files)",
            uploads.len(),
            files.len() * 3,
            files.len()
        ));
    }
    println!(
        "\n{:<5} {:<11} {:>9}  {:<52} {:<20}  HEAD",
        "way", "file", "bytes", "key", "CRC64"
    );
    for u in uploads {
        let (way, name) = (text(u, "way"), text(u, "name"));
        let what = format!("{way} of {name}");
        if u.get("ok") != Some(&Value::Bool(true)) {
            return Err(format!("{what} failed in the page: {}", text(u, "error")));
        }
        let file = files
            .iter()
            .find(|f| f.path.display().to_string() == text(u, "path"))
            .ok_or_else(|| format!("{what}: unknown file"))?;
        let page_crc = text(u, "crc64");
        if page_crc != file.crc64.to_string() {
            return Err(format!(
                "{what}: the page read CRC64 {page_crc:?} from COS's answer, the file's is {}",
                file.crc64
            ));
        }
        let key = ObjectKey::new(text(u, "key")).map_err(|e| format!("{what}: key: {e}"))?;
        let head = stack
            .client
            .execute(&HeadObject::new(key.clone()))
            .await
            .map_err(|e| format!("{what}: HEAD {key}: {e}"))?;
        if head.content_length != Some(file.size) || head.crc64 != Some(file.crc64) {
            return Err(format!(
                "{what}: HEAD {key} says {:?} bytes, CRC64 {:?}; the file has {} bytes, CRC64 {}",
                head.content_length, head.crc64, file.size, file.crc64
            ));
        }
        let head_etag = head.etag.as_ref().map(|e| e.as_unquoted().to_owned());
        if head_etag.as_deref() != Some(unquote(text(u, "etag"))) {
            return Err(format!(
                "{what}: the page read ETag {:?}, HEAD says {head_etag:?}",
                text(u, "etag")
            ));
        }
        // cos-js-sdk-v5 goes multipart above its 1 MiB SliceSize: the ETag says so (`…-N`).
        let multipart = head_etag.as_deref().is_some_and(|e| e.contains('-'));
        if way == "sdk" && multipart != (file.size > 1024 * 1024) {
            return Err(format!(
                "{what}: ETag {head_etag:?}; the SDK should upload {} bytes {}",
                file.size,
                if file.size > 1024 * 1024 {
                    "in parts"
                } else {
                    "in one request"
                }
            ));
        }
        println!(
            "{way:<5} {name:<11} {:>9}  {:<52} {:<20}  size, CRC64, ETag match",
            file.size,
            key.as_str(),
            file.crc64
        );
    }
    let outside = results
        .get("outsideScope")
        .ok_or("no outside-scope attempt")?;
    if outside.get("ok") == Some(&Value::Bool(true))
        || outside.get("status").and_then(Value::as_u64) != Some(403)
    {
        return Err(format!(
            "the SDK outside its keys' scope: want 403, got {}",
            outside
        ));
    }
    expect_absent(
        stack,
        text(outside, "key"),
        "the SDK's upload outside its scope",
    )
    .await?;
    println!(
        "sdk outside its scope: refused ({})",
        text(outside, "error")
    );
    let blocked = results.get("blocked").ok_or("no foreign-origin attempt")?;
    if blocked.get("ok") == Some(&Value::Bool(true)) || !text(blocked, "error").contains("blocked")
    {
        return Err(format!(
            "the page on {} was not blocked: {blocked}",
            text(blocked, "origin")
        ));
    }
    expect_absent(stack, text(blocked, "key"), "the blocked PUT").await?;
    println!(
        "put from {}: blocked by the preflight, nothing written",
        text(blocked, "origin")
    );
    Ok(())
}

async fn expect_absent(stack: &BrowserStack, key: &str, what: &str) -> Result<(), String> {
    let key = ObjectKey::new(key).map_err(|e| format!("{what}: key {key:?}: {e}"))?;
    match stack.client.execute(&HeadObject::new(key.clone())).await {
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(()),
        Err(e) => Err(format!("{what}: HEAD {key}: {e}")),
        Ok(_) => Err(format!("{what}: {key} exists, it should not")),
    }
}
