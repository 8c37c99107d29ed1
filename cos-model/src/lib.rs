//! Typed, sans-IO COS XML API v5: endpoints, validated names, one module per operation, errors, CRC64.
//!
//! `cos-model` describes Tencent Cloud COS's XML API exactly and does no IO: every operation
//! is a plain value that **builds** an [`http::Request`] with an unsigned, replayable
//! [`Payload`], and **parses** a status, headers and body bytes into a typed output or a
//! typed error. Any HTTP stack can carry the requests; `cos-transport` signs and sends them.
//!
//! - Addressing: [`Endpoint`] (virtual host, accelerate, custom domain, template, path style,
//!   service host) → URI, `Host` and the path to sign ([`SigningInput`]).
//! - Names, validated once: [`BucketName`], [`Region`], [`ObjectKey`], [`PartNumber`], [`UploadId`].
//! - Operations ([`Operation`], module [`ops`]): GetService, PutBucket, HeadBucket, GetBucket,
//!   PutObject, PostObject, HeadObject, GetObject, DeleteObject, DeleteMultipleObjects,
//!   InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
//!   AbortMultipartUpload, ListParts, ListMultipartUploads, PutObjectCopy.
//! - Errors: [`CosError`] with [`ErrorCode`] (retryable? clock skew? expired credential?),
//!   from an `<Error>` body, a body-less HEAD, or a 200 whose body is `<Error>`; a malformed
//!   response is a [`ParseError`] that keeps the status and request id — never a panic.
//! - [`crc64`]: CRC-64/XZ of `x-cos-hash-crc64ecma`, with `combine` for multipart objects.
//! - [`limits`]: COS's part, single-upload and object size limits, defined once.
//!
//! # Example: one part of a multipart upload
//!
//! ```
//! use bytes::Bytes;
//! use cos_model::{
//!     BucketName, Endpoint, ObjectKey, Operation, PartNumber, Region, ResponseHead,
//!     SigningInput, UploadId, UploadPart,
//! };
//!
//! let endpoint = Endpoint::new(Region::new("ap-guangzhou")?);
//! let bucket = BucketName::new("examplebucket-1250000000")?;
//! let part = UploadPart::new(
//!     ObjectKey::new("folder/big file.bin")?,
//!     UploadId::new("1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")?,
//!     PartNumber::new(1)?,
//!     Bytes::from_static(b"hello world"),
//! );
//!
//! // Build: an absolute URI, Host, Content-Length, and what the signer needs.
//! let request = part.build(&endpoint, Some(&bucket))?;
//! assert_eq!(
//!     request.uri().to_string(),
//!     "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/folder/big%20file.bin\
//!      ?partNumber=1&uploadId=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"
//! );
//! assert_eq!(request.headers()["content-length"], "11");
//! let signing = SigningInput::of(&request).expect("every built request carries one");
//! assert_eq!(signing.path, "/folder/big file.bin");
//! assert_eq!(signing.query[0], ("partNumber".to_owned(), "1".to_owned()));
//!
//! // ... sign and send it, then parse what COS answered:
//! let mut headers = http::HeaderMap::new();
//! headers.insert("etag", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"".parse()?);
//! headers.insert("x-cos-hash-crc64ecma", "5981764153023615706".parse()?);
//! headers.insert("x-cos-request-id", "NWU3YzZiYjVfYjkzMTFlMDlfMTkzNTdfMTJi".parse()?);
//! let head = ResponseHead::new(http::StatusCode::OK, headers);
//! let out = part.parse(&head, Bytes::new())?;
//! assert_eq!(out.etag.quoted(), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
//! assert_eq!(out.crc64, Some(cos_model::crc64::crc64(b"hello world")));
//!
//! // An error answer is a typed CosError.
//! let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>NoSuchUpload</Code>\
//!             <Message>The specified upload does not exist.</Message></Error>";
//! let err = part
//!     .parse(&ResponseHead::new(http::StatusCode::NOT_FOUND, http::HeaderMap::new()), Bytes::from(body))
//!     .unwrap_err();
//! assert_eq!(err.cos().map(|e| &e.code), Some(&cos_model::ErrorCode::NoSuchUpload));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conventions
//! - Query values and paths in [`SigningInput`] are decoded; the URI carries them encoded with
//!   COS's UrlEncode ([`encode`]): only `A-Za-z0-9-_.~` (and `/` in paths) stay bare.
//! - Listings always request `encoding-type=url` and are decoded before they are returned.
//! - ETags are stored without quotes ([`ETag`]) and written with them.
//! - Result types derive serde and have `to_xml()`, so a server (the emulator) writes exactly
//!   what the client reads.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![allow(clippy::result_large_err)]

pub mod crc64;
pub mod encode;
pub mod limits;
pub mod ops;
pub mod options;
pub mod sts;
pub mod xml;

mod cos_error;
mod endpoint;
mod error;
mod error_code;
mod etag;
mod names;
mod operation;
mod parse_error;
mod payload;
mod request;
mod response;
mod signing;
mod time;

pub use cos_error::CosError;
pub use endpoint::{Addressing, Domain, Endpoint, Scheme, Target};
pub use error::{ModelError, NameError};
pub use error_code::ErrorCode;
pub use etag::ETag;
pub use names::{BucketName, NameKind, ObjectKey, PartNumber, Region, UploadId};
pub use operation::Operation;
pub use ops::*;
pub use parse_error::ParseError;
pub use payload::Payload;
pub use response::{ResponseHead, ResponseMeta};
pub use signing::SigningInput;
pub use time::{Timestamp, format_iso8601, parse_iso8601};

// The README's example is compiled, and run where it can be, as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
