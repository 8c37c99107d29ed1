//! Bucket CORS (shared/spec/cors.md): PUT/GET/DELETE Bucket cors through the typed model,
//! preflights (`OPTIONS`) allowed and refused by the rules — first match wins, `*` wildcards in
//! origins, every requested header checked — and the CORS headers on actual answers. Emulator
//! only: replacing a real bucket's rules would break the browsers that rely on them.

use bytes::Bytes;
use cos_model::ErrorCode;
use cos_model::ops::{
    CorsConfiguration, CorsRule, DeleteBucketCors, GetBucketCors, PutBucketCors, PutObject,
};
use cos_model::options::CorsMethod;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::checks::{expect_cos_error, expect_plain_error};
use crate::error::Context as _;
use crate::plain_http::PlainResponse;
use crate::raw::RawRequest;
use crate::{Context, Outcome, SuiteError, ensure};

const WHY: &str = "replacing a real bucket's CORS rules would break the browsers that use it";

/// The two rules of the PUT Bucket cors doc's example (cors.md §9), plus a wildcard-origin
/// rule for uploads.
fn example() -> CorsConfiguration {
    let expose = |r: CorsRule| {
        r.expose_header("Content-Length")
            .expose_header("ETag")
            .expose_header("x-cos-meta-author")
            .max_age_seconds(600)
    };
    CorsConfiguration::new([
        expose(
            CorsRule::new("*", CorsMethod::Get)
                .method(CorsMethod::Head)
                .allowed_header("Range")
                .allowed_header("x-cos-server-side-encryption-customer-algorithm")
                .allowed_header("x-cos-server-side-encryption-customer-key")
                .allowed_header("x-cos-server-side-encryption-customer-key-MD5"),
        ),
        expose(
            CorsRule::new("https://example.com", CorsMethod::Put)
                .id("example-id")
                .origin("https://example.net")
                .method(CorsMethod::Get)
                .method(CorsMethod::Post)
                .method(CorsMethod::Delete)
                .method(CorsMethod::Head)
                .allowed_header("*"),
        ),
        CorsRule::new("https://*.uploads.example.org", CorsMethod::Put)
            .allowed_header("content-type")
            .allowed_header("x-cos-meta-*"),
    ])
}

async fn put(ctx: &Context, config: &CorsConfiguration) -> Result<(), SuiteError> {
    ctx.client()
        .execute(&PutBucketCors::new(config.clone()))
        .await
        .context("PutBucketCors")?;
    Ok(())
}

