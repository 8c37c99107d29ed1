//! The task that owns the list: it applies commands and upload outcomes to the core, runs
//! the core's effects (engine calls, credential fetches), and fans events out to the
//! subscribers. Nothing here is shared: no lock exists, so a listener may call back into
//! the list while it handles an event.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::auth::{GrantKind, GrantProvider, GrantRequest, UploadGrant};
use crate::command::{Command, Reply, Verb};
use crate::core::{CoreConfig, Effect, HaltMode, ListCore, NewFile, Outcome};
use crate::engine::{
    DiscardJob, EngineOutcome, JobCredentials, Refresher, UploadControl, UploadEngine, UploadJob,
    UploadTarget,
};
use crate::error::VodError;
use crate::event::VodEvent;
use crate::failure::{FailureInfo, FailureKind};
use crate::id::{FileId, Target};
use crate::source::{FileSource, Fingerprint};
use crate::target::{TargetDefaults, missing, resolve};

/// What upload tasks and credential fetches report back.
enum Internal {
    Progress {
        file: FileId,
        generation: u64,
        bytes: u64,
    },
    Finished {
        file: FileId,
        generation: u64,
        outcome: EngineOutcome,
    },
    Granted {
        file: FileId,
        generation: u64,
        result: Result<UploadGrant, FailureInfo>,
    },
}

#[derive(Clone)]
struct FileSpec {
    name: String,
    size: u64,
    source: FileSource,
    fingerprint: Fingerprint,
    key: Option<String>,
    metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Push mode: waits for `set_upload_auth_and_address`/`set_sts_token`.
    AwaitingGrant,
    /// Pull mode: the provider was asked.
    Fetching,
    /// The engine runs.
    Running,
}

/// Resolves to the failure of an abort or discard, if any.
type Wait = JoinHandle<Option<FailureInfo>>;

struct Active {
    generation: u64,
    phase: Phase,
    halt: watch::Sender<Option<HaltMode>>,
    join: Option<Wait>,
}

struct Driver {
    core: ListCore,
    engine: Arc<dyn UploadEngine>,
    provider: Option<Arc<dyn GrantProvider>>,
    defaults: TargetDefaults,
    expiry_margin: Duration,
    specs: HashMap<FileId, FileSpec>,
    grants: HashMap<FileId, UploadGrant>,
    targets: HashMap<FileId, UploadTarget>,
    active: HashMap<FileId, Active>,
    subscribers: Vec<mpsc::UnboundedSender<VodEvent>>,
    internal: mpsc::UnboundedSender<Internal>,
    clock: tokio::time::Instant,
}

/// What the task starts with: the list's settings.
pub(crate) struct Settings {
    /// The engine uploads go through.
    pub engine: Arc<dyn UploadEngine>,
    /// Where credentials are pulled from, if anywhere.
    pub provider: Option<Arc<dyn GrantProvider>>,
    /// The core's settings.
    pub core: CoreConfig,
    /// The target for files whose credentials do not name one.
    pub defaults: TargetDefaults,
    /// Pushed keys expiring within this margin count as expired when a file starts.
    pub expiry_margin: Duration,
}

/// Spawns the task that owns the list (on the current tokio runtime); it serves `commands`
/// until every sender is dropped or it is told to shut down.
pub(crate) fn spawn(settings: Settings, commands: mpsc::UnboundedReceiver<Command>) {
    let (int_tx, int_rx) = mpsc::unbounded_channel();
    let driver = Driver {
        core: ListCore::new(settings.core),
        engine: settings.engine,
        provider: settings.provider,
        defaults: settings.defaults,
        expiry_margin: settings.expiry_margin,
        specs: HashMap::new(),
        grants: HashMap::new(),
        targets: HashMap::new(),
        active: HashMap::new(),
        subscribers: Vec::new(),
        internal: int_tx,
        clock: tokio::time::Instant::now(),
    };
    tokio::spawn(driver.run(commands, int_rx));
}

