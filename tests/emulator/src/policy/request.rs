//! What one request asks of a policy: the `(action, resource)` pairs its operation needs
//! (shared/spec/sts.md, "Action and resource per COS operation") and the values of the
//! condition keys it carries ("Conditions").

use std::collections::HashMap;

use crate::operation::Operation;
use crate::ops::Ctx;
use crate::ops::copy::parse_copy_source;
use crate::shared::lock;

use super::Context;

/// One action on one resource that the request needs allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// `name/cos:<Action>`.
    pub action: String,
    /// `qcs::cos:<region>:uid/<appid>:<bucket>/<key>`, or `*` for GetService.
    pub resource: String,
}

/// The region a bucket's resources are named in: the host's, else the bucket's own.
fn region_of(ctx: &Ctx<'_>, bucket: &str) -> String {
    if let Some(r) = &ctx.target.region {
        return r.clone();
    }
    lock(&ctx.sh.world)
        .buckets
        .get(bucket)
        .map(|b| b.region.clone())
        .unwrap_or_else(|| ctx.sh.default_region.clone())
}

/// The resource of `key` in `bucket` (`""` for the bucket itself: `…:<bucket>/`).
fn resource(ctx: &Ctx<'_>, bucket: &str, key: &str) -> String {
    let appid = bucket.rsplit_once('-').map_or("", |(_, a)| a);
    let region = region_of(ctx, bucket);
    format!("qcs::cos:{region}:uid/{appid}:{bucket}/{key}")
}

fn need(action: &str, resource: String) -> Need {
    Need {
        action: format!("name/cos:{action}"),
        resource,
    }
}

/// What `ctx`'s operation needs. `post_key` is PostObject's key (from its form), and
/// `deleted` the keys of a DeleteMultipleObjects (from its body): each is checked as a
/// DeleteObject on its own resource.
pub fn needs(ctx: &Ctx<'_>, post_key: Option<&str>, deleted: &[String]) -> Vec<Need> {
    use Operation::*;
    let bucket = ctx.target.bucket.as_deref().unwrap_or("");
    let key = post_key.or(ctx.target.key.as_deref()).unwrap_or("");
    let object = || resource(ctx, bucket, key);
    match ctx.op {
        GetService => vec![need("GetService", "*".into())],
        PutBucket | HeadBucket | DeleteBucket | GetBucket => {
            vec![need(ctx.op.name(), resource(ctx, bucket, ""))]
        }
        // CAM spells these actions with `CORS` (cors.md §2.1).
        PutBucketCors => vec![need("PutBucketCORS", resource(ctx, bucket, ""))],
        GetBucketCors => vec![need("GetBucketCORS", resource(ctx, bucket, ""))],
        DeleteBucketCors => vec![need("DeleteBucketCORS", resource(ctx, bucket, ""))],
        // The upload set grants ListMultipartUploads on the key or prefix being uploaded
        // (sts.md: "the emulator's resource rule for ListMultipartUploads has to let this
        // combination pass"): the listing's prefix names the resource.
        ListMultipartUploads => {
            let prefix = ctx.query.get("prefix").unwrap_or("");
            vec![need("ListMultipartUploads", resource(ctx, bucket, prefix))]
        }
        DeleteMultipleObjects => deleted
            .iter()
            .map(|k| need("DeleteObject", resource(ctx, bucket, k)))
            .collect(),
        PutObjectCopy | UploadPartCopy => {
            let mut out = vec![need("PutObject", object())];
            if let Some(src) = ctx
                .headers
                .get("x-cos-copy-source")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_copy_source)
            {
                out.push(need("GetObject", resource(ctx, &src.bucket, &src.key)));
            }
            out
        }
        Sts => Vec::new(),
        op => vec![need(op.name(), object())],
    }
}

/// Whether `op` writes an object's bytes (`cos:content-length` applies only to these; a
/// GET, HEAD or DELETE has no length to limit).
fn writes_bytes(op: Operation) -> bool {
    matches!(
        op,
        Operation::PutObject | Operation::PostObject | Operation::UploadPart
    )
}

/// The request's condition keys. `post_fields` are a POST form's text fields (the form's
/// `Content-Type` field is the object's).
pub fn context(ctx: &Ctx<'_>, post_fields: &[(String, String)]) -> Context {
    let mut c: Context = HashMap::new();
    let header = |name: &str| ctx.headers.get(name).and_then(|v| v.to_str().ok());
    c.insert("qcs:ip", vec![ctx.peer.ip().to_string()]);
    // the emulator speaks plain HTTP
    c.insert("cos:secure-transport", vec!["false".into()]);
    if writes_bytes(ctx.op)
        && let Some(len) = header("content-length")
    {
        c.insert("cos:content-length", vec![len.trim().to_string()]);
    }
    let form = |name: &str| {
        post_fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let content_type = if ctx.op == Operation::PostObject {
        form("Content-Type")
    } else {
        header("content-type")
    };
    if let Some(ct) = content_type {
        c.insert("cos:content-type", vec![ct.to_string()]);
    }
    for name in ["x-cos-acl", "x-cos-storage-class", "x-cos-forbid-overwrite"] {
        let value = if ctx.op == Operation::PostObject {
            form(name)
        } else {
            header(name)
        };
        if let Some(v) = value {
            let key: &'static str = match name {
                "x-cos-acl" => "cos:x-cos-acl",
                "x-cos-storage-class" => "cos:x-cos-storage-class",
                _ => "cos:x-cos-forbid-overwrite",
            };
            c.insert(key, vec![v.to_string()]);
        }
    }
    // compared URL-encoded, as COS documents for prefix and response-content-type
    let encode = crate::names::url_encode;
    if ctx.op == Operation::GetBucket
        && let Some(p) = ctx.query.get("prefix")
    {
        c.insert("cos:prefix", vec![encode(p)]);
    }
    if let Some(t) = ctx.query.get("response-content-type") {
        c.insert("cos:response-content-type", vec![encode(t)]);
    }
    c.insert(
        "cos:versionid",
        vec![ctx.query.get("versionId").unwrap_or("").to_string()],
    );
    c
}