/// An unsigned preflight, as a browser sends it.
async fn preflight(
    ctx: &Context,
    key: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> Result<PlainResponse, SuiteError> {
    let mut h = HeaderMap::new();
    let mut add = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    add("origin", origin);
    add("access-control-request-method", method);
    if let Some(list) = headers {
        add("access-control-request-headers", list);
    }
    let url = ctx.url(Some(key))?;
    ctx.plain()
        .send(Method::OPTIONS, &url, &h, Bytes::new())
        .await
}

fn expect_headers(r: &PlainResponse, want: &[(&str, Option<&str>)], what: &str) -> Outcome {
    ensure!(
        r.status.as_u16() == 200,
        "{what}: status {}, want 200: {}",
        r.status,
        r.text()
    );
    has_headers(&r.headers, want, what)
}

/// Each header has exactly the value wanted (`None`: absent).
fn has_headers(h: &HeaderMap, want: &[(&str, Option<&str>)], what: &str) -> Outcome {
    for (name, value) in want {
        let got = h.get(*name).and_then(|v| v.to_str().ok());
        ensure!(got == *value, "{what}: {name} is {got:?}, want {value:?}");
    }
    Ok(())
}

/// GET without rules is 404 NoSuchCORSConfiguration; PUT stores the rules GET then returns
/// verbatim; a second PUT replaces them all; DELETE removes them (204), after which GET is
/// 404 again and every preflight is refused.
pub async fn cors_rules_replaced_and_deleted(ctx: &Context) -> Outcome {
    ctx.emulator(WHY)?;
    expect_cos_error(
        ctx.client().execute(&GetBucketCors::new()).await,
        404,
        ErrorCode::NoSuchCORSConfiguration,
        "GetBucketCors before any PutBucketCors",
    )?;
    let first = example().response_vary(true);
    put(ctx, &first).await?;
    let got = ctx
        .client()
        .execute(&GetBucketCors::new())
        .await
        .context("GetBucketCors")?;
    ensure!(
        got.configuration == first,
        "GetBucketCors: {:?}, want {first:?}",
        got.configuration
    );
    let second = CorsConfiguration::new([CorsRule::new("https://only.example", CorsMethod::Get)
        .expose_header("etag")
        .expose_header("ETag")]);
    put(ctx, &second).await?;
    let got = ctx
        .client()
        .execute(&GetBucketCors::new())
        .await
        .context("GetBucketCors")?;
    ensure!(
        got.configuration == second,
        "after a second PUT: {:?}, want only {second:?}",
        got.configuration
    );
    let r = preflight(ctx, "k", "https://example.com", "GET", None).await?;
    expect_plain_error(
        &r,
        403,
        ErrorCode::AccessForbidden,
        "a rule of the replaced configuration",
    )?;
    ctx.client()
        .execute(&DeleteBucketCors::new())
        .await
        .context("DeleteBucketCors")?;
    expect_cos_error(
        ctx.client().execute(&GetBucketCors::new()).await,
        404,
        ErrorCode::NoSuchCORSConfiguration,
        "GetBucketCors after DeleteBucketCors",
    )?;
    let r = preflight(ctx, "k", "https://only.example", "GET", None).await?;
    expect_plain_error(
        &r,
        403,
        ErrorCode::AccessForbidden,
        "a preflight after DeleteBucketCors",
    )?;
    ctx.client()
        .execute(&DeleteBucketCors::new())
        .await
        .context("DeleteBucketCors again")?;
    Ok(())
}

/// Preflights: answered by the first matching rule with the documented headers (cors.md §9's
/// table), origin wildcards, header globs; refused with 403 AccessForbidden when no rule
/// allows the origin, the method or one requested header, or when there are no rules.
pub async fn cors_preflights(ctx: &Context) -> Outcome {
    ctx.emulator(WHY)?;
    let r = preflight(ctx, "a.jpg", "https://example.com", "GET", None).await?;
    expect_plain_error(
        &r,
        403,
        ErrorCode::AccessForbidden,
        "a preflight without rules",
    )?;
    ensure!(
        r.header("access-control-allow-origin").is_none(),
        "a refusal carries Access-Control-Allow-Origin"
    );
    put(ctx, &example()).await?;
    let all = Some("PUT,GET,POST,DELETE,HEAD");
    let expose = Some("Content-Length,ETag,x-cos-meta-author");
    let r = preflight(
        ctx,
        "a.jpg",
        "https://example.com",
        "PUT",
        Some("content-md5,content-type,x-cos-meta-author"),
    )
    .await?;
    expect_headers(
        &r,
        &[
            ("access-control-allow-origin", Some("https://example.com")),
            ("access-control-allow-credentials", Some("true")),
            ("access-control-allow-methods", all),
            (
                "access-control-allow-headers",
                Some("content-md5,content-type,x-cos-meta-author"),
            ),
            ("access-control-expose-headers", expose),
            ("access-control-max-age", Some("600")),
        ],
        "PUT preflight from https://example.com",
    )?;
    let r = preflight(ctx, "a.jpg", "https://example.com", "GET", Some("range")).await?;
    expect_headers(
        &r,
        &[
            ("access-control-allow-origin", Some("*")),
            ("access-control-allow-credentials", None),
            ("access-control-allow-methods", Some("GET,HEAD")),
            (
                "access-control-allow-headers",
                Some(
                    "range,x-cos-server-side-encryption-customer-algorithm,x-cos-server-side-encryption-customer-key,x-cos-server-side-encryption-customer-key-md5",
                ),
            ),
            ("access-control-expose-headers", expose),
        ],
        "GET preflight answered by the first rule",
    )?;
    let r = preflight(ctx, "a.jpg", "https://example.com", "GET", Some("x-custom")).await?;
    expect_headers(
        &r,
        &[
            ("access-control-allow-origin", Some("https://example.com")),
            ("access-control-allow-methods", all),
            ("access-control-allow-headers", Some("x-custom")),
        ],
        "a header only the second rule allows",
    )?;
    let r = preflight(
        ctx,
        "a.jpg",
        "https://cdn.uploads.example.org",
        "PUT",
        Some("Content-Type,X-Cos-Meta-Author"),
    )
    .await?;
    expect_headers(
        &r,
        &[
            (
                "access-control-allow-origin",
                Some("https://cdn.uploads.example.org"),
            ),
            ("access-control-allow-methods", Some("PUT")),
            (
                "access-control-allow-headers",
                Some("content-type,x-cos-meta-*"),
            ),
            ("access-control-expose-headers", None),
            ("access-control-max-age", None),
        ],
        "wildcard origin and header glob",
    )?;
    for (origin, method, headers, what) in [
        ("https://other.org", "PUT", None, "an origin no rule names"),
        (
            "https://uploads.example.org",
            "PUT",
            None,
            "the wildcard needs its dot",
        ),
        (
            "https://EXAMPLE.com",
            "PUT",
            None,
            "origins compare case-sensitively",
        ),
        (
            "https://cdn.uploads.example.org",
            "PUT",
            Some("content-type,authorization"),
            "one header not allowed",
        ),
        (
            "https://cdn.uploads.example.org",
            "DELETE",
            None,
            "a method not allowed",
        ),
        (
            "https://example.com",
            "PATCH",
            None,
            "a method COS never allows",
        ),
    ] {
        let r = preflight(ctx, "a.jpg", origin, method, headers).await?;
        expect_plain_error(&r, 403, ErrorCode::AccessForbidden, what)?;
    }
    // Any path of the bucket, sub-resources included; no signature needed.
    let r = preflight(ctx, "", "https://example.net", "DELETE", None).await?;
    expect_headers(
        &r,
        &[("access-control-allow-origin", Some("https://example.net"))],
        "preflight on the bucket root",
    )?;
    Ok(())
}

/// Actual answers to a request with a matching `Origin` carry Access-Control-Allow-Origin,
/// Access-Control-Expose-Headers and Vary: Origin — errors too — and are never refused for
/// CORS; an origin no rule allows gets none of them; with ResponseVary every answer varies
/// by Origin.
pub async fn cors_headers_on_actual_answers(ctx: &Context) -> Outcome {
    ctx.emulator(WHY)?;
    put(ctx, &example()).await?;
    let key = ctx.key("cors/object.txt")?;
    ctx.client()
        .execute(&PutObject::new(key.clone(), Bytes::from_static(b"cors")))
        .await
        .context("PutObject")?;
    let head = |origin: &str| {
        RawRequest::new("HeadObject", Method::HEAD, Some(key.as_str())).header("origin", origin)
    };
    let r = ctx
        .client()
        .execute(&head("https://example.com"))
        .await
        .context("HEAD with Origin")?;
    has_headers(
        &r.headers,
        &[
            ("access-control-allow-origin", Some("*")),
            (
                "access-control-expose-headers",
                Some("Content-Length,ETag,x-cos-meta-author"),
            ),
            ("vary", Some("Origin")),
        ],
        "HEAD with a matching Origin",
    )?;
    let put_obj = RawRequest::new("PutObject", Method::PUT, Some(key.as_str()))
        .header("origin", "https://example.net")
        .body(Bytes::from_static(b"again"));
    let r = ctx
        .client()
        .execute(&put_obj)
        .await
        .context("PUT with Origin")?;
    has_headers(
        &r.headers,
        &[
            ("access-control-allow-origin", Some("https://example.net")),
            ("access-control-allow-credentials", Some("true")),
            (
                "access-control-expose-headers",
                Some("Content-Length,ETag,x-cos-meta-author"),
            ),
        ],
        "PUT with a matching Origin",
    )?;
    // Rule 1 allows any origin but only GET and HEAD: a PUT from elsewhere matches nothing,
    // and still succeeds (COS never refuses an actual request for CORS).
    let elsewhere = RawRequest::new("PutObject", Method::PUT, Some(key.as_str()))
        .header("origin", "https://other.org")
        .body(Bytes::from_static(b"third"));
    let r = ctx
        .client()
        .execute(&elsewhere)
        .await
        .context("PUT from another origin")?;
    ensure!(
        r.headers.get("access-control-allow-origin").is_none(),
        "a PUT from an origin no rule allows got CORS headers"
    );
    // An unsigned GET is refused for its signature, not for CORS, and the browser may read why.
    let mut h = HeaderMap::new();
    h.insert("origin", HeaderValue::from_static("https://example.com"));
    let url = ctx.url(Some(key.as_str()))?;
    let r = ctx
        .plain()
        .send(Method::GET, &url, &h, Bytes::new())
        .await?;
    expect_plain_error(
        &r,
        403,
        ErrorCode::AccessDenied,
        "an unsigned GET with Origin",
    )?;
    ensure!(
        r.header("access-control-allow-origin") == Some("*"),
        "the error answer: allow-origin {:?}",
        r.header("access-control-allow-origin")
    );
    // ResponseVary: every answer of the bucket varies by Origin, with or without one.
    put(ctx, &example().response_vary(true)).await?;
    let plain_head = RawRequest::new("HeadObject", Method::HEAD, Some(key.as_str()));
    let r = ctx
        .client()
        .execute(&plain_head)
        .await
        .context("HEAD without Origin")?;
    has_headers(
        &r.headers,
        &[
            ("vary", Some("Origin")),
            ("access-control-allow-origin", None),
        ],
        "HEAD without Origin, ResponseVary true",
    )?;
    Ok(())
}
