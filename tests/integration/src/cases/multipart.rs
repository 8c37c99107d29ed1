//! Multipart uploads: Initiate, UploadPart (in any order, overwritten), ListParts,
//! ListMultipartUploads, Complete, Abort — and Complete's errors (EntityTooSmall,
//! InvalidPart, InvalidPartOrder, MalformedXML) and NoSuchUpload.

use bytes::Bytes;
use cos_model::ops::{
    AbortMultipartUpload, CompleteMultipartUpload, CompletedParts, InitiateMultipartUpload,
    ListMultipartUploads, ListParts, PartNumberMarker, UploadPart,
};
use cos_model::ops::{GetObject, HeadObject};
use cos_model::options::ObjectOptions;
use cos_model::{ETag, ErrorCode, ObjectKey, PartNumber, UploadId};
use http::Method;

use crate::checks::expect_cos_error;
use crate::data;
use crate::error::Context as _;
use crate::raw::RawRequest;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// 1 MiB: the smallest size of a part that is not the last.
pub const MIN_PART: usize = 1024 * 1024;

fn part(n: u32) -> Result<PartNumber, SuiteError> {
    PartNumber::new(n).map_err(|e| SuiteError::setup(format!("part number {n}: {e}")))
}

async fn initiate(ctx: &Context, key: &ObjectKey) -> Result<UploadId, SuiteError> {
    let init = ctx
        .client()
        .execute(&InitiateMultipartUpload::new(key.clone()))
        .await
        .context("InitiateMultipartUpload")?;
    Ok(init.upload_id)
}

async fn upload(
    ctx: &Context,
    key: &ObjectKey,
    id: &UploadId,
    number: u32,
    body: &Bytes,
) -> Result<ETag, SuiteError> {
    let out = ctx
        .client()
        .execute(&UploadPart::new(
            key.clone(),
            id.clone(),
            part(number)?,
            body.clone(),
        ))
        .await
        .context(format!("UploadPart {number}"))?;
    if out.etag != data::etag_of(body) {
        return Err(SuiteError::check(format!(
            "UploadPart {number} ETag {:?}, want {:?}",
            out.etag,
            data::etag_of(body)
        )));
    }
    if out.crc64 != Some(data::crc64(body)) {
        return Err(SuiteError::check(format!(
            "UploadPart {number} x-cos-hash-crc64ecma {:?}",
            out.crc64
        )));
    }
    Ok(out.etag)
}

