//! Errors: [`CosError`] is an answer in COS's `<Error>` form (the code, its HTTP status, a
//! message and optional extra elements); [`EmulatorError`] is what the library API returns.

use http::StatusCode;

/// The COS error codes the emulator answers with (each has a fixed HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variants are COS's own code names
pub enum ErrorCode {
    AccessDenied,
    AccessForbidden,
    BadDigest,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    EntityTooLarge,
    EntityTooSmall,
    ExpiredToken,
    FileAlreadyExists,
    IncorrectNumberOfFilesInPostRequest,
    InternalError,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidBucketName,
    InvalidCopySource,
    InvalidDigest,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    InvalidPolicyDocument,
    InvalidRange,
    InvalidRegionName,
    InvalidRequest,
    InvalidURI,
    KeyTooLong,
    MalformedPOSTRequest,
    MalformedXML,
    MethodNotAllowed,
    MissingContentLength,
    NoSuchBucket,
    NoSuchCORSConfiguration,
    NoSuchKey,
    NoSuchUpload,
    NotImplemented,
    PreconditionFailed,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SlowDown,
    XMLSizeLimit,
}

impl ErrorCode {
    /// The code as it appears in `<Code>`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AccessDenied => "AccessDenied",
            AccessForbidden => "AccessForbidden",
            BadDigest => "BadDigest",
            BucketAlreadyOwnedByYou => "BucketAlreadyOwnedByYou",
            BucketNotEmpty => "BucketNotEmpty",
            EntityTooLarge => "EntityTooLarge",
            EntityTooSmall => "EntityTooSmall",
            ExpiredToken => "ExpiredToken",
            FileAlreadyExists => "FileAlreadyExists",
            IncorrectNumberOfFilesInPostRequest => "IncorrectNumberOfFilesInPostRequest",
            InternalError => "InternalError",
            InvalidAccessKeyId => "InvalidAccessKeyId",
            InvalidArgument => "InvalidArgument",
            InvalidBucketName => "InvalidBucketName",
            InvalidCopySource => "InvalidCopySource",
            InvalidDigest => "InvalidDigest",
            InvalidObjectName => "InvalidObjectName",
            InvalidPart => "InvalidPart",
            InvalidPartOrder => "InvalidPartOrder",
            InvalidPolicyDocument => "InvalidPolicyDocument",
            InvalidRange => "InvalidRange",
            InvalidRegionName => "InvalidRegionName",
            InvalidRequest => "InvalidRequest",
            InvalidURI => "InvalidURI",
            KeyTooLong => "KeyTooLong",
            MalformedPOSTRequest => "MalformedPOSTRequest",
            MalformedXML => "MalformedXML",
            MethodNotAllowed => "MethodNotAllowed",
            MissingContentLength => "MissingContentLength",
            NoSuchBucket => "NoSuchBucket",
            NoSuchCORSConfiguration => "NoSuchCORSConfiguration",
            NoSuchKey => "NoSuchKey",
            NoSuchUpload => "NoSuchUpload",
            NotImplemented => "NotImplemented",
            PreconditionFailed => "PreconditionFailed",
            RequestTimeTooSkewed => "RequestTimeTooSkewed",
            SignatureDoesNotMatch => "SignatureDoesNotMatch",
            SlowDown => "SlowDown",
            XMLSizeLimit => "XMLSizeLimit",
        }
    }

    /// The HTTP status COS answers the code with.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            AccessDenied
            | AccessForbidden
            | InvalidAccessKeyId
            | RequestTimeTooSkewed
            | SignatureDoesNotMatch => StatusCode::FORBIDDEN,
            NoSuchBucket | NoSuchKey | NoSuchUpload | NoSuchCORSConfiguration => {
                StatusCode::NOT_FOUND
            }
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            BucketAlreadyOwnedByYou | BucketNotEmpty | FileAlreadyExists => StatusCode::CONFLICT,
            MissingContentLength => StatusCode::LENGTH_REQUIRED,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            InvalidRange => StatusCode::RANGE_NOT_SATISFIABLE,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            NotImplemented => StatusCode::NOT_IMPLEMENTED,
            SlowDown => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// COS's usual message for the code.
    pub fn default_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AccessDenied => "Access Denied.",
            // OPTIONS Object doc, typos and all, without a final period (cors.md §3.4).
            AccessForbidden => {
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec"
            }
            BadDigest => "The Content-MD5 you specified did not match what we received.",
            BucketAlreadyOwnedByYou => {
                "The bucket you tried to create already exists, and you own it."
            }
            BucketNotEmpty => "The bucket you tried to delete is not empty.",
            EntityTooLarge => "Your proposed upload exceeds the maximum allowed object size.",
            EntityTooSmall => {
                "Your proposed upload is smaller than the minimum allowed object size."
            }
            ExpiredToken => "The provided token has expired.",
            FileAlreadyExists => {
                "The object already exists and x-cos-forbid-overwrite forbids overwriting it."
            }
            IncorrectNumberOfFilesInPostRequest => {
                "POST requires exactly one file upload per request."
            }
            InternalError => "We encountered an internal error. Please try again.",
            InvalidAccessKeyId => "The access key Id you provided does not exist in our records.",
            InvalidArgument => "Invalid Argument.",
            InvalidBucketName => "The specified bucket is not valid.",
            InvalidCopySource => "The copy source is not valid.",
            InvalidDigest => "The Content-MD5 you specified is not valid.",
            InvalidObjectName => "The specified object name is not valid.",
            InvalidPart => "One or more of the specified parts could not be found.",
            InvalidPartOrder => "The list of parts was not in ascending order.",
            InvalidPolicyDocument => {
                "The content of the form does not meet the conditions specified in the policy document."
            }
            InvalidRange => "The requested range is not satisfiable.",
            InvalidRegionName => "The region name is not valid.",
            InvalidRequest => "Invalid Request.",
            InvalidURI => "Couldn't parse the specified URI.",
            KeyTooLong => "Your key is too long.",
            MalformedPOSTRequest => {
                "The body of your POST request is not well-formed multipart/form-data."
            }
            MalformedXML => {
                "The XML you provided was not well-formed or did not validate against our published schema."
            }
            MethodNotAllowed => "The specified method is not allowed against this resource.",
            MissingContentLength => "You must provide the Content-Length HTTP header.",
            NoSuchBucket => "The specified bucket does not exist.",
            NoSuchCORSConfiguration => "The CORS configuration does not exist.",
            NoSuchKey => "The specified key does not exist.",
            NoSuchUpload => "The specified upload does not exist.",
            NotImplemented => {
                "A header or query you provided implies functionality that is not implemented."
            }
            PreconditionFailed => "At least one of the preconditions you specified did not hold.",
            RequestTimeTooSkewed => {
                "The difference between the request time and the server's time is too large."
            }
            SignatureDoesNotMatch => "The Signature you specified is invalid.",
            SlowDown => "Please reduce your request rate.",
            XMLSizeLimit => "The XML you provided was larger than the maximum allowed size.",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: rendered as COS's `<Error>` XML with the request's ids and resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosError {
    /// The code (and so the status).
    pub code: ErrorCode,
    /// The `<Message>`.
    pub message: String,
    /// Extra elements after `<TraceId>` (`StringToSign`, `FormatString`, `ServerTime`, ...).
    pub extra: Vec<(&'static str, String)>,
}

impl CosError {
    /// The code with its usual message.
    pub fn new(code: ErrorCode) -> Self {
        CosError {
            code,
            message: code.default_message().to_string(),
            extra: Vec::new(),
        }
    }

    /// The code with a specific message.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        CosError {
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// Adds an element after `<TraceId>`.
    pub fn extra(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

impl From<ErrorCode> for CosError {
    fn from(code: ErrorCode) -> Self {
        CosError::new(code)
    }
}

impl From<std::io::Error> for CosError {
    fn from(e: std::io::Error) -> Self {
        tracing::error!(error = %e, "storage error");
        CosError::new(ErrorCode::InternalError)
    }
}

/// What the library API can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The data directory could not be prepared.
    #[error("cannot use data directory {dir}: {source}")]
    DataDir {
        /// The directory.
        dir: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bucket name given at start is not `<name>-<appid>`.
    #[error("invalid bucket name `{0}` (expected <name>-<appid>, lowercase letters, digits and -)")]
    InvalidBucket(String),
    /// A region given at start is not valid.
    #[error("invalid region `{0}`")]
    InvalidRegion(String),
    /// A CAM policy the emulator cannot take.
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    /// A credential given at start is not `ID:KEY`.
    #[error("invalid credential (expected ID:KEY with a non-empty id and key)")]
    InvalidCredential,
    /// A fault specification does not parse.
    #[error(transparent)]
    Faults(#[from] crate::faults::FaultSpecError),
    /// An STS duration outside 1..=129600 seconds.
    #[error("temporary key duration {0} s is outside 1..=129600")]
    InvalidDuration(u64),
    /// The server task failed.
    #[error("server task failed: {0}")]
    Server(String),
}
