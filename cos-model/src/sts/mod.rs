//! The STS operations (Tencent Cloud API 3.0, service `sts`, version `2018-08-13`) that hand
//! out temporary keys: [`GetFederationToken`], [`AssumeRole`] and
//! [`AssumeRoleWithWebIdentity`], typed both ways — the JSON
//! body a request carries and the `{"Response": …}` envelope it gets back, whose `Error`
//! comes with HTTP 200 and is a typed [`StsError`] (shared/spec/sts.md, "STS actions" and
//! "Response envelope and common errors"). Also the CVM metadata service's answer for an
//! instance role's keys ([`parse_instance_role_credentials`]), which has the same keys.
//! Signing (TC3) and sending are cos-transport's.

mod assume_role;
mod federation;
mod instance_role;
mod response;
mod web_identity;

pub use assume_role::AssumeRole;
pub use federation::GetFederationToken;
pub use instance_role::parse_instance_role_credentials;
pub use response::{StsCredentials, StsError, StsErrorKind};
pub use web_identity::AssumeRoleWithWebIdentity;

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

    /// Whether the request carries a TC3 signature. An action that authenticates by its own
    /// body (a web identity token) is sent with `Authorization: SKIP`, as Tencent's SDKs do.
    fn signed(&self) -> bool {
        true
    }

    /// Reads the whole answer (status and body).
    fn parse(&self, status: http::StatusCode, body: &[u8]) -> Result<Self::Output, StsError>;
}
