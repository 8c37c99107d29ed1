//! Signs an UploadPart request, makes a pre-signed download URL and a browser POST form, and
//! prints every intermediate value — a tour of cos-sign.
//!
//! Run: `cargo run -p cos-sign --example sign_request`

use cos_sign::encode::{uri_encode, uri_encode_path};
use cos_sign::post::PostPolicy;
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, Signer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The documentation's sample key pair (not an account) and a fixed window.
    let credentials = Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    );
    let key_time = KeyTime::new(1_700_000_000, 1_700_003_600);
    let host = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
    let signer = Signer::new(&credentials, key_time)?;
    println!("credentials: {credentials:?}");
    println!("SignKey:     {}\n", signer.sign_key());

    // 1. An UploadPart request: the Authorization header and how it was derived.
    let query = [
        ("partNumber", "1"),
        (
            "uploadId",
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        ),
    ];
    let headers = [
        ("Host", host),
        ("Content-Length", "1048576"),
        ("User-Agent", "cos-rs example"),
    ];
    let request = SignableRequest::new("PUT", "/folder/big file.bin")
        .with_query(&query)
        .with_headers(&headers);
    let signature = signer.sign(&request, &HeaderPolicy::Default)?;
    println!("HttpString:    {:?}", signature.http_string());
    println!("StringToSign:  {:?}", signature.string_to_sign());
    println!("Authorization: {}\n", signature.authorization());

    // 2. A pre-signed GET URL with a response-* override.
    let query = [("response-content-type", "text/plain")];
    let headers = [("Host", host)];
    let key = "/dir/a b+c中文.txt";
    let get = SignableRequest::new("GET", key)
        .with_query(&query)
        .with_headers(&headers);
    let presigned = signer.sign(&get, &HeaderPolicy::Default)?;
    let mut url = format!(
        "https://{host}{}?{}",
        uri_encode_path(key),
        presigned.presigned_query_string()
    );
    for (name, value) in query {
        url.push_str(&format!("&{name}={}", uri_encode(value)));
    }
    println!("pre-signed URL: {url}\n");

    // 3. A POST policy for browser uploads under `uploads/`, at most 10 MiB.
    let form = PostPolicy::new(key_time.end)
        .bucket("examplebucket-1250000000")
        .key_prefix("uploads/")
        .content_length_range(1, 10 * 1024 * 1024)
        .sign(&credentials, key_time)?;
    println!("policy JSON: {}", form.policy_json());
    for (name, value) in form.fields() {
        println!("  form field {name} = {value}");
    }
    Ok(())
}
