//! Carrying out the core's effects: delivering events, starting an upload (credentials
//! first, pulled from the provider or waited for, then a check that a file on disk is still
//! the one added, then the engine), halting one, and discarding what a deleted file left on
//! the server.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use cos_transport::TemporaryKey;
use tokio::sync::watch;

use super::{Active, Driver, Internal, Phase, Wait};
use crate::auth::{GrantKind, GrantRequest};
use crate::core::{Effect, HaltMode, Outcome};
use crate::engine::{
    DiscardJob, EngineOutcome, JobCredentials, Refresher, UploadControl, UploadJob, UploadTarget,
};
use crate::failure::FailureInfo;
use crate::id::FileId;
use crate::saved::SavedTarget;
use crate::source::{FileSource, check_unchanged};
use crate::target::{from_saved, missing, resolve};

impl Driver {
    pub(super) fn run_effects(&mut self, fx: Vec<Effect>, waits: &mut Vec<Wait>) {
        self.drain(fx.into(), waits);
    }

    pub(super) fn drain(&mut self, mut queue: VecDeque<Effect>, waits: &mut Vec<Wait>) {
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Emit(event) => self.emit(event),
                Effect::Begin { file, generation } => self.begin(file, generation, &mut queue),
                Effect::Halt {
                    file,
                    generation,
                    mode,
                } => {
                    let Some(active) = self.active.remove(&file) else {
                        continue;
                    };
                    if active.generation != generation {
                        self.active.insert(file, active);
                        continue;
                    }
                    let _ = active.halt.send(Some(mode));
                    match active.join {
                        Some(join) => waits.push(join),
                        None if mode == HaltMode::Abort => waits.extend(self.discard(file)),
                        None => {}
                    }
                }
                Effect::Discard { file } => waits.extend(self.discard(file)),
                Effect::Forget { file } => {
                    self.specs.remove(&file);
                    self.grants.remove(&file);
                    self.targets.remove(&file);
                    self.saved_targets.remove(&file);
                }
            }
        }
    }

    /// Aborts what a file left on the server and drops its checkpoint. Without credentials
    /// for it yet (a file restored or re-added after a restart and deleted before it ran),
    /// the provider, if any, is asked for some.
    fn discard(&mut self, file: FileId) -> Option<Wait> {
        let spec = self.specs.get(&file)?.clone();
        let known_target = self.targets.get(&file).cloned();
        let saved_target = self.saved_targets.get(&file).cloned();
        let grant = self.grants.get(&file).cloned();
        let provider = self.provider.clone().filter(|_| grant.is_none());
        let defaults = self.defaults.clone();
        let engine = self.engine.clone();
        Some(tokio::spawn(async move {
            let grant = match (grant, provider) {
                (Some(g), _) => Some(g),
                (None, Some(p)) => p
                    .grant(GrantRequest {
                        file,
                        name: spec.name.clone(),
                        size: spec.size,
                        key: spec.key.clone(),
                        kind: GrantKind::Create,
                    })
                    .await
                    .ok(),
                (None, None) => None,
            };
            let job = DiscardJob {
                file,
                source: spec.source.clone(),
                fingerprint: spec.fingerprint.clone(),
                target: known_target
                    .or_else(|| {
                        let saved = saved_target?;
                        from_saved(&saved, grant.as_ref(), &defaults).ok()
                    })
                    .or_else(|| {
                        resolve(&spec.name, spec.key.as_deref(), grant.as_ref(), &defaults).ok()
                    }),
                credentials: grant.map(|g| g.credentials),
            };
            match engine.discard(job).await {
                Ok(()) => None,
                Err(info) => {
                    tracing::warn!(%file, error = %info, "discarding the upload failed");
                    Some(info)
                }
            }
        }))
    }

    fn begin(&mut self, file: FileId, generation: u64, queue: &mut VecDeque<Effect>) {
        let (halt, _) = watch::channel(None);
        self.active.insert(
            file,
            Active {
                generation,
                phase: Phase::AwaitingGrant,
                halt,
                join: None,
            },
        );
        let now = SystemTime::now();
        let usable = self
            .grants
            .get(&file)
            .map(|g| !g.credentials.is_expired(now, self.expiry_margin));
        match (usable, &self.provider) {
            (Some(true), _) => self.launch(file, queue),
            (usable, Some(provider)) => {
                let Some(spec) = self.specs.get(&file) else {
                    return;
                };
                if let Some(a) = self.active.get_mut(&file) {
                    a.phase = Phase::Fetching;
                }
                let request = GrantRequest {
                    file,
                    name: spec.name.clone(),
                    size: spec.size,
                    key: spec.key.clone(),
                    kind: if usable.is_some() {
                        GrantKind::Refresh
                    } else {
                        GrantKind::Create
                    },
                };
                let fut = provider.grant(request);
                let internal = self.internal.clone();
                tokio::spawn(async move {
                    let result = fut.await;
                    let _ = internal.send(Internal::Granted {
                        file,
                        generation,
                        result,
                    });
                });
            }
            (Some(false), None) => {
                // Pushed keys already expired and nobody can refresh them.
                self.take_active(file, generation);
                queue.extend(
                    self.core
                        .on_outcome(file, generation, Outcome::TokenExpired),
                );
            }
            (None, None) => {} // UploadStarted asked the app for credentials.
        }
    }

    fn resolve_target(&self, file: FileId) -> Result<UploadTarget, FailureInfo> {
        let spec = self.specs.get(&file).ok_or_else(|| missing("File"))?;
        resolve(
            &spec.name,
            spec.key.as_deref(),
            self.grants.get(&file),
            &self.defaults,
        )
    }

    /// A restored file runs again: its saved target gives way to the one resolved now. When
    /// they differ (its grant names another bucket or key than before the restart), what it
    /// left at the old one can never be resumed: that is discarded, best effort.
    fn forget_saved_target(&mut self, file: FileId, target: &UploadTarget, keys: &TemporaryKey) {
        let Some(saved) = self.saved_targets.remove(&file) else {
            return;
        };
        if saved == SavedTarget::of(target) {
            return;
        }
        let Some(spec) = self.specs.get(&file) else {
            return;
        };
        let Ok(old) = from_saved(&saved, self.grants.get(&file), &self.defaults) else {
            return;
        };
        let job = DiscardJob {
            file,
            source: spec.source.clone(),
            fingerprint: spec.fingerprint.clone(),
            target: Some(old),
            credentials: Some(keys.clone()),
        };
        let engine = self.engine.clone();
        tokio::spawn(async move {
            if let Err(e) = engine.discard(job).await {
                tracing::warn!(%file, error = %e, "discarding the upload a restored file left at its old target failed");
            }
        });
    }

    pub(super) fn launch(&mut self, file: FileId, queue: &mut VecDeque<Effect>) {
        let Some(generation) = self.active.get(&file).map(|a| a.generation) else {
            return;
        };
        let target = match self.resolve_target(file) {
            Ok(t) => t,
            Err(info) => {
                self.take_active(file, generation);
                queue.extend(
                    self.core
                        .on_outcome(file, generation, Outcome::Failed(info)),
                );
                return;
            }
        };
        let (Some(spec), Some(grant)) = (self.specs.get(&file), self.grants.get(&file)) else {
            return;
        };
        let refresh: Option<Refresher> = self.provider.clone().map(|provider| {
            let request = GrantRequest {
                file,
                name: spec.name.clone(),
                size: spec.size,
                key: spec.key.clone(),
                kind: GrantKind::Refresh,
            };
            let refresher: Refresher = Arc::new(move || {
                let fut = provider.grant(request.clone());
                Box::pin(async move { fut.await.map(|g| g.credentials) })
            });
            refresher
        });
        let job = UploadJob {
            file,
            source: spec.source.clone(),
            size: spec.size,
            fingerprint: spec.fingerprint.clone(),
            target: target.clone(),
            credentials: JobCredentials {
                initial: grant.credentials.clone(),
                refresh,
            },
            metadata: spec.metadata.clone(),
        };
        let expected = match &spec.source {
            FileSource::Path(path) => {
                Some((path.clone(), spec.key.clone(), spec.fingerprint.clone()))
            }
            FileSource::Bytes { .. } => None,
        };
        self.forget_saved_target(file, &target, &job.credentials.initial);
        self.targets.insert(file, target);
        let engine = self.engine.clone();
        let Some(active) = self.active.get_mut(&file) else {
            return;
        };
        let internal = self.internal.clone();
        let progress_tx = self.internal.clone();
        let control = UploadControl::new(active.halt.subscribe(), move |progress| {
            let _ = progress_tx.send(Internal::Progress {
                file,
                generation,
                progress,
            });
        });
        let halt = active.halt.subscribe();
        active.phase = Phase::Running;
        active.join = Some(tokio::spawn(async move {
            // A file on disk must still be the one added (and, after a restart, the one its
            // checkpoint was written from): never upload other bytes under this file's row.
            let unchanged = match &expected {
                Some((path, key, fingerprint)) => {
                    check_unchanged(path, key.as_deref(), fingerprint).await
                }
                None => Ok(()),
            };
            let outcome = match unchanged {
                Ok(()) => engine.upload(job, control).await,
                Err(info) => {
                    let mode = *halt.borrow();
                    refuse_changed(&*engine, job, mode, info).await
                }
            };
            let abort_failure = match (&outcome, *halt.borrow()) {
                (EngineOutcome::Failed(info), Some(HaltMode::Abort)) => {
                    tracing::warn!(%file, error = %info, "aborting the upload failed");
                    Some(info.clone())
                }
                _ => None,
            };
            let _ = internal.send(Internal::Finished {
                file,
                generation,
                outcome,
            });
            abort_failure
        }));
    }
}

/// The outcome of an attempt whose source changed before it began: a typed failure, or, when
/// the file is being deleted meanwhile, the discard of what it left on the server.
async fn refuse_changed(
    engine: &dyn crate::engine::UploadEngine,
    job: UploadJob,
    halt: Option<HaltMode>,
    info: FailureInfo,
) -> EngineOutcome {
    match halt {
        None => EngineOutcome::Failed(info),
        Some(HaltMode::Abort) => {
            let discard = DiscardJob {
                file: job.file,
                source: job.source,
                fingerprint: job.fingerprint,
                target: Some(job.target),
                credentials: Some(job.credentials.initial),
            };
            match engine.discard(discard).await {
                Ok(()) => EngineOutcome::Stopped,
                Err(e) => EngineOutcome::Failed(e),
            }
        }
        Some(HaltMode::Pause | HaltMode::Cancel) => EngineOutcome::Stopped,
    }
}
