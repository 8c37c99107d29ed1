//! The HTTP side of bucket CORS: PUT/GET/DELETE Bucket cors, the `OPTIONS` preflight (answered
//! before any signature check, on any path of a bucket), and the CORS headers added to every
//! other answer of a bucket (success or error). The rules and their matching are in
//! [`crate::cors`]; what of COS's documentation is followed is written there and here:
//!
//! - preflight allowed: 200, empty body, `Access-Control-Allow-Origin` (`*` for a bare-`*`
//!   rule, else the origin echoed with `Access-Control-Allow-Credentials: true`),
//!   `Access-Control-Allow-Methods` (all of the rule's, `,`-joined), `Access-Control-Allow-
//!   Headers` (the request's list echoed when the rule has `*`, else the rule's list lower-
//!   cased), `Access-Control-Expose-Headers` and `Access-Control-Max-Age` when the rule has
//!   them (OPTIONS Object doc examples, cors.md §3.3);
//! - preflight refused (no configuration, no matching rule, no `Origin` or no
//!   `Access-Control-Request-Method`): 403 `AccessForbidden` with the doc's message and no
//!   CORS headers (§3.4); a bucket that does not exist: 404 `NoSuchBucket` (our choice);
//! - actual requests are never refused for CORS (console guide): when a rule matches `Origin`
//!   and the method, the answer gets `Access-Control-Allow-Origin` (and `-Credentials` when
//!   echoed), `Access-Control-Expose-Headers` and `Vary: Origin` (the last is our choice, so
//!   caches keep per-origin answers apart); `ResponseVary` true adds `Vary: Origin` to every
//!   answer of the bucket (§5, as Alibaba OSS documents its identical flag).

use super::{Ctx, Outcome, content_md5};
use crate::addressing::resolve;
use crate::cors::{CorsConfig, CorsRule, OriginMatch};
use crate::error::{CosError, ErrorCode};
use crate::ingest::{BodyStream, read_small};
use crate::reply::{Reply, empty, xml};
use crate::shared::{Shared, lock};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};

/// PUT Bucket cors: replaces the bucket's configuration.
pub async fn put_bucket_cors(ctx: &Ctx<'_>, body: &mut BodyStream) -> Outcome {
    let md5 = content_md5(ctx.headers)?;
    ctx.with_bucket(|_| Ok(()))?;
    // Read a little past the limit so an oversized body is XMLSizeLimit, not a cut connection.
    let data = read_small(body, crate::cors::MAX_BODY + 1).await?;
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(CosError::new(ErrorCode::MalformedXML).into());
    }
    if md5.is_some_and(|m| m != crate::hashing::md5(&data)) {
        return Err(CosError::new(ErrorCode::BadDigest).into());
    }
    let config = CorsConfig::parse(&data)?;
    ctx.with_bucket(|b| {
        b.cors = Some(config);
        Ok(())
    })?;
    Ok(empty(StatusCode::OK))
}

/// GET Bucket cors: the stored configuration, or 404 NoSuchCORSConfiguration.
pub fn get_bucket_cors(ctx: &Ctx<'_>) -> Outcome {
    let doc = ctx.with_bucket(|b| {
        b.cors
            .as_ref()
            .map(CorsConfig::to_xml)
            .ok_or_else(|| CosError::new(ErrorCode::NoSuchCORSConfiguration))
    })?;
    Ok(xml(StatusCode::OK, doc))
}

/// DELETE Bucket cors: 204, also when nothing was configured.
pub fn delete_bucket_cors(ctx: &Ctx<'_>) -> Outcome {
    ctx.with_bucket(|b| {
        b.cors = None;
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The bucket a request names, if any (unaddressable requests have no CORS).
fn bucket_of(sh: &Shared, parts: &Parts) -> Option<String> {
    let host = text(&parts.headers, "host")
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    resolve(
        host.as_deref(),
        parts.uri.path(),
        sh.pinned_region.as_deref(),
    )
    .ok()?
    .bucket
}

/// Answers an `OPTIONS` request: the preflight's headers, or the error to answer with.
pub fn preflight(sh: &Shared, parts: &Parts) -> Result<Reply, CosError> {
    let forbidden = || CosError::new(ErrorCode::AccessForbidden);
    let bucket = bucket_of(sh, parts).ok_or_else(forbidden)?;
    let origin = text(&parts.headers, "origin").ok_or_else(forbidden)?;
    let method = text(&parts.headers, "access-control-request-method").ok_or_else(forbidden)?;
    let raw_headers = text(&parts.headers, "access-control-request-headers").unwrap_or("");
    let requested: Vec<&str> = raw_headers
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let world = lock(&sh.world);
    let config = world
        .buckets
        .get(&bucket)
        .ok_or_else(|| CosError::new(ErrorCode::NoSuchBucket))?
        .cors
        .as_ref()
        .ok_or_else(forbidden)?;
    let (rule, how) = config
        .preflight(origin, method, &requested)
        .ok_or_else(forbidden)?;
    let mut r = empty(StatusCode::OK);
    let h = r.headers_mut();
    allow_origin(h, origin, how);
    put(h, "access-control-allow-methods", &rule.methods.join(","));
    if !requested.is_empty() {
        let allowed = if rule.headers.iter().any(|x| x == "*") {
            raw_headers.to_string()
        } else {
            rule.headers.join(",").to_ascii_lowercase()
        };
        put(h, "access-control-allow-headers", &allowed);
    }
    expose(h, rule);
    if let Some(age) = rule.max_age {
        put(h, "access-control-max-age", &age.to_string());
    }
    if config.response_vary == Some(true) {
        vary_origin(h);
    }
    Ok(r)
}

/// Adds the CORS headers of the bucket's rules to an answer that is not a preflight.
pub fn decorate(sh: &Shared, parts: &Parts, reply: &mut Reply) {
    let Some(bucket) = bucket_of(sh, parts) else {
        return;
    };
    let world = lock(&sh.world);
    let Some(config) = world.buckets.get(&bucket).and_then(|b| b.cors.as_ref()) else {
        return;
    };
    let h = reply.headers_mut();
    if config.response_vary == Some(true) {
        vary_origin(h);
    }
    let Some(origin) = text(&parts.headers, "origin") else {
        return;
    };
    let Some((rule, how)) = config.actual(origin, parts.method.as_str()) else {
        return;
    };
    allow_origin(h, origin, how);
    expose(h, rule);
    vary_origin(h);
}

fn put(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn allow_origin(h: &mut HeaderMap, origin: &str, how: OriginMatch) {
    match how {
        OriginMatch::Any => put(h, "access-control-allow-origin", "*"),
        OriginMatch::Named => {
            put(h, "access-control-allow-origin", origin);
            put(h, "access-control-allow-credentials", "true");
        }
    }
}

fn expose(h: &mut HeaderMap, rule: &CorsRule) {
    if !rule.expose.is_empty() {
        put(h, "access-control-expose-headers", &rule.expose.join(","));
    }
}

/// Adds `Origin` to `Vary`, keeping what is there.
fn vary_origin(h: &mut HeaderMap) {
    let current = h
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if current
        .split(',')
        .any(|v| v.trim().eq_ignore_ascii_case("origin"))
    {
        return;
    }
    let value = if current.trim().is_empty() {
        "Origin".to_string()
    } else {
        format!("{current}, Origin")
    };
    put(h, "vary", &value);
}
