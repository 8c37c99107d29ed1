//! Clock skew: the server's clock and the client's disagree by an hour (the emulator's clock
//! is moved at run time; against real COS the client's clock is moved instead). The Client's
//! first request is refused, it learns the offset from the answer, and the retry — and every
//! request after it — succeeds.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use cos_sign::KeyTime;
use cos_transport::clock::Clock as _;
use http::Method;

use cos_model::ErrorCode;
use cos_model::ops::{GetObject, PutObject};
use cos_transport::{Client, StaticCredentials};

use crate::cases::auth::signed_headers;
use crate::clock::OffsetClock;
use crate::counting::{Counting, Seen};
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure};

/// The disagreement the cases set, in seconds.
pub const SKEW: i64 = 3600;

/// A client over a counting transport whose clock is `client_offset` seconds off.
fn skewed_client(ctx: &Context, client_offset: i64) -> Result<(Client, Counting), SuiteError> {
    let counting = Counting::new(ctx.transport());
    let mut builder = ctx
        .client_builder_over(Arc::new(counting.clone()))
        .credentials(StaticCredentials::new(ctx.credentials().clone()));
    if client_offset != 0 {
        builder = builder.clock(OffsetClock::new(client_offset));
    }
    let client = builder
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))?;
    Ok((client, counting))
}

/// What a request signed with the skewed clock gets (sent by hand: the Client corrects and
/// re-signs at once, hiding the first answer): with the server ahead the signature has
/// expired (403 AccessDenied "Request has expired", documented); with the server behind it
/// starts in the server's future (403 RequestTimeTooSkewed from the emulator; COS's code for
/// this is not documented, so against real COS AccessDenied is accepted too).
async fn first_refusal(ctx: &Context, client_offset: i64, server_ahead: i64) -> Outcome {
    let key = ctx.key("skew/absent")?;
    let client_now = OffsetClock::new(client_offset)
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let window = KeyTime::new(client_now - 60, client_now + 900);
    let headers = signed_headers(ctx, &Method::GET, key.as_str(), ctx.credentials(), window)?;
    let response = ctx
        .plain()
        .send(
            Method::GET,
            &ctx.url(Some(key.as_str()))?,
            &headers,
            Bytes::new(),
        )
        .await?;
    let cos = response.cos_error().ok_or_else(|| {
        SuiteError::check(format!(
            "the skewed request: HTTP {}, no <Error>: {}",
            response.status,
            response.text()
        ))
    })?;
    ensure!(
        cos.status.as_u16() == 403,
        "the skewed request: {cos}, want 403"
    );
    ensure!(
        response.request_id().is_some(),
        "the skewed request's refusal has no request id"
    );
    let accepted: &[ErrorCode] = match (server_ahead > 0, ctx.is_emulator()) {
        (true, _) => &[ErrorCode::AccessDenied],
        (false, true) => &[ErrorCode::RequestTimeTooSkewed],
        (false, false) => &[ErrorCode::RequestTimeTooSkewed, ErrorCode::AccessDenied],
    };
    ensure!(
        accepted.contains(&cos.code),
        "the skewed request got {} ({:?}), want one of {accepted:?}",
        cos.code,
        cos.message
    );
    ensure!(
        cos.is_clock_skew(),
        "the Client would not see {} ({:?}) as clock skew",
        cos.code,
        cos.message
    );
    Ok(())
}

/// Runs one skew scenario: the server is `server_ahead` seconds ahead of the client.
async fn corrected(ctx: &Context, server_ahead: i64) -> Outcome {
    let client_offset = match ctx.emulator("") {
        Ok(emulator) => {
            emulator.set_clock_skew(server_ahead);
            0
        }
        Err(_) => -server_ahead,
    };
    first_refusal(ctx, client_offset, server_ahead).await?;
    let (client, counting) = skewed_client(ctx, client_offset)?;
    let key = ctx.key(&format!("skew/{server_ahead}.txt"))?;
    client
        .execute(&PutObject::new(
            key.clone(),
            "written across a skewed clock",
        ))
        .await
        .context(format!("PutObject with the server {server_ahead} s ahead"))?;
    let seen = counting.seen();
    ensure!(
        seen.len() == 2 && seen[0].1 == Seen::Status(403) && seen[1].1 == Seen::Status(200),
        "with the server {server_ahead} s ahead, want one 403 then a 200, saw {seen:?}"
    );
    let offset = client.clock_offset_millis();
    ensure!(
        (offset - server_ahead * 1000).abs() <= 5_000,
        "learnt clock offset {offset} ms, want about {} ms",
        server_ahead * 1000
    );
    counting.reset();
    let get = client
        .execute(&GetObject::new(key))
        .await
        .context("GetObject after the correction")?;
    ensure!(
        get.body == "written across a skewed clock",
        "content differs"
    );
    ensure!(
        counting.sent() == 1,
        "a request after the correction was refused first: {:?}",
        counting.seen()
    );
    if let Ok(emulator) = ctx.emulator("") {
        emulator.set_clock_skew(0);
    }
    Ok(())
}

/// The server an hour ahead: the signature looks expired (403 AccessDenied), then corrected.
pub async fn server_clock_ahead(ctx: &Context) -> Outcome {
    corrected(ctx, SKEW).await
}

/// The server an hour behind: the signature starts in its future (403
/// RequestTimeTooSkewed), then corrected.
pub async fn server_clock_behind(ctx: &Context) -> Outcome {
    corrected(ctx, -SKEW).await
}
