//! The operations: which one a request is ([`classify`]) and the handlers, one module per
//! group of operations.

pub mod bucket;
pub mod copy;
pub mod cors;
pub mod list;
pub mod meta;
pub mod multipart;
pub mod object;
pub mod post;
pub mod sts;

use crate::addressing::{STS_PATH, Target};
use crate::error::{CosError, ErrorCode};
use crate::faults::FaultPlan;
use crate::ingest::{BodyStream, IngestError};
use crate::names::{KeyProblem, check_key};
use crate::operation::Operation;
use crate::query::Query;
use crate::reply::Reply;
use crate::shared::{Shared, lock};
use crate::timefmt::Millis;
use crate::world::Bucket;
use http::{HeaderMap, Method};
use std::net::SocketAddr;
use std::sync::Arc;

/// Sub-resources of COS the emulator does not model (answered with 501 NotImplemented).
const UNMODELLED: [&str; 19] = [
    "acl",
    "lifecycle",
    "policy",
    "tagging",
    "versioning",
    "website",
    "referer",
    "logging",
    "inventory",
    "replication",
    "restore",
    "select",
    "append",
    "domain",
    "encryption",
    "accelerate",
    "intelligenttiering",
    "object-lock",
    "versions",
];

/// Everything a handler knows about its request, except the body.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Shared state.
    pub sh: &'a Arc<Shared>,
    /// The `x-cos-request-id` of the answer.
    pub request_id: &'a str,
    /// The operation.
    pub op: Operation,
    /// The method.
    pub method: &'a Method,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The addressing.
    pub target: &'a Target,
    /// The decoded query.
    pub query: &'a Query,
    /// The server clock at arrival.
    pub now: Millis,
    /// The client's address.
    pub peer: SocketAddr,
    /// The faults drawn for this request.
    pub plan: FaultPlan,
    /// The policy of the temporary key that signed the request, once authenticated.
    pub policy: Option<std::sync::Arc<crate::policy::Policy>>,
}

/// Why a handler gives no normal answer.
#[derive(Debug)]
pub enum Failure {
    /// Answer with an error document.
    Cos(CosError),
    /// Drop the connection without an answer.
    Drop,
}

impl From<CosError> for Failure {
    fn from(e: CosError) -> Self {
        Failure::Cos(e)
    }
}

impl From<ErrorCode> for Failure {
    fn from(e: ErrorCode) -> Self {
        Failure::Cos(e.into())
    }
}

impl From<IngestError> for Failure {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Cos(e) => Failure::Cos(e),
            IngestError::Cut => Failure::Drop,
        }
    }
}

/// A handler's result.
pub type Outcome = Result<Reply, Failure>;

impl Ctx<'_> {
    /// The bucket name (classification guarantees one for bucket and object operations).
    pub fn bucket_name(&self) -> Result<&str, CosError> {
        self.target
            .bucket
            .as_deref()
            .ok_or_else(|| CosError::new(ErrorCode::InvalidBucketName))
    }

    /// The object key.
    pub fn key(&self) -> Result<&str, CosError> {
        self.target
            .key
            .as_deref()
            .ok_or_else(|| CosError::new(ErrorCode::InvalidObjectName))
    }

    /// Runs `f` on the bucket under the data lock; NoSuchBucket if it does not exist.
    pub fn with_bucket<R>(
        &self,
        f: impl FnOnce(&mut Bucket) -> Result<R, CosError>,
    ) -> Result<R, CosError> {
        let name = self.bucket_name()?;
        let mut world = lock(&self.sh.world);
        let bucket = world
            .buckets
            .get_mut(name)
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchBucket))?;
        f(bucket)
    }

    /// `host/path` as COS puts it in `<Resource>` and `Location`.
    pub fn location(&self, key: &str) -> String {
        if self.target.virtual_host {
            format!("{}/{}", self.target.host, crate::names::url_encode_key(key))
        } else {
            format!(
                "{}/{}/{}",
                self.target.host,
                self.target.bucket.as_deref().unwrap_or(""),
                crate::names::url_encode_key(key)
            )
        }
    }
}

