//! A fake upload engine for the async layer's tests: uploads in fixed-size "parts", one
//! per tick of (paused) tokio time, keeps checkpoints in memory by the file's fingerprint,
//! honours halt requests, and fails or expires on demand.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_vod::core::HaltMode;
use cos_vod::engine::{DiscardJob, EngineOutcome, UploadControl, UploadEngine, UploadJob};
use cos_vod::{FailureInfo, FailureKind, UploadResult, VodEvent};
use futures_util::future::BoxFuture;

pub const PART: u64 = 100;

#[derive(Default)]
pub struct FakeState {
    /// checkpoint key -> bytes done
    pub checkpoints: HashMap<String, u64>,
    /// (object key, part number) in the order sent
    pub parts_sent: Vec<(String, u64)>,
    /// object keys whose multipart upload was aborted
    pub aborted: Vec<String>,
    /// secret ids COS now refuses as expired
    pub revoked: HashSet<String>,
    /// object keys that fail at this part number
    pub fail_at: HashMap<String, u64>,
    /// stored objects: key -> bytes
    pub stored: HashMap<String, u64>,
    /// secret ids used per part
    pub used_ids: Vec<String>,
}

#[derive(Clone, Default)]
pub struct FakeEngine {
    pub state: Arc<Mutex<FakeState>>,
    pub tick: Option<Duration>,
}

impl FakeEngine {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }
}

fn tick(engine: &FakeEngine) -> Duration {
    engine.tick.unwrap_or(Duration::from_millis(250))
}

impl UploadEngine for FakeEngine {
    fn upload(
        &self,
        job: UploadJob,
        mut control: UploadControl,
    ) -> BoxFuture<'static, EngineOutcome> {
        let this = self.clone();
        Box::pin(async move {
            let ck = job.fingerprint.checkpoint_key();
            let key = job.target.key.as_str().to_owned();
            let mut creds = job.credentials.initial.clone();
            let mut done = this.with(|s| s.checkpoints.get(&ck).copied().unwrap_or(0));
            control.progress(done);
            loop {
                if done >= job.size {
                    this.with(|s| {
                        s.checkpoints.remove(&ck);
                        s.stored.insert(key.clone(), job.size);
                    });
                    return EngineOutcome::Completed(UploadResult {
                        bucket: job.target.bucket.to_string(),
                        region: job
                            .target
                            .region
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        key,
                        etag: format!("\"etag-{}\"", job.size),
                        crc64: Some(job.size * 31),
                        bytes: job.size,
                    });
                }
                let part = done / PART + 1;
                tokio::select! {
                    mode = control.halted() => {
                        this.with(|s| {
                            if mode == HaltMode::Abort {
                                s.checkpoints.remove(&ck);
                                s.aborted.push(key.clone());
                            } else {
                                s.checkpoints.insert(ck.clone(), done);
                            }
                        });
                        return EngineOutcome::Stopped;
                    }
                    _ = tokio::time::sleep(tick(&this)) => {}
                }
                // The part reaches "COS": check the credentials and faults.
                if this.with(|s| s.revoked.contains(creds.secret_id())) {
                    let refreshed = match &job.credentials.refresh {
                        Some(refresh) => refresh().await.ok(),
                        None => None,
                    };
                    match refreshed {
                        Some(new) if !this.with(|s| s.revoked.contains(new.secret_id())) => {
                            creds = new;
                            continue;
                        }
                        _ => {
                            this.with(|s| s.checkpoints.insert(ck.clone(), done));
                            return EngineOutcome::CredentialsExpired;
                        }
                    }
                }
                if this.with(|s| s.fail_at.get(&key) == Some(&part)) {
                    this.with(|s| s.checkpoints.insert(ck.clone(), done));
                    let mut info = FailureInfo::new(FailureKind::Cos, "InternalError", "injected");
                    info.request_id = Some("req-1".into());
                    info.status = Some(500);
                    return EngineOutcome::Failed(info);
                }
                this.with(|s| {
                    s.parts_sent.push((key.clone(), part));
                    s.used_ids.push(creds.secret_id().to_string());
                });
                done = (done + PART).min(job.size);
                this.with(|s| s.checkpoints.insert(ck.clone(), done));
                control.progress(done);
            }
        })
    }

    fn discard(&self, job: DiscardJob) -> BoxFuture<'static, Result<(), FailureInfo>> {
        let this = self.clone();
        Box::pin(async move {
            let ck = job.fingerprint.checkpoint_key();
            this.with(|s| {
                if s.checkpoints.remove(&ck).is_some()
                    && let Some(t) = &job.target
                {
                    s.aborted.push(t.key.as_str().to_owned());
                }
            });
            Ok(())
        })
    }
}

/// Collects events until `stop` says so (or panics after a long virtual time).
pub async fn collect_until(
    events: &mut cos_vod::EventStream,
    mut stop: impl FnMut(&VodEvent) -> bool,
) -> Vec<VodEvent> {
    let mut out = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(600), events.recv())
            .await
            .expect("timed out waiting for events")
            .expect("event stream ended");
        let done = stop(&ev);
        out.push(ev);
        if done {
            return out;
        }
    }
}

pub fn names(events: &[VodEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !matches!(e, VodEvent::Progress { .. }))
        .map(|e| match e.file() {
            Some(f) => format!("{}:{}", e.name(), f.name),
            None => e.name().to_string(),
        })
        .collect()
}
