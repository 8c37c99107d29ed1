//! Errors raised while validating names and building requests (`ModelError`, `NameError`).

use crate::names::NameKind;

/// Why a bucket name, region, object key, part number or upload id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The value is empty.
    #[error("{kind} must not be empty")]
    Empty {
        /// Which kind of name.
        kind: NameKind,
    },
    /// The value is longer than COS allows.
    #[error("{kind} is {len} bytes long, the limit is {max}")]
    TooLong {
        /// Which kind of name.
        kind: NameKind,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The value holds a character this kind of name may not contain.
    #[error("{kind} {value:?} contains the forbidden character {ch:?}")]
    InvalidChar {
        /// Which kind of name.
        kind: NameKind,
        /// The refused value.
        value: String,
        /// The first forbidden character.
        ch: char,
    },
    /// A bucket name without the `-<APPID>` suffix.
    #[error("bucket name {value:?} must be `<name>-<APPID>` (e.g. `examplebucket-1250000000`)")]
    MissingAppId {
        /// The refused value.
        value: String,
    },
    /// A name that starts or ends with `-` where COS forbids it.
    #[error("{kind} {value:?} must not start or end with '-'")]
    HyphenAtEdge {
        /// Which kind of name.
        kind: NameKind,
        /// The refused value.
        value: String,
    },
    /// An object key that starts with `/` or `\`.
    #[error("object key {value:?} must not start with '/' or '\\'")]
    LeadingSlash {
        /// The refused value.
        value: String,
    },
    /// An object key with a `.` or `..` path segment, which servers and proxies normalise away.
    #[error("object key {value:?} has a {segment:?} path segment, which would be normalised away")]
    DotSegment {
        /// The refused value.
        value: String,
        /// The segment (`.` or `..`).
        segment: &'static str,
    },
    /// A part number outside `1..=10000`.
    #[error("part number {value} is outside 1..=10000")]
    PartNumberOutOfRange {
        /// The refused value.
        value: u64,
    },
    /// A value that should be a decimal number is not.
    #[error("{kind} {value:?} is not a decimal number")]
    NotANumber {
        /// Which kind of name.
        kind: NameKind,
        /// The refused value.
        value: String,
    },
}

/// An error raised while building a request: bad input, never IO.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A name failed validation.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The operation addresses a bucket but none was given.
    #[error("{operation} needs a bucket, but none was given")]
    MissingBucket {
        /// The operation's name (e.g. `PutObject`).
        operation: &'static str,
    },
    /// The endpoint description is not usable.
    #[error("invalid endpoint: {reason}")]
    InvalidEndpoint {
        /// What is wrong with it.
        reason: String,
    },
    /// A header name or value cannot be sent.
    #[error("invalid header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A parameter is outside the range COS accepts.
    #[error("invalid {parameter}: {reason}")]
    InvalidParameter {
        /// The parameter (e.g. `max-keys`).
        parameter: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The request body could not be written (an XML serialiser failure).
    #[error("could not write the request body: {0}")]
    Body(String),
    /// The final URI was rejected by the `http` crate.
    #[error("invalid request URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI text.
        uri: String,
        /// Why it was rejected.
        reason: String,
    },
}
