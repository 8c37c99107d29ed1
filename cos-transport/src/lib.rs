//! The swappable `Transport`, its hyper + rustls implementation, and the `Client` that signs,
//! sends and retries COS (XML API v5) operations.
//!
//! - [`Transport`] moves one HTTP exchange: a replayable [`Body`] in, a streaming
//!   [`ResponseBody`] out, or a [`TransportError`] that says what failed and whether the request
//!   may have reached the server. [`DynTransport`] is its object-safe twin.
//! - [`HyperTransport`] is the production transport: hyper-util's pooled client over rustls,
//!   with per-phase timeouts and never one total deadline.
//! - [`Client`] runs a `cos_model::Operation`: builds the request, gets credentials from a
//!   [`CredentialProvider`] ([`DefaultCredentials`] finds them as Tencent's SDKs do: environment,
//!   profile file, TKE web identity, CVM instance role), signs with the server-corrected clock,
//!   sends, retries by the [`RetryPolicy`], and parses. Errors keep COS's code, message, request and trace ids,
//!   the status, the operation and the attempt count.
//! - Feature `test-util`: `test_util::MockTransport` (answers by rules),
//!   `test_util::FaultTransport` (seeded faults around any transport),
//!   `test_util::RecordingTransport`.
//!
//! ```no_run
//! use cos_model::{BucketName, Endpoint, Region};
//! use cos_transport::{Client, StaticCredentials};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder(Endpoint::new(Region::new("ap-guangzhou")?))
//!     .bucket(BucketName::new("examplebucket-1250000000")?)
//!     .credentials(StaticCredentials::from_keys("AKIDexample", "secret"))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod body;
mod client;
pub mod clock;
pub mod credentials;
mod error;
mod hyper;
mod response_body;
pub mod retry;
pub mod sts;
#[cfg(feature = "test-util")]
pub mod test_util;
mod transport;

pub use body::{Body, BodyObserver, SentCounter};
pub use client::{
    Client, ClientBuildError, ClientBuilder, Error, ErrorKind, ObjectStream, PresignedRequest,
    RequestOptions, StreamingResponse,
};
pub use credentials::{
    CredentialError, CredentialProvider, DefaultCredentials, RemoteSigner, StaticCredentials,
    TemporaryCredentials, TemporaryKey,
};
pub use error::{BoxError, RequestState, TimeoutKind, TransportError, TransportErrorKind};
pub use hyper::{
    HttpVersion, HyperBuildError, HyperTransport, HyperTransportBuilder, Timeouts, TlsRoots,
};
pub use response_body::ResponseBody;
pub use retry::RetryPolicy;
pub use sts::{MintedCredentials, StsCallError, StsClient};
pub use transport::{BoxFuture, DynTransport, Transport, TransportResult};

// The README's example is compiled, and run where it can be, as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
