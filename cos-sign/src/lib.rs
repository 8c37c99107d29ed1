//! The pure, sans-IO COS signer: the `q-sign-algorithm=sha1` Authorization, pre-signed URLs,
//! POST policies and (feature `verify`) their verification; and for temporary keys, the
//! Tencent Cloud API side: [`tc3`] (TC3-HMAC-SHA256, what STS and the generic SDKs sign with),
//! [`sts_v1`] (the HmacSHA1/HmacSHA256 "signature v1" of the COS STS SDKs), their verification
//! (`cloud_api`, feature `verify`) and [`cam`] (the CAM policies STS attaches to a key).
//!
//! Everything here is a function of its inputs: no clock, no IO, no async. The caller passes the
//! request as a borrowed [`SignableRequest`], the [`Credentials`] and the [`KeyTime`] window.
//!
//! ```
//! use cos_sign::{sign, Credentials, HeaderPolicy, KeyTime, SignableRequest};
//!
//! let credentials = Credentials::new(
//!     "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
//!     "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
//! );
//! let request = SignableRequest {
//!     method: "GET",
//!     path: "/testfile",
//!     query: &[],
//!     headers: &[
//!         ("Host", "bucket1-1254000000.cos.ap-beijing.myqcloud.com"),
//!         ("Range", "bytes=0-3"),
//!     ],
//! };
//! let signature = sign(
//!     &request,
//!     &credentials,
//!     KeyTime::new(1417773892, 1417853898),
//!     &HeaderPolicy::Default,
//! )?;
//! assert_eq!(signature.signature(), "4b6cbab14ce01381c29032423481ebffd514e8be");
//! # Ok::<(), cos_sign::SignError>(())
//! ```
//!
//! Features: `std` (default; without it the crate is `no_std` + `alloc`), `http` (an adapter
//! from `http::request::Parts`), `verify` (checking Authorization headers, pre-signed queries
//! and POST forms, for servers and emulators).
//!
//! Cost: one allocation per signature (the HttpString, StringToSign and Authorization share it)
//! and the twelve or so SHA-1 compressions the signature is made of, some of them run side by
//! side (see `benches/sign.rs`). On the development machine (SHA-NI) a typical PUT signs in
//! about 0.64 µs, 1.25 times the bare hashing done one hash after the other; a [`Signer`]
//! that keeps the SignKey of its window signs in about 0.42 µs.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
// Tests may unwrap; the library itself may not (workspace lints).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod cam;
mod canonical;
#[cfg(feature = "verify")]
pub mod cloud_api;
mod credentials;
pub mod encode;
mod error;
mod hash;
mod header_policy;
#[cfg(feature = "http")]
mod http_adapter;
mod key_time;
pub mod post;
mod request;
mod signature;
mod signer;
pub mod sts_v1;
pub mod tc3;
#[cfg(feature = "verify")]
pub mod verify;

pub use credentials::Credentials;
pub use error::SignError;
pub use header_policy::{DEFAULT_SIGNED_HEADERS, HeaderPolicy};
#[cfg(feature = "http")]
pub use http_adapter::OwnedSignableRequest;
pub use key_time::{KeyTime, KeyTimeError};
pub use request::SignableRequest;
pub use signature::Signature;
pub use signer::{Signer, sign};

/// The only signature algorithm COS v5 uses (`q-sign-algorithm`).
pub const SIGN_ALGORITHM: &str = "sha1";

/// The query parameter / header / form field carrying an STS session token.
pub const SECURITY_TOKEN_NAME: &str = "x-cos-security-token";

// The README's example is compiled, and run where it can be, as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
