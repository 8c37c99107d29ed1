//! The STS operations (Tencent Cloud API 3.0, service `sts`, version `2018-08-13`) that hand
//! out temporary keys: [`GetFederationToken`] and [`AssumeRole`], typed both ways — the JSON
//! body a request carries and the `{"Response": …}` envelope it gets back, whose `Error`
//! comes with HTTP 200 and is a typed [`StsError`] (shared/spec/sts.md, "STS actions" and
//! "Response envelope and common errors"). Signing (TC3) and sending are cos-transport's.

mod assume_role;
mod federation;
mod response;

pub use assume_role::AssumeRole;
pub use federation::GetFederationToken;
pub use response::{StsCredentials, StsError, StsErrorKind};

/// The STS API version every action here speaks.
pub const VERSION: &str = "2018-08-13";

/// Tencent's STS endpoint.
pub const DEFAULT_HOST: &str = "sts.tencentcloudapi.com";

/// One STS action: its name, its JSON body, and how its answer is read.
pub trait StsAction {
    /// What the action answers with.
    type Output;

    /// The action's name (`X-TC-Action`).
    fn action(&self) -> &'static str;

    /// The request body (JSON).
    fn body(&self) -> String;

    /// Reads the whole answer (status and body).
    fn parse(&self, status: http::StatusCode, body: &[u8]) -> Result<Self::Output, StsError>;
}