/// Decides the operation of a request.
pub fn classify(
    method: &Method,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
) -> Result<Operation, CosError> {
    use Operation::*;
    let not_allowed = || Err(CosError::new(ErrorCode::MethodNotAllowed));
    let Some(_) = &target.bucket else {
        if target.signed_path == STS_PATH {
            return if method == Method::POST {
                Ok(Sts)
            } else {
                not_allowed()
            };
        }
        return if method == Method::GET {
            Ok(GetService)
        } else {
            not_allowed()
        };
    };
    // `?cors` and `?cors=` alike (SDKs send both); on an object it names no sub-resource COS has.
    if query.has("cors") && target.key.is_none() {
        return match *method {
            Method::PUT => Ok(PutBucketCors),
            Method::GET => Ok(GetBucketCors),
            Method::DELETE => Ok(DeleteBucketCors),
            _ => not_allowed(),
        };
    }
    if let Some(sub) = UNMODELLED.iter().find(|s| query.has(s)) {
        return Err(CosError::with_message(
            ErrorCode::NotImplemented,
            format!("The `{sub}` sub-resource is not modelled by the emulator."),
        ));
    }
    let copy = headers.contains_key("x-cos-copy-source");
    let Some(key) = &target.key else {
        return match *method {
            Method::PUT => Ok(PutBucket),
            Method::HEAD => Ok(HeadBucket),
            Method::GET if query.has("uploads") => Ok(ListMultipartUploads),
            Method::GET => Ok(GetBucket),
            Method::DELETE => Ok(DeleteBucket),
            Method::POST if query.has("delete") => Ok(DeleteMultipleObjects),
            Method::POST => Ok(PostObject),
            _ => not_allowed(),
        };
    };
    match check_key(key) {
        Ok(()) => {}
        Err(KeyProblem::TooLong) => return Err(CosError::new(ErrorCode::KeyTooLong)),
        Err(KeyProblem::Invalid) => return Err(CosError::new(ErrorCode::InvalidObjectName)),
    }
    let multipart = query.has("uploadId");
    match *method {
        Method::PUT if multipart || query.has("partNumber") => {
            Ok(if copy { UploadPartCopy } else { UploadPart })
        }
        Method::PUT if copy => Ok(PutObjectCopy),
        Method::PUT => Ok(PutObject),
        Method::GET if multipart => Ok(ListParts),
        Method::GET => Ok(GetObject),
        Method::HEAD => Ok(HeadObject),
        Method::DELETE if multipart => Ok(AbortMultipartUpload),
        Method::DELETE => Ok(DeleteObject),
        Method::POST if query.has("uploads") => Ok(InitiateMultipartUpload),
        Method::POST if multipart => Ok(CompleteMultipartUpload),
        _ => not_allowed(),
    }
}

/// Runs the handler of `ctx.op`.
pub async fn dispatch(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    use Operation::*;
    match ctx.op {
        GetService => bucket::get_service(ctx),
        PutBucket => bucket::put_bucket(ctx, body).await,
        HeadBucket => bucket::head_bucket(ctx),
        PutBucketCors => cors::put_bucket_cors(ctx, body).await,
        GetBucketCors => cors::get_bucket_cors(ctx),
        DeleteBucketCors => cors::delete_bucket_cors(ctx),
        DeleteBucket => bucket::delete_bucket(ctx),
        GetBucket => list::get_bucket(ctx),
        ListMultipartUploads => list::list_uploads(ctx),
        ListParts => list::list_parts(ctx),
        PutObject => object::put_object(ctx, body).await,
        HeadObject | GetObject => object::get_object(ctx),
        DeleteObject => object::delete_object(ctx),
        DeleteMultipleObjects => object::delete_multiple(ctx, body).await,
        InitiateMultipartUpload => multipart::initiate(ctx),
        UploadPart => multipart::upload_part(ctx, body).await,
        CompleteMultipartUpload => multipart::complete(ctx, body, ctx.plan.delay).await,
        AbortMultipartUpload => multipart::abort(ctx),
        PutObjectCopy => copy::put_object_copy(ctx).await,
        UploadPartCopy => copy::upload_part_copy(ctx).await,
        PostObject => post::post_object(ctx, body).await,
        Sts => sts::issue(ctx),
    }
}

/// Parses a `max-keys`-style limit: absent → 1000; not a number or above 1000 → InvalidArgument.
pub fn parse_max(query: &Query, name: &str) -> Result<usize, CosError> {
    match query.get(name) {
        None => Ok(1000),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 1000 => Ok(n),
            _ => Err(CosError::with_message(
                ErrorCode::InvalidArgument,
                format!("{name} must be an integer within 0..=1000."),
            )),
        },
    }
}

/// Whether `encoding-type=url` was asked for (any other value is InvalidArgument).
pub fn url_encoding(query: &Query) -> Result<bool, CosError> {
    match query.get("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(_) => Err(CosError::with_message(
            ErrorCode::InvalidArgument,
            "encoding-type must be `url`.",
        )),
    }
}

