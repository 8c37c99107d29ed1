//! Prints the requests of a whole multipart upload (Initiate, each UploadPart, Complete) as
//! cos-model builds them, and checks the whole object's CRC-64 from the parts' CRCs, as an
//! uploader does with Complete's `x-cos-hash-crc64ecma`. No network.
//!
//! ```text
//! cargo run -p cos-model --example multipart_requests -- [bucket] [region] [key] [size] [part-size]
//! cargo run -p cos-model --example multipart_requests -- examplebucket-1250000000 ap-guangzhou "videos/a b.mp4" 5000000 2097152
//! ```

use bytes::Bytes;
use cos_model::crc64::{combine, crc64};
use cos_model::options::{ObjectOptions, StorageClass};
use cos_model::{
    BucketName, CompleteMultipartUpload, CompletedParts, ETag, Endpoint, InitiateMultipartUpload,
    ObjectKey, Operation, PartNumber, Payload, Region, SigningInput, UploadId, UploadPart,
};
use md5::Digest;
use std::error::Error;

fn show(req: &http::Request<Payload>) {
    println!("{} {}", req.method(), req.uri());
    for (name, value) in req.headers() {
        println!("  {name}: {}", String::from_utf8_lossy(value.as_bytes()));
    }
    if let Some(s) = SigningInput::of(req) {
        println!("  (signs path {:?} and query {:?})", s.path, s.query);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let bucket = BucketName::new(arg(0, "examplebucket-1250000000"))?;
    let region = Region::new(arg(1, "ap-guangzhou"))?;
    let key = ObjectKey::new(arg(2, "videos/a b+c.mp4"))?;
    let size: usize = arg(3, "3500000").parse()?;
    let part_size: usize = arg(4, "1048576").parse()?;
    if part_size == 0 {
        return Err("part size must be positive".into());
    }
    let endpoint = Endpoint::new(region);

    // A deterministic object of `size` bytes.
    let data: Bytes = (0..size)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();

    let init = InitiateMultipartUpload::new(key.clone()).options(
        ObjectOptions::new()
            .content_type("video/mp4")
            .storage_class(StorageClass::Standard),
    );
    show(&init.build(&endpoint, Some(&bucket))?);
    // What COS would answer; the id here is made up for the printout.
    let upload_id = UploadId::new(
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
    )?;

    let mut parts = CompletedParts::new();
    let mut combined = 0u64;
    for (index, start) in (0..size.max(1)).step_by(part_size).enumerate() {
        let chunk = data.slice(start..(start + part_size).min(size));
        let number = PartNumber::from_index(index)?;
        let op = UploadPart::new(key.clone(), upload_id.clone(), number, chunk.clone());
        show(&op.build(&endpoint, Some(&bucket))?);
        // The part's ETag (its MD5) and CRC-64 as COS returns them; the CRCs fold into the
        // whole object's.
        let part_crc = crc64(&chunk);
        combined = combine(combined, part_crc, chunk.len() as u64);
        let md5: [u8; 16] = md5::Md5::digest(&chunk).into();
        parts.insert(number, ETag::from_md5(md5));
    }

    let complete = CompleteMultipartUpload::new(key, upload_id, parts);
    let req = complete.build(&endpoint, Some(&bucket))?;
    show(&req);
    println!("{}", String::from_utf8_lossy(&req.body().to_bytes()));

    let whole = crc64(&data);
    println!("combined part CRC-64 {combined} vs whole object {whole}");
    if combined != whole {
        return Err("CRC-64 combine disagrees with the whole object's CRC".into());
    }
    Ok(())
}