/// Sends `value` now, or once every wait finished (the first failure wins).
fn reply_after<T: Send + 'static>(waits: Vec<Wait>, reply: Reply<T>, value: Result<T, VodError>) {
    if waits.is_empty() || value.is_err() {
        let _ = reply.send(value);
        return;
    }
    tokio::spawn(async move {
        let mut failure = None;
        for w in waits {
            if let Ok(Some(info)) = w.await {
                failure.get_or_insert(info);
            }
        }
        let _ = reply.send(match failure {
            Some(info) => Err(VodError::Engine(info)),
            None => value,
        });
    });
}

impl Driver {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
    ) {
        let shutdown_reply = loop {
            tokio::select! {
                Some(msg) = internal.recv() => self.on_internal(msg),
                cmd = commands.recv() => match cmd {
                    Some(Command::Shutdown { reply }) => break Some(reply),
                    Some(cmd) => self.on_command(cmd),
                    None => break None,
                },
            }
        };
        // Pause whatever runs so checkpoints are flushed; events end with the task.
        let mut waits = Vec::new();
        for (_, active) in self.active.drain() {
            let _ = active.halt.send(Some(HaltMode::Pause));
            waits.extend(active.join);
        }
        self.subscribers.clear();
        match shutdown_reply {
            Some(reply) => reply_after(waits, reply, Ok(())),
            None => {
                for w in waits {
                    let _ = w.await;
                }
            }
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn emit(&mut self, event: VodEvent) {
        tracing::debug!(event = event.name(), file = ?event.file().map(|f| f.id), "vod event");
        self.subscribers.retain(|s| s.send(event.clone()).is_ok());
    }

    fn on_command(&mut self, cmd: Command) {
        let mut waits = Vec::new();
        match cmd {
            Command::Add {
                info,
                source,
                options,
                reply,
            } => {
                let spec = FileSpec {
                    name: info.name.clone(),
                    size: info.size,
                    source,
                    fingerprint: info.fingerprint.clone(),
                    key: options.key.clone(),
                    metadata: options.metadata,
                };
                let new = NewFile {
                    name: info.name,
                    size: info.size,
                    key: options.key,
                    user_data: options.user_data,
                    fingerprint: info.fingerprint,
                };
                let result = self.core.add(new).map(|(id, fx)| {
                    self.specs.insert(id, spec);
                    self.run_effects(fx, &mut waits);
                    id
                });
                reply_after(waits, reply, result);
            }
            Command::Verb {
                verb,
                target,
                reply,
            } => {
                let result = match verb {
                    Verb::Delete => self.core.delete(target),
                    Verb::Cancel => self.core.cancel(target),
                    Verb::Pause => self.core.pause(target),
                    Verb::Resume => self.core.resume(target),
                };
                let result = result.map(|(id, fx)| {
                    self.run_effects(fx, &mut waits);
                    id
                });
                reply_after(waits, reply, result);
            }
            Command::List { reply } => {
                let _ = reply.send(Ok(self.core.snapshots()));
            }
            Command::File { target, reply } => {
                let _ = reply.send(self.core.snapshot(target));
            }
            Command::State { reply } => {
                let _ = reply.send(Ok(self.core.state()));
            }
            Command::Clean { reply } => {
                let result = self.core.clean().map(|fx| self.run_effects(fx, &mut waits));
                reply_after(waits, reply, result);
            }
            Command::Start { reply } => {
                let result = self.core.start().map(|fx| self.run_effects(fx, &mut waits));
                reply_after(waits, reply, result);
            }
            Command::Stop { reply } => {
                let result = self.core.stop().map(|fx| self.run_effects(fx, &mut waits));
                reply_after(waits, reply, result);
            }
            Command::Auth {
                target,
                grant,
                keys_only,
                resume_only,
                reply,
            } => {
                let result = self.on_auth(target, grant, keys_only, resume_only, &mut waits);
                reply_after(waits, reply, result);
            }
            Command::Subscribe { reply } => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.subscribers.push(tx);
                let _ = reply.send(Ok(rx));
            }
            Command::Shutdown { reply } => {
                // Handled by `run`.
                let _ = reply.send(Ok(()));
            }
        }
    }

    fn on_auth(
        &mut self,
        target: Option<Target>,
        grant: UploadGrant,
        keys_only: bool,
        resume_only: bool,
        waits: &mut Vec<Wait>,
    ) -> Result<FileId, VodError> {
        let (id, fx) = match (resume_only, target) {
            (true, target) => self.core.resume_with_auth(target)?,
            (false, Some(target)) => self.core.set_auth(target)?,
            (false, None) => return Err(VodError::NoFileAwaitingAuth),
        };
        let grant = match (keys_only, self.grants.get(&id)) {
            (true, Some(old)) => UploadGrant {
                credentials: grant.credentials,
                ..old.clone()
            },
            _ => grant,
        };
        self.grants.insert(id, grant);
        let mut queue: VecDeque<Effect> = fx.into();
        if self
            .active
            .get(&id)
            .is_some_and(|a| a.phase == Phase::AwaitingGrant)
        {
            self.launch(id, &mut queue);
        }
        self.drain(queue, waits);
        Ok(id)
    }

    fn on_internal(&mut self, msg: Internal) {
        let mut waits = Vec::new();
        match msg {
            Internal::Progress {
                file,
                generation,
                bytes,
            } => {
                let now = self.now_ms();
                let fx = self.core.on_progress(file, generation, bytes, now);
                self.run_effects(fx, &mut waits);
            }
            Internal::Finished {
                file,
                generation,
                outcome,
            } => {
                if !self.take_active(file, generation) {
                    return;
                }
                let outcome = match outcome {
                    EngineOutcome::Completed(result) => Outcome::Succeeded(result),
                    EngineOutcome::Failed(info) => Outcome::Failed(info),
                    EngineOutcome::CredentialsExpired => Outcome::TokenExpired,
                    EngineOutcome::Stopped => Outcome::Failed(FailureInfo::new(
                        FailureKind::Other,
                        "Stopped",
                        "the upload engine stopped without being asked to",
                    )),
                };
                let fx = self.core.on_outcome(file, generation, outcome);
                self.run_effects(fx, &mut waits);
            }
            Internal::Granted {
                file,
                generation,
                result,
            } => {
                let fetching = self
                    .active
                    .get(&file)
                    .is_some_and(|a| a.generation == generation && a.phase == Phase::Fetching);
                if !fetching {
                    return;
                }
                let mut queue = VecDeque::new();
                match result {
                    Ok(grant) => {
                        self.grants.insert(file, grant);
                        self.launch(file, &mut queue);
                    }
                    Err(info) => {
                        self.take_active(file, generation);
                        queue.extend(
                            self.core
                                .on_outcome(file, generation, Outcome::Failed(info)),
                        );
                    }
                }
                self.drain(queue, &mut waits);
            }
        }
        // Nobody waits for internal work; abort failures were already logged.
        drop(waits);
    }

    /// Removes the active attempt if it is `generation`; whether it was.
    fn take_active(&mut self, file: FileId, generation: u64) -> bool {
        if self
            .active
            .get(&file)
            .is_some_and(|a| a.generation == generation)
        {
            self.active.remove(&file);
            true
        } else {
            false
        }
    }

    fn run_effects(&mut self, fx: Vec<Effect>, waits: &mut Vec<Wait>) {
        self.drain(fx.into(), waits);
    }

    fn drain(&mut self, mut queue: VecDeque<Effect>, waits: &mut Vec<Wait>) {
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
                }
            }
        }
    }

    /// Aborts what a file left on the server and drops its checkpoint. Without credentials
    /// for it yet (a file re-added after a restart and deleted before it ran), the provider,
    /// if any, is asked for some.
    fn discard(&mut self, file: FileId) -> Option<Wait> {
        let spec = self.specs.get(&file)?.clone();
        let known_target = self.targets.get(&file).cloned();
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
                target: known_target.or_else(|| {
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

    fn launch(&mut self, file: FileId, queue: &mut VecDeque<Effect>) {
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
        self.targets.insert(file, target);
        let Some(active) = self.active.get_mut(&file) else {
            return;
        };
        let internal = self.internal.clone();
        let progress_tx = self.internal.clone();
        let control = UploadControl::new(active.halt.subscribe(), move |bytes| {
            let _ = progress_tx.send(Internal::Progress {
                file,
                generation,
                bytes,
            });
        });
        let halt = active.halt.subscribe();
        let fut = self.engine.upload(job, control);
        active.phase = Phase::Running;
        active.join = Some(tokio::spawn(async move {
            let outcome = fut.await;
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
