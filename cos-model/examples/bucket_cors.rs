//! Prints the PUT Bucket cors request a direct-upload page's bucket needs (its origin may PUT
//! and POST with any header, and its scripts may read ETag and the CRC64), then reads a GET
//! Bucket cors answer back into the same rules. No network.
//!
//! ```text
//! cargo run -p cos-model --example bucket_cors -- [bucket] [region] [page-origin]
//! cargo run -p cos-model --example bucket_cors -- examplebucket-1250000000 ap-guangzhou https://app.example.com
//! ```

use cos_model::options::CorsMethod;
use cos_model::{
    BucketName, CorsConfiguration, CorsRule, Endpoint, GetBucketCors, Operation, PutBucketCors,
    Region, ResponseHead,
};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let bucket = BucketName::new(args.next().as_deref().unwrap_or("examplebucket-1250000000"))?;
    let region = Region::new(args.next().as_deref().unwrap_or("ap-guangzhou"))?;
    let origin = args
        .next()
        .unwrap_or_else(|| "https://app.example.com".into());
    let rules = CorsConfiguration::new([CorsRule::new(origin, CorsMethod::Put)
        .method(CorsMethod::Post)
        .allowed_header("*")
        .expose_header("ETag")
        .expose_header("x-cos-hash-crc64ecma")
        .max_age_seconds(600)]);
    let put = PutBucketCors::new(rules.clone());
    let req = put.build(&Endpoint::new(region), Some(&bucket))?;
    println!("{} {}", req.method(), req.uri());
    for (name, value) in req.headers() {
        println!("  {name}: {}", String::from_utf8_lossy(value.as_bytes()));
    }
    let body = req.body().to_bytes();
    println!("\n{}\n", String::from_utf8_lossy(&body));
    // What GET Bucket cors would answer with these rules stored.
    let answer = ResponseHead::new(http::StatusCode::OK, http::HeaderMap::new());
    let got = GetBucketCors::new().parse(&answer, body)?;
    println!(
        "read back: {} rule(s), the same as sent: {}",
        got.configuration.rules.len(),
        got.configuration == rules
    );
    Ok(())
}
