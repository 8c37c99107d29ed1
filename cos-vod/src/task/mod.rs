//! The task that owns the list: it applies commands and upload outcomes to the core, runs
//! the core's effects (engine calls, credential fetches; see `effects.rs`), fans events
//! out to the subscribers, and hands every change to the state file's writer (see
//! `persist.rs`). Nothing here is shared: no lock exists, so a listener may call back into
//! the list while it handles an event.

mod effects;
mod persist;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::auth::{GrantProvider, UploadGrant};
use crate::command::{Command, Reply, Verb};
use crate::core::{CoreConfig, Effect, HaltMode, ListCore, NewFile, Outcome};
use crate::engine::{EngineOutcome, EngineProgress, UploadEngine, UploadTarget};
use crate::error::VodError;
use crate::event::VodEvent;
use crate::failure::{FailureInfo, FailureKind};
use crate::id::{FileId, Target};
use crate::restore::Restored;
use crate::saved::SavedTarget;
use crate::source::{FileSource, Fingerprint};
use crate::state_file::{StateFile, StateWriter};
use crate::target::TargetDefaults;

/// What upload tasks and credential fetches report back.
enum Internal {
    Progress {
        file: FileId,
        generation: u64,
        progress: EngineProgress,
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
    /// For a path: its modification time when added (kept in the state file).
    modified: Option<SystemTime>,
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
    /// Where restored files went before the restart, until they run again.
    saved_targets: HashMap<FileId, SavedTarget>,
    active: HashMap<FileId, Active>,
    subscribers: Vec<mpsc::UnboundedSender<VodEvent>>,
    internal: mpsc::UnboundedSender<Internal>,
    clock: tokio::time::Instant,
    /// Keeps the state file current, when the list has one.
    writer: Option<StateWriter>,
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
    /// Where the list is kept across restarts, with what was restored from there.
    pub state: Option<(StateFile, Restored)>,
    /// Subscribers from the start (so they see the `Restored` events).
    pub subscribers: Vec<mpsc::UnboundedSender<VodEvent>>,
}

/// Spawns the task that owns the list (on the current tokio runtime); it serves `commands`
/// until every sender is dropped or it is told to shut down.
pub(crate) fn spawn(settings: Settings, commands: mpsc::UnboundedReceiver<Command>) {
    let (int_tx, int_rx) = mpsc::unbounded_channel();
    let (core, initial, restored, writer) = match settings.state {
        Some((file, restored)) => (
            restored.core,
            restored.effects,
            restored.files,
            Some(file.spawn_writer(restored.lock)),
        ),
        None => (ListCore::new(settings.core), Vec::new(), Vec::new(), None),
    };
    let mut driver = Driver {
        core,
        engine: settings.engine,
        provider: settings.provider,
        defaults: settings.defaults,
        expiry_margin: settings.expiry_margin,
        specs: HashMap::new(),
        grants: HashMap::new(),
        targets: HashMap::new(),
        saved_targets: HashMap::new(),
        active: HashMap::new(),
        subscribers: settings.subscribers,
        internal: int_tx,
        clock: tokio::time::Instant::now(),
        writer,
    };
    driver.adopt(restored);
    tokio::spawn(driver.run(commands, int_rx, initial));
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
        initial: Vec<Effect>,
    ) {
        // The `Restored` events (the list is idle: nothing else comes out), then the list as
        // restored is saved (interrupted files paused, lost sources failed).
        let mut waits = Vec::new();
        self.run_effects(initial, &mut waits);
        drop(waits);
        self.persist();
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
        // Pause whatever runs so checkpoints are flushed; events end with the task. The
        // state file keeps the files that were uploading as such: restored, they come back
        // as interrupted, exactly as after a crash.
        let mut waits = Vec::new();
        for (_, active) in self.active.drain() {
            let _ = active.halt.send(Some(HaltMode::Pause));
            waits.extend(active.join);
        }
        self.subscribers.clear();
        let writer = self.writer.take().map(|w| (w.path().to_owned(), w.close()));
        let finish = async move {
            for w in waits {
                let _ = w.await;
            }
            match writer {
                Some((path, join)) => match join.await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(source)) => Err(VodError::StateFile { path, source }),
                    Err(e) => Err(VodError::StateFile {
                        path,
                        source: std::io::Error::other(e.to_string()).into(),
                    }),
                },
                None => Ok(()),
            }
        };
        match shutdown_reply {
            Some(reply) => {
                tokio::spawn(async move {
                    let _ = reply.send(finish.await);
                });
            }
            None => {
                let _ = finish.await;
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
        let changes = !matches!(
            cmd,
            Command::List { .. }
                | Command::File { .. }
                | Command::State { .. }
                | Command::Subscribe { .. }
        );
        self.apply_command(cmd);
        if changes {
            self.persist();
        }
    }

    fn apply_command(&mut self, cmd: Command) {
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
                    modified: info.modified,
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
        let progress = matches!(msg, Internal::Progress { .. });
        self.apply_internal(msg);
        if !progress {
            self.persist();
        }
    }

    fn apply_internal(&mut self, msg: Internal) {
        let mut waits = Vec::new();
        match msg {
            Internal::Progress {
                file,
                generation,
                progress,
            } => {
                let now = self.now_ms();
                let fx = self.core.on_progress(file, generation, progress, now);
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
}