/// The Content-MD5 header, decoded (InvalidDigest when it is not Base64 of 16 bytes).
pub fn content_md5(headers: &HeaderMap) -> Result<Option<[u8; 16]>, CosError> {
    match headers.get(http::header::HeaderName::from_static("content-md5")) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(crate::hashing::parse_content_md5)
            .map(Some)
            .ok_or_else(|| CosError::new(ErrorCode::InvalidDigest)),
    }
}

/// The Content-Length header, if valid.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addressing::resolve;

    fn op(method: Method, path: &str, query: &str, copy: bool) -> Result<Operation, ErrorCode> {
        let t = resolve(Some("127.0.0.1:1"), path, None).unwrap();
        let q = Query::parse(Some(query)).unwrap();
        let mut h = HeaderMap::new();
        if copy {
            h.insert(
                "x-cos-copy-source",
                http::HeaderValue::from_static("b-1.cos.ap-guangzhou.myqcloud.com/k"),
            );
        }
        classify(&method, &t, &q, &h).map_err(|e| e.code)
    }

    #[test]
    fn classifies_every_operation() {
        use Operation::*;
        assert_eq!(op(Method::GET, "/", "", false), Ok(GetService));
        assert_eq!(op(Method::POST, "/-/sts", "duration=60", false), Ok(Sts));
        assert_eq!(op(Method::PUT, "/b-1", "", false), Ok(PutBucket));
        assert_eq!(op(Method::PUT, "/b-1/", "cors", false), Ok(PutBucketCors));
        assert_eq!(op(Method::GET, "/b-1/", "cors=", false), Ok(GetBucketCors));
        assert_eq!(
            op(Method::DELETE, "/b-1/", "cors", false),
            Ok(DeleteBucketCors)
        );
        assert_eq!(
            op(Method::POST, "/b-1/", "cors", false),
            Err(ErrorCode::MethodNotAllowed)
        );
        assert_eq!(op(Method::HEAD, "/b-1/", "", false), Ok(HeadBucket));
        assert_eq!(op(Method::GET, "/b-1/", "prefix=a", false), Ok(GetBucket));
        assert_eq!(
            op(Method::GET, "/b-1/", "uploads", false),
            Ok(ListMultipartUploads)
        );
        assert_eq!(
            op(Method::POST, "/b-1/", "delete", false),
            Ok(DeleteMultipleObjects)
        );
        assert_eq!(op(Method::POST, "/b-1/", "", false), Ok(PostObject));
        assert_eq!(op(Method::PUT, "/b-1/k", "", false), Ok(PutObject));
        assert_eq!(op(Method::PUT, "/b-1/k", "", true), Ok(PutObjectCopy));
        assert_eq!(
            op(Method::PUT, "/b-1/k", "partNumber=1&uploadId=u", false),
            Ok(UploadPart)
        );
        assert_eq!(
            op(Method::PUT, "/b-1/k", "partNumber=1&uploadId=u", true),
            Ok(UploadPartCopy)
        );
        assert_eq!(
            op(Method::GET, "/b-1/k", "uploadId=u", false),
            Ok(ListParts)
        );
        assert_eq!(op(Method::GET, "/b-1/k", "", false), Ok(GetObject));
        assert_eq!(op(Method::HEAD, "/b-1/k", "", false), Ok(HeadObject));
        assert_eq!(
            op(Method::DELETE, "/b-1/k", "uploadId=u", false),
            Ok(AbortMultipartUpload)
        );
        assert_eq!(op(Method::DELETE, "/b-1/k", "", false), Ok(DeleteObject));
        assert_eq!(
            op(Method::POST, "/b-1/k", "uploads", false),
            Ok(InitiateMultipartUpload)
        );
        assert_eq!(
            op(Method::POST, "/b-1/k", "uploadId=u", false),
            Ok(CompleteMultipartUpload)
        );
        assert_eq!(
            op(Method::GET, "/b-1/k", "acl", false),
            Err(ErrorCode::NotImplemented)
        );
        assert_eq!(
            op(Method::PATCH, "/b-1/k", "", false),
            Err(ErrorCode::MethodNotAllowed)
        );
        assert_eq!(
            op(Method::PUT, &format!("/b-1/{}", "k".repeat(851)), "", false),
            Err(ErrorCode::KeyTooLong)
        );
    }

    #[test]
    fn limits() {
        let q = Query::parse(Some("max-keys=1001&encoding-type=xml")).unwrap();
        assert!(parse_max(&q, "max-keys").is_err());
        assert!(url_encoding(&q).is_err());
        assert_eq!(parse_max(&Query::default(), "max-keys").unwrap(), 1000);
    }
}