/// The XML body of a Complete request listing `parts` in the given order.
pub fn complete_xml(parts: &[(u32, &ETag)]) -> String {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
            etag.quoted().replace('"', "&quot;")
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

fn raw_complete(key: &ObjectKey, id: &UploadId, xml: String) -> RawRequest {
    RawRequest::new("CompleteMultipartUpload", Method::POST, Some(key.as_str()))
        .query("uploadId", id.as_str())
        .header("content-type", "application/xml")
        .body(xml)
}

/// A full upload: parts sent out of order and concurrently, one overwritten, listed, then
/// completed; the object has the multipart ETag, the combined CRC64 and the content.
pub async fn round_trip(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("multipart/object.bin")?;
    let init = client
        .execute(
            &InitiateMultipartUpload::new(key.clone()).options(
                ObjectOptions::new()
                    .content_type("video/mp4")
                    .metadata("origin", "multipart"),
            ),
        )
        .await
        .context("InitiateMultipartUpload")?;
    ensure_eq!(init.key, key.as_str(), "InitiateMultipartUploadResult Key");
    ensure_eq!(
        init.bucket,
        ctx.bucket().as_str(),
        "InitiateMultipartUploadResult Bucket"
    );
    let id = init.upload_id;
    let bodies = [
        data::body(MIN_PART, 11),
        data::body(MIN_PART + 5, 12),
        data::body(300_000, 13),
    ];

    // Parts 3 and 1 concurrently, then a first version of 2, then 2 again (overwrite).
    let (third, first) = tokio::join!(
        upload(ctx, &key, &id, 3, &bodies[2]),
        upload(ctx, &key, &id, 1, &bodies[0])
    );
    let (third, first) = (third?, first?);
    upload(ctx, &key, &id, 2, &data::body(MIN_PART, 99)).await?;
    let second = upload(ctx, &key, &id, 2, &bodies[1]).await?;

    let uploads = client
        .execute(&ListMultipartUploads::new().prefix(ctx.prefix()))
        .await
        .context("ListMultipartUploads")?;
    ensure!(
        uploads
            .uploads
            .iter()
            .any(|u| u.key == key.as_str() && u.upload_id == id.as_str()),
        "ListMultipartUploads does not list the upload: {:?}",
        uploads.uploads
    );

    // ListParts two at a time.
    let page1 = client
        .execute(&ListParts::new(key.clone(), id.clone()).max_parts(2))
        .await
        .context("ListParts page 1")?;
    ensure!(
        page1.is_truncated,
        "ListParts max-parts 2 of 3 parts is not truncated"
    );
    let next = page1
        .next_page()
        .ok_or_else(|| SuiteError::check("ListParts page 1 has no next marker"))?;
    let page2 = client
        .execute(&ListParts::new(key.clone(), id.clone()).marker(next))
        .await
        .context("ListParts page 2")?;
    ensure!(!page2.is_truncated, "ListParts page 2 is truncated");
    let listed: Vec<(u32, u64, ETag)> = page1
        .parts
        .iter()
        .chain(&page2.parts)
        .map(|p| (p.part_number.get(), p.size, p.etag.clone()))
        .collect();
    let want: Vec<(u32, u64, ETag)> = vec![
        (1, bodies[0].len() as u64, first.clone()),
        (2, bodies[1].len() as u64, second.clone()),
        (3, bodies[2].len() as u64, third.clone()),
    ];
    ensure_eq!(listed, want, "ListParts (number, size, ETag)");
    ensure_eq!(page1.upload_id, id.as_str(), "ListPartsResult UploadId");

    let parts: CompletedParts = [(part(1)?, first), (part(2)?, second), (part(3)?, third)]
        .into_iter()
        .collect();
    let done = client
        .execute(&CompleteMultipartUpload::new(
            key.clone(),
            id.clone(),
            parts,
        ))
        .await
        .context("CompleteMultipartUpload")?;
    ensure_eq!(
        done.etag.part_count(),
        Some(3),
        "Complete ETag part count ({:?})",
        done.etag
    );
    let whole: Vec<u8> = bodies.iter().flat_map(|b| b.iter().copied()).collect();
    ensure_eq!(
        done.crc64,
        Some(data::crc64(&whole)),
        "Complete x-cos-hash-crc64ecma"
    );
    ensure_eq!(done.key, key.as_str(), "CompleteMultipartUploadResult Key");

    let head = client
        .execute(&HeadObject::new(key.clone()))
        .await
        .context("HeadObject")?;
    ensure_eq!(
        head.content_length,
        Some(whole.len() as u64),
        "HeadObject length"
    );
    ensure_eq!(head.etag, Some(done.etag.clone()), "HeadObject ETag");
    ensure_eq!(
        head.content_type.as_deref(),
        Some("video/mp4"),
        "HeadObject Content-Type from Initiate"
    );
    ensure!(
        head.user_metadata
            .contains(&("origin".to_owned(), "multipart".to_owned())),
        "HeadObject lacks the metadata given at Initiate: {:?}",
        head.user_metadata
    );
    let get = client
        .execute(&GetObject::new(key.clone()))
        .await
        .context("GetObject")?;
    ensure!(
        get.body[..] == whole[..],
        "GetObject content differs from the parts"
    );

    let after = client
        .execute(&ListMultipartUploads::new().prefix(ctx.prefix()))
        .await
        .context("ListMultipartUploads after Complete")?;
    ensure!(
        after.uploads.is_empty(),
        "uploads listed after Complete: {:?}",
        after.uploads
    );
    expect_cos_error(
        client.execute(&ListParts::new(key, id)).await,
        404,
        ErrorCode::NoSuchUpload,
        "ListParts after Complete",
    )?;
    Ok(())
}

/// Abort ends an upload: every later call on it, and on an unknown id, is 404 NoSuchUpload.
pub async fn abort_and_no_such_upload(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("multipart/aborted.bin")?;
    let id = initiate(ctx, &key).await?;
    let etag = upload(ctx, &key, &id, 1, &data::body(1000, 21)).await?;
    client
        .execute(&AbortMultipartUpload::new(key.clone(), id.clone()))
        .await
        .context("AbortMultipartUpload")?;
    expect_cos_error(
        client
            .execute(&ListParts::new(key.clone(), id.clone()))
            .await,
        404,
        ErrorCode::NoSuchUpload,
        "ListParts after Abort",
    )?;
    expect_cos_error(
        client
            .execute(&UploadPart::new(
                key.clone(),
                id.clone(),
                part(2)?,
                Bytes::from_static(b"x"),
            ))
            .await,
        404,
        ErrorCode::NoSuchUpload,
        "UploadPart after Abort",
    )?;
    let parts: CompletedParts = [(part(1)?, etag)].into_iter().collect();
    expect_cos_error(
        client
            .execute(&CompleteMultipartUpload::new(
                key.clone(),
                id.clone(),
                parts,
            ))
            .await,
        404,
        ErrorCode::NoSuchUpload,
        "CompleteMultipartUpload after Abort",
    )?;
    expect_cos_error(
        client
            .execute(&AbortMultipartUpload::new(key.clone(), id))
            .await,
        404,
        ErrorCode::NoSuchUpload,
        "AbortMultipartUpload twice",
    )?;
    let bogus =
        UploadId::new("1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")
            .map_err(|e| SuiteError::setup(format!("upload id: {e}")))?;
    expect_cos_error(
        client
            .execute(&UploadPart::new(
                key.clone(),
                bogus,
                part(1)?,
                Bytes::from_static(b"x"),
            ))
            .await,
        404,
        ErrorCode::NoSuchUpload,
        "UploadPart with an unknown upload id",
    )?;
    expect_cos_error(
        client.execute(&GetObject::new(key)).await,
        404,
        ErrorCode::NoSuchKey,
        "GetObject of an aborted upload's key",
    )?;
    Ok(())
}

/// Complete's refusals: a small non-last part (EntityTooSmall), a wrong ETag or a part never
/// sent (InvalidPart), descending part numbers (InvalidPartOrder), a body that is not XML
/// (MalformedXML). The upload survives them and completes afterwards.
pub async fn complete_errors(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("multipart/refused.bin")?;
    let id = initiate(ctx, &key).await?;
    let small = data::body(100_000, 31);
    let last = data::body(100_000, 32);
    let small_etag = upload(ctx, &key, &id, 1, &small).await?;
    let last_etag = upload(ctx, &key, &id, 2, &last).await?;
    let complete = |parts: Vec<(u32, ETag)>| -> Result<CompleteMultipartUpload, SuiteError> {
        let mut set = CompletedParts::new();
        for (n, e) in parts {
            set.insert(part(n)?, e);
        }
        Ok(CompleteMultipartUpload::new(key.clone(), id.clone(), set))
    };
    expect_cos_error(
        client
            .execute(&complete(vec![
                (1, small_etag.clone()),
                (2, last_etag.clone()),
            ])?)
            .await,
        400,
        ErrorCode::EntityTooSmall,
        "Complete with a 100 KB first part",
    )?;

    let big = data::body(MIN_PART, 33);
    let big_etag = upload(ctx, &key, &id, 1, &big).await?;
    expect_cos_error(
        client
            .execute(&complete(vec![(1, small_etag), (2, last_etag.clone())])?)
            .await,
        400,
        ErrorCode::InvalidPart,
        "Complete with a stale ETag for part 1",
    )?;
    expect_cos_error(
        client
            .execute(&complete(vec![
                (1, big_etag.clone()),
                (2, last_etag.clone()),
                (3, last_etag.clone()),
            ])?)
            .await,
        400,
        ErrorCode::InvalidPart,
        "Complete naming a part never uploaded",
    )?;
    expect_cos_error(
        client
            .execute(&raw_complete(
                &key,
                &id,
                complete_xml(&[(2, &last_etag), (1, &big_etag)]),
            ))
            .await,
        400,
        ErrorCode::InvalidPartOrder,
        "Complete with parts in descending order",
    )?;
    expect_cos_error(
        client
            .execute(&raw_complete(
                &key,
                &id,
                "<CompleteMultipartUpload><Part>".to_owned(),
            ))
            .await,
        400,
        ErrorCode::MalformedXML,
        "Complete with a truncated XML body",
    )?;

    let done = client
        .execute(&complete(vec![(1, big_etag), (2, last_etag)])?)
        .await
        .context("Complete after the refusals")?;
    ensure_eq!(done.etag.part_count(), Some(2), "Complete ETag part count");
    let get = client
        .execute(&GetObject::new(key))
        .await
        .context("GetObject")?;
    let whole: Vec<u8> = big.iter().chain(last.iter()).copied().collect();
    ensure!(
        get.body[..] == whole[..],
        "the completed object's content differs"
    );
    Ok(())
}

/// Part numbers: 10000 is accepted; 0 and 10001 are 400 InvalidArgument.
pub async fn part_number_limits(ctx: &Context) -> Outcome {
    let client = ctx.client();
    let key = ctx.key("multipart/limits.bin")?;
    let id = initiate(ctx, &key).await?;
    upload(ctx, &key, &id, 10_000, &Bytes::from_static(b"last part")).await?;
    for number in ["0", "10001"] {
        let put = RawRequest::new("UploadPart", Method::PUT, Some(key.as_str()))
            .query("partNumber", number)
            .query("uploadId", id.as_str())
            .body("x");
        expect_cos_error(
            client.execute(&put).await,
            400,
            ErrorCode::InvalidArgument,
            &format!("UploadPart with partNumber={number}"),
        )?;
    }
    let listed = client
        .execute(&ListParts::new(key.clone(), id.clone()))
        .await
        .context("ListParts")?;
    let numbers: Vec<u32> = listed.parts.iter().map(|p| p.part_number.get()).collect();
    ensure_eq!(numbers, vec![10_000], "parts listed");
    ensure_eq!(
        listed.part_number_marker,
        PartNumberMarker(0),
        "PartNumberMarker"
    );
    client
        .execute(&AbortMultipartUpload::new(key, id))
        .await
        .context("AbortMultipartUpload")?;
    Ok(())
}
