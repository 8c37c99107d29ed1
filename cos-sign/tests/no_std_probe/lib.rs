//! A `#![no_std]` static library that signs a request with cos-sign built without default
//! features. It defines its own `#[panic_handler]`, so it only links if nothing in cos-sign's
//! dependency tree pulls in `std` (which brings a second `panic_impl`). Built by
//! `tests/no_std.rs` as a separate one-crate workspace.
#![no_std]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};

/// An allocator that never allocates: the probe is compiled and linked, not run.
struct NoAlloc;

// SAFETY: returning null is a valid "allocation failed" answer; dealloc is never reached.
unsafe impl GlobalAlloc for NoAlloc {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOCATOR: NoAlloc = NoAlloc;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Signs, verifies and builds a POST policy, signs and verifies TC3 and v1, builds a CAM
/// policy, so every module is linked.
#[unsafe(no_mangle)]
pub extern "C" fn cos_sign_probe(now: u64) -> usize {
    let credentials = cos_sign::Credentials::new("AKIDprobe", "secret");
    let headers = [("Host", "b-1250000000.cos.ap-guangzhou.myqcloud.com")];
    let request = cos_sign::SignableRequest::new("GET", "/a").with_headers(&headers);
    let key_time = cos_sign::KeyTime::new(now, now + 60);
    let Ok(signature) = cos_sign::sign(
        &request,
        &credentials,
        key_time,
        &cos_sign::HeaderPolicy::Default,
    ) else {
        return 0;
    };
    let lookup = |_: &str| Some(credentials.clone());
    let verified =
        cos_sign::verify::verify_header(signature.authorization(), &request, &lookup, now).is_ok();
    let policy = cos_sign::post::PostPolicy::new(now + 60)
        .key_prefix("uploads/")
        .sign(&credentials, key_time);
    let tc3 = cos_sign::tc3::sign(
        &cos_sign::tc3::Tc3Request {
            method: "POST",
            host: "sts.tencentcloudapi.com",
            path: "/",
            query: "",
            content_type: "application/json",
            payload: b"{}",
            service: "sts",
            timestamp: now,
        },
        &credentials,
    );
    let headers = [("Host", "sts.tencentcloudapi.com"), ("Content-Type", "application/json")];
    let incoming = cos_sign::tc3::Tc3Incoming {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        payload: b"{}",
    };
    let tc3_verified =
        cos_sign::tc3::verify(&incoming, tc3.authorization(), Some("0"), &lookup, now).is_ok();
    let v1 = cos_sign::sts_v1::sign(
        &cos_sign::sts_v1::V1Request {
            method: "POST",
            host: "sts.tencentcloudapi.com",
            path: "/",
            params: &[("Action", "GetFederationToken")],
        },
        &credentials,
        cos_sign::sts_v1::SignatureMethod::HmacSha256,
    );
    let cam = cos_sign::cam::UploadPolicy::key("b-1250000000", "ap-guangzhou", "a")
        .map(|p| p.max_content_length(1).policy().to_json().len())
        .unwrap_or(0);
    signature.authorization().len()
        + usize::from(verified)
        + policy.map(|f| f.fields().len()).unwrap_or(0)
        + tc3.authorization().len()
        + usize::from(tc3_verified)
        + v1.signature().len()
        + cam
}
