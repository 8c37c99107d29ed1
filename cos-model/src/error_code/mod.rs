//! `ErrorCode`: every COS error code listed in shared/spec/cos-protocol.md ("Error body and
//! codes"), and what each one means for a client (retry, clock skew, credentials).

use std::fmt;
use std::str::FromStr;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// A COS error code (the `<Code>` of an `<Error>` body).
        ///
        /// Every code of shared/spec/cos-protocol.md ("Error body and codes"), three codes this
        /// crate synthesises for responses without a body ([`ErrorCode::NoSuchResource`],
        /// [`ErrorCode::NotModified`], [`ErrorCode::Unknown`]), and [`ErrorCode::Other`] for
        /// anything else.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this crate does not know, verbatim.
            Other(String),
        }

        impl ErrorCode {
            /// The code as COS writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $text, )*
                    ErrorCode::Other(s) => s,
                }
            }

            /// Every known code (not `Other`).
            pub fn known() -> &'static [ErrorCode] {
                &[$( ErrorCode::$variant, )*]
            }
        }

        impl FromStr for ErrorCode {
            type Err = std::convert::Infallible;
            /// Never fails: unknown codes become [`ErrorCode::Other`].
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $text => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other.to_owned()),
                })
            }
        }
    };
}

codes! {
    /// 400: the Content-MD5 does not match the body.
    BadDigest = "BadDigest",
    /// 400: the object or part is larger than allowed.
    EntityTooLarge = "EntityTooLarge",
    /// 400: the object or part is smaller than allowed (e.g. a non-last part under 1 MB).
    EntityTooSmall = "EntityTooSmall",
    /// 400: the body length does not match Content-Length.
    EntitySizeNotMatch = "EntitySizeNotMatch",
    /// 400: the temporary credential's token has expired.
    ExpiredToken = "ExpiredToken",
    /// 400: the body was shorter than Content-Length.
    IncompleteBody = "IncompleteBody",
    /// 400: a POST form must carry exactly one file.
    IncorrectNumberOfFilesInPostRequest = "IncorrectNumberOfFilesInPostRequest",
    /// 400: an argument is invalid.
    InvalidArgument = "InvalidArgument",
    /// 400: the bucket name is invalid.
    InvalidBucketName = "InvalidBucketName",
    /// 400: the copy source is invalid.
    InvalidCopySource = "InvalidCopySource",
    /// 400: the Content-MD5 is malformed.
    InvalidDigest = "InvalidDigest",
    /// 400: the object key is invalid.
    InvalidObjectName = "InvalidObjectName",
    /// 400: a listed part is missing or its ETag does not match.
    InvalidPart = "InvalidPart",
    /// 400: the parts are not in ascending order.
    InvalidPartOrder = "InvalidPartOrder",
    /// 400: the POST policy is malformed.
    InvalidPolicyDocument = "InvalidPolicyDocument",
    /// 400: the region is invalid.
    InvalidRegionName = "InvalidRegionName",
    /// 400: the request is invalid.
    InvalidRequest = "InvalidRequest",
    /// 400: the x-cos-content-sha1 is malformed or does not match.
    InvalidSHA1Digest = "InvalidSHA1Digest",
    /// 400: the URI is invalid.
    InvalidURI = "InvalidURI",
    /// 400: the multipart upload is not in a state that allows the request.
    InvalidUploadStatus = "InvalidUploadStatus",
    /// 400: the key is too long.
    KeyTooLong = "KeyTooLong",
    /// 400: the POST form is malformed.
    MalformedPOSTRequest = "MalformedPOSTRequest",
    /// 400: the XML body is malformed.
    MalformedXML = "MalformedXML",
    /// 400: the request needs a body.
    MissingRequestBodyError = "MissingRequestBodyError",
    /// 400: the connection was idle too long while sending the body.
    RequestTimeout = "RequestTimeout",
    /// 400: the client sends too slowly.
    UserNetworkTooSlow = "UserNetworkTooSlow",
    /// 400: the XML body is too large.
    XMLSizeLimit = "XMLSizeLimit",
    /// 400: a bad request (COS's spelling).
    BadRquest = "BadRquest",
    /// 400: the operation is not available on the acceleration domain.
    ActionAccelerateNotSupported = "ActionAccelerateNotSupported",
    /// 400: the bucket does not have global acceleration enabled.
    BucketAccelerateNotEnabled = "BucketAccelerateNotEnabled",
    /// 403: access denied (also "Request has expired" for an expired signature window).
    AccessDenied = "AccessDenied",
    /// 403: a CORS preflight (`OPTIONS`) that no rule of the bucket allows.
    AccessForbidden = "AccessForbidden",
    /// 403: the SecretId is unknown (or the temporary key has expired).
    InvalidAccessKeyId = "InvalidAccessKeyId",
    /// 403: the request time is too far from the server's.
    RequestTimeTooSkewed = "RequestTimeTooSkewed",
    /// 403: the signature does not match (the body carries StringToSign and FormatString).
    SignatureDoesNotMatch = "SignatureDoesNotMatch",
    /// 403: path-style requests are refused for this bucket.
    PathStyleDomainForbidden = "PathStyleDomainForbidden",
    /// 403/409: the object's state (e.g. archived) forbids the request.
    InvalidObjectState = "InvalidObjectState",
    /// 404: no such bucket.
    NoSuchBucket = "NoSuchBucket",
    /// 404: no such key.
    NoSuchKey = "NoSuchKey",
    /// 404: no such multipart upload.
    NoSuchUpload = "NoSuchUpload",
    /// 404: no such version.
    NoSuchVersion = "NoSuchVersion",
    /// 404: the copy source does not exist.
    NoSuchCopySource = "NoSuchCopySource",
    /// 404: the bucket has no CORS configuration (GET Bucket cors).
    NoSuchCORSConfiguration = "NoSuchCORSConfiguration",
    /// 405: the method is not allowed.
    MethodNotAllowed = "MethodNotAllowed",
    /// 405: upload ids are not supported here.
    UploadIdNotSupported = "UploadIdNotSupported",
    /// 409: the bucket name is taken.
    BucketAlreadyExists = "BucketAlreadyExists",
    /// 409: you already own the bucket.
    BucketAlreadyOwnedByYou = "BucketAlreadyOwnedByYou",
    /// 409: a conflicting upload is in progress.
    UploadConflict = "UploadConflict",
    /// 409: the path conflicts with an existing one.
    PathConflict = "PathConflict",
    /// 409: the object is locked.
    ObjectLocked = "ObjectLocked",
    /// 409: the append position does not match.
    AppendPositionErr = "AppendPositionErr",
    /// 409: the object is not appendable.
    ObjectNotAppendable = "ObjectNotAppendable",
    /// 411: Content-Length is required.
    MissingContentLength = "MissingContentLength",
    /// 412: a precondition (If-*) failed.
    PreconditionFailed = "PreconditionFailed",
    /// 416: the range cannot be satisfied.
    InvalidRange = "InvalidRange",
    /// 500: an internal error.
    InternalError = "InternalError",
    /// 501: not implemented.
    NotImplemented = "NotImplemented",
    /// 503: the service is unavailable.
    ServiceUnavailable = "ServiceUnavailable",
    /// 503: slow down, too many requests.
    SlowDown = "SlowDown",
    /// Synthesised for a 404 without a body (a HEAD): the bucket or the key does not exist
    /// (the Python SDK's name).
    NoSuchResource = "NoSuchResource",
    /// Synthesised for a 304 Not Modified (an If-None-Match / If-Modified-Since HEAD or GET).
    NotModified = "NotModified",
    /// Synthesised for an error response without a body whose status says nothing more.
    Unknown = "Unknown",
}

