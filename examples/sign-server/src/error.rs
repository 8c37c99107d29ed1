//! Why a signing request was refused (answered as JSON with an HTTP status), and why the server
//! could not start or sign.

use http::StatusCode;

/// A client's request the server refuses; each maps to one HTTP status and a JSON error body.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No `Authorization: Bearer …` header, or the wrong token.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// The request gave no `ext` parameter.
    #[error("the `ext` query parameter is required")]
    MissingExtension,
    /// The extension is not on the server's allow-list.
    #[error("file extension `{0}` is not allowed")]
    ExtensionNotAllowed(String),
    /// The declared size is above the configured maximum or is not a number.
    #[error("declared size {0} is not a number of bytes within the allowed maximum")]
    BadSize(String),
    /// No such endpoint.
    #[error("no such endpoint")]
    NotFound,
    /// Only GET is served.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Credentials could not be obtained or a signature could not be made.
    #[error("the server could not sign: {0}")]
    Internal(#[from] SignServerError),
}

impl RequestError {
    /// The HTTP status this refusal is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::MissingExtension | Self::ExtensionNotAllowed(_) | Self::BadSize(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// A stable machine-readable code for the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "Unauthorized",
            Self::MissingExtension => "MissingExtension",
            Self::ExtensionNotAllowed(_) => "ExtensionNotAllowed",
            Self::BadSize(_) => "BadSize",
            Self::NotFound => "NotFound",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::Internal(_) => "SigningFailed",
        }
    }
}

/// A failure of the server itself: configuration, credentials or signing.
#[derive(Debug, thiserror::Error)]
pub enum SignServerError {
    /// A configuration value is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Temporary keys could not be fetched from the STS endpoint.
    #[error("fetching temporary keys from {url} failed: {reason}")]
    Sts {
        /// The STS endpoint asked.
        url: String,
        /// What went wrong (never contains a secret).
        reason: String,
    },
    /// cos-sign refused the request.
    #[error("signing failed: {0}")]
    Sign(#[from] cos_sign::SignError),
    /// cos-sign refused to build the POST policy.
    #[error("building the POST policy failed: {0}")]
    Policy(#[from] cos_sign::post::PolicyError),
    /// Binding or serving failed.
    #[error("server I/O: {0}")]
    Io(#[from] std::io::Error),
}
