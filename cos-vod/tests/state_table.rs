//! Property: random interleavings of every verb of the list with upload outcomes
//! (success, failure, token expiry, progress, stale outcomes) and restarts (the list
//! restored from what it would have saved, some sources lost) never reach a state the
//! table forbids, never give a run of a file two terminal events, always announce a
//! drained run with `ListEnded`, and index verbs act on the file at that position at
//! call time. A restore keeps every id, the order and the states (only what was uploading
//! is interrupted, only an unfinished file whose source was lost fails), announces each
//! file once with `Restored`, and never lets an id be issued again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use cos_vod::core::{CoreConfig, Effect, ListCore, NewFile, Outcome, RestoredFile};
use cos_vod::{
    FailureInfo, FailureKind, FileId, FileState, Fingerprint, Interrupted, ListState, Target,
    UploadResult, VodError, VodEvent,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Tgt {
    /// The k-th id ever issued (may be deleted: UnknownFile).
    Id(usize),
    /// A raw index (may be out of range).
    Index(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Add,
    AddDuplicate(usize),
    Delete(Tgt),
    Cancel(Tgt),
    Pause(Tgt),
    Resume(Tgt),
    SetAuth(Tgt),
    ResumeWithAuth(Option<Tgt>),
    Clean,
    Start,
    Stop,
    Succeed(usize),
    Fail(usize),
    Expire(usize),
    Progress(usize, u64),
    Stale(usize),
    /// The process ends and the list is restored from what it saved; the sources of the
    /// files whose bit is set in the mask changed meanwhile.
    Restore(u16),
}

fn tgt() -> impl Strategy<Value = Tgt> {
    prop_oneof![
        (0usize..12).prop_map(Tgt::Id),
        (0usize..8).prop_map(Tgt::Index)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Add),
        1 => (0usize..8).prop_map(Op::AddDuplicate),
        2 => tgt().prop_map(Op::Delete),
        2 => tgt().prop_map(Op::Cancel),
        2 => tgt().prop_map(Op::Pause),
        2 => tgt().prop_map(Op::Resume),
        1 => tgt().prop_map(Op::SetAuth),
        2 => proptest::option::of(tgt()).prop_map(Op::ResumeWithAuth),
        1 => Just(Op::Clean),
        3 => Just(Op::Start),
        2 => Just(Op::Stop),
        4 => (0usize..4).prop_map(Op::Succeed),
        2 => (0usize..4).prop_map(Op::Fail),
        2 => (0usize..4).prop_map(Op::Expire),
        2 => ((0usize..4), 0u64..200).prop_map(|(k, b)| Op::Progress(k, b)),
        1 => (0usize..4).prop_map(Op::Stale),
        1 => prop_oneof![3 => Just(0u16), 1 => any::<u16>()].prop_map(Op::Restore),
    ]
}

fn config() -> impl Strategy<Value = (CoreConfig, Interrupted)> {
    (1usize..4, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(n, retry, pull, ready)| {
        let config = CoreConfig {
            max_concurrent_files: n,
            retry_failed_on_start: retry,
            pull_credentials: pull,
            progress_interval_ms: 50,
        };
        let interrupted = if ready {
            Interrupted::Ready
        } else {
            Interrupted::Paused
        };
        (config, interrupted)
    })
}

/// Per-step pairs (before, after) a file may show; a step may chain a verb with scheduling.
fn allowed(before: FileState, after: FileState) -> bool {
    use FileState::*;
    before == after
        || matches!(
            (before, after),
            (Ready, Uploading | Paused | Canceled)
                | (
                    Uploading,
                    Paused | Canceled | Success | Failure | AwaitingAuth
                )
                | (Paused, Ready | Uploading | Canceled)
                | (AwaitingAuth, Ready | Uploading | Paused | Canceled)
                | (Failure | Canceled, Ready | Uploading)
        )
}

struct Harness {
    core: ListCore,
    interrupted: Interrupted,
    issued: Vec<FileId>,
    added: Vec<NewFile>,
    /// A run of the file is open (a terminal event may come).
    open: HashMap<FileId, bool>,
    /// The file is between UploadStarted and Paused/terminal.
    started: HashSet<FileId>,
    now: u64,
}

impl Harness {
    fn new((config, interrupted): (CoreConfig, Interrupted)) -> Self {
        Self {
            core: ListCore::new(config),
            interrupted,
            issued: Vec::new(),
            added: Vec::new(),
            open: HashMap::new(),
            started: HashSet::new(),
            now: 0,
        }
    }

    fn target(&self, t: &Tgt) -> Target {
        match t {
            Tgt::Id(k) if self.issued.is_empty() => Target::Id(FileId::from_raw(1000 + *k as u64)),
            Tgt::Id(k) => Target::Id(self.issued[k % self.issued.len()]),
            Tgt::Index(i) => Target::Index(*i),
        }
    }

    fn uploading(&self, k: usize) -> Option<(FileId, u64)> {
        let ids: Vec<FileId> = self
            .core
            .snapshots()
            .into_iter()
            .filter(|s| s.state == FileState::Uploading)
            .map(|s| s.id)
            .collect();
        if ids.is_empty() {
            return None;
        }
        let id = ids[k % ids.len()];
        Some((id, self.core.generation(id)?))
    }

    /// Runs a verb by target; for index targets, checks it equals the same verb by id.
    fn verb(
        &mut self,
        t: &Tgt,
        f: impl Fn(&mut ListCore, Target) -> Result<(FileId, Vec<Effect>), VodError>,
    ) -> Result<Vec<Effect>, TestCaseError> {
        let target = self.target(t);
        if let Target::Index(i) = target {
            let snaps = self.core.snapshots();
            let mut twin = self.core.clone();
            let by_index = f(&mut self.core, target);
            match snaps.get(i) {
                None => {
                    prop_assert!(
                        matches!(by_index, Err(VodError::IndexOutOfRange { index, len }) if index == i && len == snaps.len()),
                        "index {i} of {} gave {by_index:?}",
                        snaps.len()
                    );
                    Ok(Vec::new())
                }
                Some(snap) => {
                    let by_id = f(&mut twin, Target::Id(snap.id));
                    prop_assert_eq!(self.core.snapshots(), twin.snapshots());
                    match (by_index, by_id) {
                        (Ok((a, fa)), Ok((b, fb))) => {
                            prop_assert_eq!(a, snap.id);
                            prop_assert_eq!(b, snap.id);
                            prop_assert_eq!(&fa, &fb);
                            Ok(fa)
                        }
                        (Err(a), Err(b)) => {
                            prop_assert_eq!(format!("{a}"), format!("{b}"));
                            Ok(Vec::new())
                        }
                        (a, b) => Err(TestCaseError::fail(format!("index {a:?} vs id {b:?}"))),
                    }
                }
            }
        } else {
            Ok(f(&mut self.core, target)
                .map(|(_, fx)| fx)
                .unwrap_or_default())
        }
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let before_list = self.core.state();
        let before: HashMap<FileId, FileState> = self
            .core
            .snapshots()
            .into_iter()
            .map(|s| (s.id, s.state))
            .collect();
        self.now += 17;
        let mut started_ok = false;
        let fx = match op {
            Op::Add => {
                let n = self.added.len();
                let name = format!("file{n}");
                let new = NewFile {
                    name: name.clone(),
                    size: 100,
                    key: None,
                    user_data: None,
                    fingerprint: Fingerprint::for_bytes(&name, name.as_bytes(), None),
                };
                let (id, fx) = self
                    .core
                    .add(new.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(!self.issued.contains(&id), "{:?} issued again", id);
                self.issued.push(id);
                self.added.push(new);
                prop_assert!(
                    matches!(fx.first(), Some(Effect::Emit(VodEvent::FileAdded { file, .. })) if file.id == id),
                    "FileAdded first: {:?}",
                    fx
                );
                fx
            }
            Op::AddDuplicate(k) => {
                if self.added.is_empty() {
                    return Ok(());
                }
                let k = k % self.added.len();
                let fp = &self.added[k].fingerprint;
                let present = self
                    .core
                    .snapshots()
                    .iter()
                    .find(|s| self.core.fingerprint(s.id) == Some(fp))
                    .map(|s| s.id);
                match self.core.add(self.added[k].clone()) {
                    Err(VodError::Duplicate { existing }) => {
                        prop_assert_eq!(Some(existing), present);
                        Vec::new()
                    }
                    Ok((id, fx)) => {
                        prop_assert!(present.is_none(), "duplicate accepted");
                        prop_assert!(!self.issued.contains(&id), "{:?} issued again", id);
                        self.issued.push(id);
                        self.added.push(self.added[k].clone());
                        fx
                    }
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                }
            }
            Op::Delete(t) => self.verb(t, |c, t| c.delete(t))?,
            Op::Cancel(t) => self.verb(t, |c, t| c.cancel(t))?,
            Op::Pause(t) => self.verb(t, |c, t| c.pause(t))?,
            Op::Resume(t) => self.verb(t, |c, t| c.resume(t))?,
            Op::SetAuth(t) => self.verb(t, |c, t| c.set_auth(t))?,
            Op::ResumeWithAuth(Some(t)) => self.verb(t, |c, t| c.resume_with_auth(Some(t)))?,
            Op::ResumeWithAuth(None) => {
                let waiting: Vec<FileId> = self
                    .core
                    .snapshots()
                    .iter()
                    .filter(|s| s.state == FileState::AwaitingAuth)
                    .map(|s| s.id)
                    .collect();
                match self.core.resume_with_auth(None) {
                    Ok((id, fx)) => {
                        prop_assert_eq!(waiting, vec![id]);
                        fx
                    }
                    Err(VodError::NoFileAwaitingAuth) => {
                        prop_assert!(waiting.is_empty());
                        Vec::new()
                    }
                    Err(VodError::AmbiguousTarget { candidates }) => {
                        prop_assert!(waiting.len() > 1);
                        prop_assert_eq!(candidates, waiting);
                        Vec::new()
                    }
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                }
            }
            Op::Clean => self
                .core
                .clean()
                .map_err(|e| TestCaseError::fail(e.to_string()))?,
            Op::Start => match self.core.start() {
                Ok(fx) => {
                    started_ok = true;
                    fx
                }
                Err(VodError::InvalidListState { state, .. }) => {
                    prop_assert_eq!(state, ListState::Running);
                    Vec::new()
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            },
            Op::Stop => match self.core.stop() {
                Ok(fx) => {
                    prop_assert!(matches!(
                        before_list,
                        ListState::Running | ListState::AwaitingAuth
                    ));
                    fx
                }
                Err(VodError::InvalidListState { state, .. }) => {
                    prop_assert!(!matches!(
                        state,
                        ListState::Running | ListState::AwaitingAuth
                    ));
                    Vec::new()
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            },
            Op::Succeed(k) | Op::Fail(k) | Op::Expire(k) | Op::Stale(k) => {
                let Some((id, generation)) = self.uploading(*k) else {
                    return Ok(());
                };
                let outcome = match op {
                    Op::Fail(_) => {
                        Outcome::Failed(FailureInfo::new(FailureKind::Cos, "InternalError", "x"))
                    }
                    Op::Expire(_) => Outcome::TokenExpired,
                    _ => Outcome::Succeeded(UploadResult {
                        bucket: "b-1".into(),
                        region: "r".into(),
                        key: format!("{id}"),
                        etag: "e".into(),
                        crc64: Some(7),
                        bytes: 100,
                    }),
                };
                let stale = matches!(op, Op::Stale(_));
                let fx = self.core.on_outcome(
                    id,
                    if stale { generation - 1 } else { generation },
                    outcome,
                );
                if stale {
                    prop_assert!(fx.is_empty(), "stale outcome acted: {fx:?}");
                } else {
                    prop_assert!(!fx.is_empty());
                }
                fx
            }
            Op::Restore(lost) => return self.restore(*lost),
            Op::Progress(k, bytes) => {
                let Some((id, generation)) = self.uploading(*k) else {
                    return Ok(());
                };
                let fx = self.core.on_progress(id, generation, *bytes, self.now);
                prop_assert!(fx.iter().all(|e| matches!(e, Effect::Emit(VodEvent::Progress { file, .. }) if file.id == id)), "progress effects {:?}", fx);
                fx
            }
        };
        self.check(op, before_list, &before, &fx, started_ok)
    }

    /// What the list would have saved, restored in a new core: ids, order and states kept
    /// (but what was uploading, which is interrupted, and what lost its source, which
    /// fails), one `Restored` event per file and nothing else, the list idle, and no id
    /// issued again afterwards.
    fn restore(&mut self, lost: u16) -> Result<(), TestCaseError> {
        let before = self.core.snapshots();
        let mut files = Vec::new();
        for (i, s) in before.iter().enumerate() {
            let fingerprint = self.core.fingerprint(s.id).unwrap().clone();
            let added = self
                .added
                .iter()
                .find(|a| a.fingerprint == fingerprint)
                .unwrap();
            let source_lost = (lost & (1 << (i % 16)) != 0)
                .then(|| FailureInfo::new(FailureKind::SourceChanged, "SourceChanged", "edited"));
            files.push(RestoredFile {
                id: s.id,
                file: added.clone(),
                state: s.state,
                bytes_done: s.bytes_done,
                result: s.result.clone(),
                error: s.error.clone(),
                source_lost,
            });
        }
        let next_id = self.core.next_id();
        let (core, fx) = ListCore::restore(
            self.core.config().clone(),
            next_id,
            files.clone(),
            self.interrupted,
        )
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        self.core = core;
        let after = self.core.snapshots();
        prop_assert_eq!(self.core.state(), ListState::Idle);
        prop_assert_eq!(self.core.next_id(), next_id);
        prop_assert_eq!(after.len(), before.len());
        prop_assert_eq!(fx.len(), before.len(), "one effect per file: {:?}", fx);
        for (i, ((b, a), (f, e))) in before
            .iter()
            .zip(&after)
            .zip(files.iter().zip(&fx))
            .enumerate()
        {
            prop_assert_eq!(a.id, b.id);
            prop_assert_eq!(a.index, i);
            let interrupted = match self.interrupted {
                Interrupted::Paused => FileState::Paused,
                Interrupted::Ready => FileState::Ready,
            };
            let expected = match (b.state, &f.source_lost) {
                (FileState::Success, _) => FileState::Success,
                (_, Some(_)) => FileState::Failure,
                (FileState::Uploading, None) => interrupted,
                (state, None) => state,
            };
            prop_assert_eq!(a.state, expected, "{:?} was {}", a.id, b.state);
            if f.source_lost.is_some() && expected == FileState::Failure {
                prop_assert_eq!(
                    a.error.as_ref().map(|e| e.kind),
                    Some(FailureKind::SourceChanged)
                );
            } else {
                prop_assert_eq!(&a.error, &b.error);
            }
            prop_assert_eq!(&a.result, &b.result);
            prop_assert_eq!(a.size, b.size);
            prop_assert!(
                matches!(e, Effect::Emit(VodEvent::Restored { file, state, .. })
                    if file.id == a.id && file.index == i && *state == a.state),
                "{:?}",
                e
            );
            // A restored file's run: open unless its state is terminal; only a file waiting
            // for credentials is mid-run (it continues without a second UploadStarted).
            self.open.insert(a.id, !a.state.is_terminal());
            if a.state == FileState::AwaitingAuth {
                self.started.insert(a.id);
            } else {
                self.started.remove(&a.id);
            }
        }
        // Restoring again what was just restored changes nothing: the restore is stable.
        let again: Vec<RestoredFile> = files
            .into_iter()
            .zip(&after)
            .map(|(f, a)| RestoredFile {
                state: a.state,
                bytes_done: a.bytes_done,
                error: a.error.clone(),
                result: a.result.clone(),
                source_lost: None,
                ..f
            })
            .collect();
        let (twice, _) =
            ListCore::restore(self.core.config().clone(), next_id, again, self.interrupted)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(twice.snapshots(), after);
        Ok(())
    }

    fn check(
        &mut self,
        op: &Op,
        before_list: ListState,
        before: &HashMap<FileId, FileState>,
        fx: &[Effect],
        started_ok: bool,
    ) -> Result<(), TestCaseError> {
        let snaps = self.core.snapshots();
        let after_list = self.core.state();
        let limit = self.core.config().max_concurrent_files;

        // Transitions and invariants of the list.
        for (i, s) in snaps.iter().enumerate() {
            prop_assert_eq!(s.index, i);
            if let Some(&b) = before.get(&s.id) {
                prop_assert!(
                    allowed(b, s.state),
                    "{:?}: {} -> {} by {:?}",
                    s.id,
                    b,
                    s.state,
                    op
                );
            } else {
                prop_assert!(
                    matches!(op, Op::Add | Op::AddDuplicate(_)),
                    "new file by {op:?}"
                );
            }
            if s.state == FileState::Success {
                prop_assert!(s.result.is_some());
                prop_assert_eq!(s.bytes_done, s.size);
            }
            prop_assert_eq!(s.error.is_some(), s.state == FileState::Failure);
        }
        prop_assert!(
            snaps.windows(2).all(|w| w[0].id < w[1].id),
            "insertion order"
        );
        let uploading = snaps
            .iter()
            .filter(|s| s.state == FileState::Uploading)
            .count();
        let ready = snaps.iter().filter(|s| s.state == FileState::Ready).count();
        prop_assert!(uploading <= limit);
        if uploading > 0 {
            prop_assert_eq!(after_list, ListState::Running);
        }
        if after_list == ListState::Running {
            prop_assert!(uploading + ready > 0, "running with nothing to do");
            prop_assert!(
                ready == 0 || uploading == limit,
                "a free slot with a Ready file"
            );
        }
        if after_list == ListState::AwaitingAuth {
            prop_assert!(snaps.iter().any(|s| s.state == FileState::AwaitingAuth));
        }

        // Effects: Begin only for files now Uploading; Halt only for files that were.
        for e in fx {
            match e {
                Effect::Begin { file, generation } => {
                    let s = snaps.iter().find(|s| s.id == *file);
                    prop_assert!(matches!(s, Some(s) if s.state == FileState::Uploading));
                    prop_assert_eq!(self.core.generation(*file), Some(*generation));
                }
                Effect::Halt { file, .. } => {
                    prop_assert_eq!(before.get(file).copied(), Some(FileState::Uploading));
                }
                _ => {}
            }
        }

        // Event rules.
        let events: Vec<&VodEvent> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::Emit(ev) => Some(ev),
                _ => None,
            })
            .collect();
        let ends = events
            .iter()
            .filter(|e| matches!(e, VodEvent::ListEnded { .. }))
            .count();
        prop_assert!(ends <= 1);
        if ends == 1 {
            prop_assert!(
                matches!(events.last(), Some(VodEvent::ListEnded { counts }) if *counts == self.core.counts()),
                "ListEnded not last or wrong counts: {:?}",
                events
            );
            prop_assert!(matches!(
                after_list,
                ListState::Ended | ListState::AwaitingAuth
            ));
        }
        let drained = matches!(after_list, ListState::Ended | ListState::AwaitingAuth);
        if (before_list == ListState::Running || started_ok) && drained {
            prop_assert_eq!(ends, 1, "run drained without ListEnded by {:?}", op);
        }
        if before_list == after_list
            && !started_ok
            && !matches!(op, Op::ResumeWithAuth(_) | Op::SetAuth(_))
        {
            prop_assert_eq!(ends, 0);
        }
        // Files brought back from a terminal state by this step start a new run.
        for s in &snaps {
            if before.get(&s.id).is_some_and(|b| b.is_terminal()) && !s.state.is_terminal() {
                self.open.insert(s.id, true);
            }
        }
        for ev in &events {
            let Some(file) = ev.file() else { continue };
            let id = file.id;
            match ev {
                VodEvent::FileAdded { .. } => {
                    prop_assert!(!self.open.contains_key(&id), "added twice");
                    self.open.insert(id, true);
                }
                VodEvent::UploadStarted { .. } => {
                    prop_assert!(self.open.get(&id) == Some(&true));
                    prop_assert!(self.started.insert(id), "UploadStarted twice in a run");
                }
                VodEvent::Progress { .. } | VodEvent::TokenExpired { .. } => {
                    prop_assert!(
                        self.started.contains(&id),
                        "{} before UploadStarted",
                        ev.name()
                    );
                }
                VodEvent::Paused { .. } => {
                    prop_assert!(self.open.get(&id) == Some(&true));
                    self.started.remove(&id);
                }
                VodEvent::Succeeded { .. } | VodEvent::Failed { .. } => {
                    prop_assert!(
                        self.started.remove(&id),
                        "{} before UploadStarted",
                        ev.name()
                    );
                    prop_assert!(
                        self.open.insert(id, false) == Some(true),
                        "second terminal event"
                    );
                }
                VodEvent::Canceled { .. } => {
                    self.started.remove(&id);
                    prop_assert!(
                        self.open.insert(id, false) == Some(true),
                        "second terminal event"
                    );
                }
                _ => {}
            }
        }
        // A file whose state is terminal had its terminal event; others have an open run.
        for s in &snaps {
            if s.state.is_terminal() {
                prop_assert_eq!(
                    self.open.get(&s.id),
                    Some(&false),
                    "{:?} {} without terminal event",
                    s.id,
                    s.state
                );
            } else {
                self.open.insert(s.id, true);
            }
            if s.state == FileState::Paused {
                prop_assert!(!self.started.contains(&s.id));
            }
        }
        // Removed files are forgotten.
        let present: HashSet<FileId> = snaps.iter().map(|s| s.id).collect();
        for id in before.keys() {
            if !present.contains(id) {
                prop_assert!(
                    fx.iter()
                        .any(|e| matches!(e, Effect::Forget { file } if file == id)),
                    "removed without Forget"
                );
                prop_assert!(matches!(op, Op::Delete(_) | Op::Clean));
                self.started.remove(id);
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_respect_the_table(cfg in config(), ops in proptest::collection::vec(op(), 1..80)) {
        let mut h = Harness::new(cfg);
        for op in &ops {
            h.step(op)?;
        }
        // Drain: start if needed, then let every upload succeed; the run must end.
        if h.core.state() != ListState::Running {
            h.step(&Op::Start)?;
        }
        for _ in 0..200 {
            if h.uploading(0).is_none() {
                break;
            }
            h.step(&Op::Succeed(0))?;
        }
        let snaps = h.core.snapshots();
        prop_assert!(snaps.iter().all(|s| !matches!(s.state, FileState::Ready | FileState::Uploading)));
        prop_assert!(matches!(h.core.state(), ListState::Ended | ListState::AwaitingAuth));
    }
}
