//! Faults survived: with the emulator answering 500 InternalError and 503 SlowDown, dropping
//! connections mid-body and mid-response, and delaying answers (set at run time, seeded), the
//! Client's retries carry a workload of puts, gets, a listing and a multipart upload to the
//! right end state. Against real COS the same faults are injected client-side.

use std::sync::Arc;
use std::time::Duration;

use cos_emulator::FaultSpec;
use cos_model::PartNumber;
use cos_model::ops::{
    CompleteMultipartUpload, CompletedParts, GetBucket, GetObject, HeadObject,
    InitiateMultipartUpload, PutObject, UploadPart,
};
use cos_transport::retry::RetryBudget;
use cos_transport::test_util::{FaultSpec as ClientFaults, FaultTransport};
use cos_transport::{Client, DynTransport, RetryPolicy, StaticCredentials};

use crate::counting::Counting;
use crate::data;
use crate::error::Context as _;
use crate::{Context, Outcome, SuiteError, ensure, ensure_eq};

/// Faults answered by the server: 500 and 503 on every operation.
pub const SERVER_ERRORS: &str = "5xx=0.2,slowdown=0.2";
/// Dropped connections and delays, on the idempotent operations (a dropped Complete cannot
/// be retried safely, by design).
pub const CONNECTION_FAULTS: &str =
    "reset=0.15,reset-response=0.15,delay=0.2:30,ops=PutObject+UploadPart+GetObject+HeadObject";

/// A retry policy for a faulty server: many quick attempts, no shared budget to run dry.
fn patient() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(12)
        .backoff(Duration::from_millis(5), Duration::from_millis(100))
        .slow_down_backoff(Duration::from_millis(10), Duration::from_millis(200))
        .budget(Arc::new(RetryBudget::unlimited()))
        .build()
}

fn client_over(ctx: &Context, transport: Arc<dyn DynTransport>) -> Result<Client, SuiteError> {
    ctx.client_builder_over(transport)
        .credentials(StaticCredentials::new(ctx.credentials().clone()))
        .retry(patient())
        .build()
        .map_err(|e| SuiteError::setup(format!("client: {e}")))
}

/// Puts, heads and gets `count` objects, lists them, and uploads a 3-part object; checks
/// every content and the listing.
async fn workload(ctx: &Context, client: &Client, tag: &str, count: usize) -> Outcome {
    let mut want = Vec::new();
    for i in 0..count {
        let key = ctx.key(&format!("faults/{tag}/object-{i:02}"))?;
        let body = data::body(32 * 1024 + i, 100 + i as u64);
        client
            .execute(&PutObject::new(key.clone(), body.clone()))
            .await
            .context(format!("PutObject {i}"))?;
        let head = client
            .execute(&HeadObject::new(key.clone()))
            .await
            .context(format!("HeadObject {i}"))?;
        ensure_eq!(head.etag, Some(data::etag_of(&body)), "HeadObject {i} ETag");
        let get = client
            .execute(&GetObject::new(key.clone()))
            .await
            .context(format!("GetObject {i}"))?;
        ensure!(get.body == body, "GetObject {i}: content differs");
        want.push(key.as_str().to_owned());
    }
    let key = ctx.key(&format!("faults/{tag}/multipart"))?;
    let init = client
        .execute(&InitiateMultipartUpload::new(key.clone()))
        .await
        .context("InitiateMultipartUpload")?;
    let bodies = [
        data::body(1024 * 1024, 201),
        data::body(1024 * 1024, 202),
        data::body(10_000, 203),
    ];
    let mut parts = CompletedParts::new();
    for (i, body) in bodies.iter().enumerate() {
        let number = PartNumber::new(i as u32 + 1).map_err(|e| SuiteError::setup(e.to_string()))?;
        let out = client
            .execute(&UploadPart::new(
                key.clone(),
                init.upload_id.clone(),
                number,
                body.clone(),
            ))
            .await
            .context(format!("UploadPart {}", i + 1))?;
        parts.insert(number, out.etag);
    }
    client
        .execute(&CompleteMultipartUpload::new(
            key.clone(),
            init.upload_id,
            parts,
        ))
        .await
        .context("CompleteMultipartUpload")?;
    let get = client
        .execute(&GetObject::new(key.clone()))
        .await
        .context("GetObject multipart")?;
    let whole: Vec<u8> = bodies.iter().flat_map(|b| b.iter().copied()).collect();
    ensure!(
        get.body[..] == whole[..],
        "the multipart object's content differs"
    );
    want.push(key.as_str().to_owned());
    want.sort();
    let listed = client
        .execute(&GetBucket::new().prefix(ctx.raw_key(&format!("faults/{tag}/"))))
        .await
        .context("GetBucket")?;
    let keys: Vec<String> = listed.contents.iter().map(|c| c.key.clone()).collect();
    ensure_eq!(keys, want, "keys listed after the faulty workload");
    Ok(())
}

/// The workload under server errors, then under connection faults and delays.
pub async fn faults_survived(ctx: &Context) -> Outcome {
    let Ok(emulator) = ctx.emulator("") else {
        return client_side_faults(ctx).await;
    };
    let counting = Counting::new(ctx.transport());
    let client = client_over(ctx, Arc::new(counting.clone()))?;

    let spec: FaultSpec = SERVER_ERRORS
        .parse()
        .map_err(|e| SuiteError::setup(format!("{e}")))?;
    emulator.set_faults(spec);
    workload(ctx, &client, "server-errors", 8).await?;
    let (internal, slow) = (counting.count_status(500), counting.count_status(503));
    ensure!(
        internal > 0 && slow > 0,
        "the emulator injected no 500 ({internal}) or no 503 ({slow}) in {} requests",
        counting.sent()
    );

    counting.reset();
    let spec: FaultSpec = CONNECTION_FAULTS
        .parse()
        .map_err(|e| SuiteError::setup(format!("{e}")))?;
    emulator.set_faults(spec);
    workload(ctx, &client, "connection-faults", 8).await?;
    let failed = counting.count_failed();
    ensure!(
        failed > 0,
        "no connection was dropped in {} requests",
        counting.sent()
    );
    emulator.set_faults(FaultSpec::none());
    tracing::info!(internal, slow, failed, "faults survived");
    Ok(())
}

/// Against real COS: the same workload through a client-side fault injector.
async fn client_side_faults(ctx: &Context) -> Outcome {
    let spec = ClientFaults {
        server_error: 0.15,
        slow_down: 0.1,
        reset_before_send: 0.1,
        reset_after_send: 0.0,
        timeout: 0.0,
    };
    let faulty = FaultTransport::seeded(ctx.transport(), spec, 7);
    let client = client_over(ctx, Arc::new(faulty.clone()))?;
    workload(ctx, &client, "client-side", 8).await?;
    ensure!(!faulty.injected().is_empty(), "no fault was injected");
    Ok(())
}
