//! The COS conformance suite, run against the emulator or, given credentials, real COS.
//!
//! One suite over cos-transport's [`Client`](cos_transport::Client): every case in
//! [`cases`] is an `async fn(&Context) -> Outcome`. The crate's tests (`tests/conformance.rs`)
//! run each case with a fresh [`Context`]: an emulator started in-process on an ephemeral
//! loopback port, or real COS when `COS_SECRET_ID`, `COS_SECRET_KEY`, `COS_BUCKET` and
//! `COS_REGION` are set (see [`target`]). `cargo xtask integration` runs them.
//!
//! The Client talks to the emulator with COS's own virtual-host addressing
//! (`<bucket>.cos.<region>.myqcloud.com`, signed as such) over a `HyperTransport` whose
//! connections are pinned to the emulator's address ([`loopback::pinned_transport`]).
//! Pre-signed URLs and POST forms are sent as raw requests through another such transport
//! ([`plain_http`]), as a browser would send them.
//!
//! A case that cannot run against its target fails with [`SuiteError::CannotRun`] saying
//! why; none passes by returning early.
//!
//! Running one case by hand, against the target the environment selects:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cos_integration::{Context, cases};
//! let ctx = Context::start("path_style").await?;
//! let outcome = cases::addressing::path_style(&ctx).await;
//! ctx.finish(outcome).await?; // cleans up, then reports the case's result
//! # Ok(()) }
//! ```

pub mod cases;
pub mod checks;
mod cleanup;
pub mod clock;
pub mod context;
pub mod counting;
pub mod data;
mod error;
pub mod loopback;
pub mod plain_http;
pub mod raw;
pub mod target;

pub use context::Context;
pub use error::{Context as ResultContext, Outcome, SuiteError};