impl ErrorCode {
    /// Whether a request that failed with this code is worth sending again as it is:
    /// server-side trouble (`InternalError`, `ServiceUnavailable`, `SlowDown`), and a body that
    /// did not arrive whole or in time (`RequestTimeout`, `IncompleteBody`,
    /// `UserNetworkTooSlow`). Clock skew is not here: it is retryable only after correcting the
    /// clock (see [`ErrorCode::is_clock_skew`]).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ErrorCode::InternalError
                | ErrorCode::ServiceUnavailable
                | ErrorCode::SlowDown
                | ErrorCode::RequestTimeout
                | ErrorCode::IncompleteBody
                | ErrorCode::UserNetworkTooSlow
        )
    }

    /// Whether this code with this message signals that the client's clock is off:
    /// `RequestTimeTooSkewed`, or `AccessDenied` with the message `Request has expired`
    /// (an expired `q-sign-time` window), as the official SDKs detect it.
    pub fn is_clock_skew(&self, message: &str) -> bool {
        match self {
            ErrorCode::RequestTimeTooSkewed => true,
            ErrorCode::AccessDenied => message.trim() == "Request has expired",
            _ => false,
        }
    }

    /// Whether the credential itself is expired or unknown, so new credentials are needed:
    /// `ExpiredToken`, `InvalidAccessKeyId`.
    pub fn is_credential_expired(&self) -> bool {
        matches!(
            self,
            ErrorCode::ExpiredToken | ErrorCode::InvalidAccessKeyId
        )
    }

    /// The code to assume for an error response without a body (HEAD requests), from its
    /// status alone.
    pub fn from_status(status: http::StatusCode) -> ErrorCode {
        match status.as_u16() {
            304 => ErrorCode::NotModified,
            403 => ErrorCode::AccessDenied,
            404 => ErrorCode::NoSuchResource,
            405 => ErrorCode::MethodNotAllowed,
            411 => ErrorCode::MissingContentLength,
            412 => ErrorCode::PreconditionFailed,
            416 => ErrorCode::InvalidRange,
            500 => ErrorCode::InternalError,
            501 => ErrorCode::NotImplemented,
            503 => ErrorCode::ServiceUnavailable,
            _ => ErrorCode::Unknown,
        }
    }

    /// The HTTP status COS answers this code with (the first listed for it in
    /// shared/spec/cos-protocol.md, "Error body and codes"; 400 for unknown codes). Servers
    /// such as the emulator use it.
    pub fn status(&self) -> http::StatusCode {
        use ErrorCode::*;
        let code = match self {
            AccessDenied
            | InvalidAccessKeyId
            | RequestTimeTooSkewed
            | SignatureDoesNotMatch
            | PathStyleDomainForbidden
            | InvalidObjectState
            | AccessForbidden => 403,
            NoSuchBucket
            | NoSuchKey
            | NoSuchUpload
            | NoSuchVersion
            | NoSuchCopySource
            | NoSuchCORSConfiguration
            | NoSuchResource => 404,
            MethodNotAllowed | UploadIdNotSupported => 405,
            BucketAlreadyExists
            | BucketAlreadyOwnedByYou
            | UploadConflict
            | PathConflict
            | ObjectLocked
            | AppendPositionErr
            | ObjectNotAppendable => 409,
            MissingContentLength => 411,
            PreconditionFailed => 412,
            InvalidRange => 416,
            NotModified => 304,
            InternalError | Unknown => 500,
            NotImplemented => 501,
            ServiceUnavailable | SlowDown => 503,
            _ => 400,
        };
        http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::BAD_REQUEST)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        match s.parse() {
            Ok(c) => c,
            Err(never) => match never {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_code() {
        for c in ErrorCode::known() {
            assert_eq!(&ErrorCode::from(c.as_str()), c);
        }
        assert_eq!(
            ErrorCode::from("SomethingNew"),
            ErrorCode::Other("SomethingNew".into())
        );
        assert_eq!(ErrorCode::from("BadRquest"), ErrorCode::BadRquest);
        // The 57 codes of shared/spec/cos-protocol.md ("Error body and codes"), the 2 of
        // shared/spec/cors.md (AccessForbidden, NoSuchCORSConfiguration) and the 3
        // synthesised ones.
        assert_eq!(ErrorCode::known().len(), 62);
        assert_eq!(ErrorCode::AccessForbidden.status().as_u16(), 403);
        assert_eq!(ErrorCode::NoSuchCORSConfiguration.status().as_u16(), 404);
    }

    #[test]
    fn classification() {
        assert!(ErrorCode::InternalError.is_retryable());
        assert!(ErrorCode::SlowDown.is_retryable());
        assert!(!ErrorCode::NoSuchKey.is_retryable());
        assert!(!ErrorCode::AccessDenied.is_retryable());
        assert!(ErrorCode::RequestTimeTooSkewed.is_clock_skew(""));
        assert!(ErrorCode::AccessDenied.is_clock_skew("Request has expired"));
        assert!(!ErrorCode::AccessDenied.is_clock_skew("Access Denied."));
        assert!(!ErrorCode::SignatureDoesNotMatch.is_clock_skew("Request has expired"));
        assert!(ErrorCode::ExpiredToken.is_credential_expired());
        assert!(ErrorCode::InvalidAccessKeyId.is_credential_expired());
        assert!(!ErrorCode::AccessDenied.is_credential_expired());
        assert_eq!(ErrorCode::NoSuchUpload.status().as_u16(), 404);
        assert_eq!(ErrorCode::SlowDown.status().as_u16(), 503);
        assert_eq!(ErrorCode::BadDigest.status().as_u16(), 400);
        assert_eq!(
            ErrorCode::from_status(http::StatusCode::NOT_FOUND),
            ErrorCode::NoSuchResource
        );
    }
}
