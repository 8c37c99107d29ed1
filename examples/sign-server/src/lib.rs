//! A direct-upload signing server for mini programs and browsers, built on `cos-sign`.
//!
//! The client sends only a file extension; the server picks a random dated key, signs a
//! credential that can write exactly that key, and answers with the fields of Tencent's
//! direct-upload guide: `GET /put-auth?ext=jpg` → `{cosHost, cosKey, authorization,
//! securityToken}` for `PUT {scheme}://{cosHost}/{cosKey}`, and `GET /post-policy?ext=jpg` →
//! `{cosHost, cosKey, policy, qSignAlgorithm, qAk, qKeyTime, qSignature, securityToken}` for a
//! form POST to `{scheme}://{cosHost}`. Each answer also carries `url`, the full address to send
//! to (the guide's clients assume https; the emulator speaks http). Both endpoints require
//! `Authorization: Bearer <token>`.
//!
//! It also serves a direct-upload page at `/` (PUT, form POST and cos-js-sdk-v5 uploads; the
//! SDK file is given with [`BrowserAccess::js_sdk`]) and answers cross-origin calls from the
//! page origins given with [`BrowserAccess::allow_origin`], and from no others.
//!
//! ```no_run
//! # async fn run() -> Result<(), cos_sign_server::SignServerError> {
//! use cos_sign_server::{Addressing, CredentialSource, ExtensionAllowList, SignServerConfig};
//! let config = SignServerConfig {
//!     bucket: "photos-1250000000".into(),
//!     addressing: Addressing::cos_default("photos-1250000000", "ap-guangzhou"),
//!     prefix: "uploads".into(),
//!     max_bytes: 10 << 20,
//!     allowed_extensions: ExtensionAllowList::new(["jpg", "png"]),
//!     bearer_token: "change-me".into(),
//!     credential_ttl: std::time::Duration::from_secs(600),
//!     sts: None, // or Some(StsGrant { .. }) to serve /sts
//! };
//! let keys = CredentialSource::Static(cos_sign::Credentials::new("AKID…", "secret"));
//! let server = cos_sign_server::start(config, keys, "127.0.0.1:8080".parse().unwrap()).await?;
//! println!("signing on {}", server.url());
//! # Ok(()) }
//! ```

mod addressing;
mod browser;
mod credentials;
mod error;
pub mod guide_client;
mod keys;
mod server;
mod sts_grant;

pub use addressing::Addressing;
pub use browser::{BrowserAccess, JS_SDK_PATH};
pub use credentials::{CredentialSource, SigningKeys, StsSource};
pub use error::{RequestError, SignServerError};
pub use guide_client::{Answer, GuideClient, GuideClientError};
pub use keys::{ExtensionAllowList, generate_key};
pub use server::{RunningSignServer, SignServerConfig, start, start_with};
pub use sts_grant::StsGrant;
