//! Unit tests of the core: the familiar flows, step by step.

use super::*;
use crate::event::{UploadResult, VodEvent};
use crate::failure::{FailureInfo, FailureKind};
use crate::transition::FileOp;

fn new_file(name: &str) -> NewFile {
    NewFile {
        name: name.into(),
        size: 100,
        key: None,
        user_data: None,
        fingerprint: Fingerprint::for_bytes(name, name.as_bytes(), None),
    }
}

fn names(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .map(|e| match e {
            Effect::Emit(ev) => format!(
                "{}:{}",
                ev.name(),
                ev.file().map(|f| f.name.as_str()).unwrap_or("")
            ),
            Effect::Begin { file, .. } => format!("Begin:{file}"),
            Effect::Halt { file, mode, .. } => format!("Halt:{file}:{mode:?}"),
            Effect::Discard { file } => format!("Discard:{file}"),
            Effect::Forget { file } => format!("Forget:{file}"),
        })
        .collect()
}

fn result(key: &str) -> UploadResult {
    UploadResult {
        bucket: "b-1250000000".into(),
        region: "ap-guangzhou".into(),
        key: key.into(),
        etag: "\"e\"".into(),
        crc64: Some(1),
        bytes: 100,
    }
}

#[test]
fn one_file_at_a_time_in_list_order_and_list_end_after_last_failure() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    let (b, _) = core.add(new_file("b")).unwrap();
    let fx = core.start().unwrap();
    assert_eq!(names(&fx), ["UploadStarted:a", "Begin:f1"]);
    let fx = core.on_outcome(a, 1, Outcome::Succeeded(result("a")));
    assert_eq!(names(&fx), ["Succeeded:a", "UploadStarted:b", "Begin:f2"]);
    let fx = core.on_outcome(
        b,
        1,
        Outcome::Failed(FailureInfo::new(FailureKind::Cos, "NoSuchBucket", "gone")),
    );
    assert_eq!(names(&fx), ["Failed:b", "ListEnded:"]);
    assert_eq!(core.state(), ListState::Ended);
    let VodEvent::ListEnded { counts } = (match &fx[1] {
        Effect::Emit(e) => e.clone(),
        other => panic!("{other:?}"),
    }) else {
        panic!()
    };
    assert_eq!((counts.total, counts.succeeded, counts.failed), (2, 1, 1));
}

#[test]
fn start_with_nothing_to_do_still_ends() {
    let mut core = ListCore::new(CoreConfig::default());
    assert_eq!(names(&core.start().unwrap()), ["ListEnded:"]);
    assert!(matches!(
        core.stop(),
        Err(VodError::InvalidListState {
            state: ListState::Ended,
            ..
        })
    ));
}

#[test]
fn delete_earlier_file_keeps_the_active_file_identity() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    let (b, _) = core.add(new_file("b")).unwrap();
    core.start().unwrap();
    core.on_outcome(a, 1, Outcome::Succeeded(result("a")));
    // [A(Success), B(Uploading)]: delete index 0, then index 0 is B.
    core.delete(Target::Index(0)).unwrap();
    assert_eq!(core.resolve(Target::Index(0)).unwrap(), b);
    assert!(matches!(
        core.cancel(Target::Index(1)),
        Err(VodError::IndexOutOfRange { index: 1, len: 1 })
    ));
    let fx = core.stop().unwrap();
    assert_eq!(names(&fx), ["Halt:f2:Pause", "Paused:b"]);
}

#[test]
fn delete_active_file_aborts_and_starts_the_next() {
    let mut core = ListCore::new(CoreConfig::default());
    core.add(new_file("a")).unwrap();
    core.add(new_file("b")).unwrap();
    core.start().unwrap();
    let (_, fx) = core.delete(Target::Index(0)).unwrap();
    assert_eq!(
        names(&fx),
        [
            "Halt:f1:Abort",
            "Canceled:a",
            "Forget:f1",
            "UploadStarted:b",
            "Begin:f2"
        ]
    );
}

#[test]
fn token_expiry_waits_for_auth_while_others_go_on() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    let (b, _) = core.add(new_file("b")).unwrap();
    core.start().unwrap();
    let fx = core.on_outcome(a, 1, Outcome::TokenExpired);
    assert_eq!(
        names(&fx),
        ["TokenExpired:a", "UploadStarted:b", "Begin:f2"]
    );
    let fx = core.on_outcome(b, 1, Outcome::Succeeded(result("b")));
    assert_eq!(names(&fx), ["Succeeded:b", "ListEnded:"]);
    assert_eq!(core.state(), ListState::AwaitingAuth);
    // Continues without a second UploadStarted.
    let (id, fx) = core.resume_with_auth(None).unwrap();
    assert_eq!(id, a);
    assert_eq!(names(&fx), ["Begin:f1"]);
    assert_eq!(core.state(), ListState::Running);
    let fx = core.on_outcome(a, 2, Outcome::Succeeded(result("a")));
    assert_eq!(names(&fx), ["Succeeded:a", "ListEnded:"]);
    assert_eq!(core.state(), ListState::Ended);
}

#[test]
fn stale_outcomes_are_ignored() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    core.start().unwrap();
    core.pause(Target::Id(a)).unwrap();
    assert!(
        core.on_outcome(a, 1, Outcome::Succeeded(result("a")))
            .is_empty()
    );
    // Pausing the only file drained the run; a resumed file waits for the next start.
    assert_eq!(core.state(), ListState::Ended);
    core.resume(Target::Id(a)).unwrap();
    assert_eq!(core.generation(a), Some(1));
    core.start().unwrap();
    assert_eq!(core.generation(a), Some(2));
    assert!(core.on_progress(a, 1, 50, 0).is_empty());
    assert_eq!(names(&core.on_progress(a, 2, 50, 0)), ["Progress:a"]);
}

#[test]
fn duplicates_are_refused_and_commands_are_typed_errors() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    assert!(matches!(
        core.add(new_file("a")),
        Err(VodError::Duplicate { existing }) if existing == a
    ));
    assert!(matches!(
        core.resume(Target::Id(a)),
        Err(VodError::InvalidState {
            state: FileState::Ready,
            op: FileOp::Resume,
            ..
        })
    ));
    assert!(matches!(
        core.resume_with_auth(None),
        Err(VodError::NoFileAwaitingAuth)
    ));
    assert!(matches!(
        core.pause(Target::Id(FileId::from_raw(99))),
        Err(VodError::UnknownFile(_))
    ));
}

#[test]
fn push_mode_asks_for_auth_unless_pushed() {
    let mut core = ListCore::new(CoreConfig {
        max_concurrent_files: 2,
        ..CoreConfig::default()
    });
    let (a, _) = core.add(new_file("a")).unwrap();
    core.add(new_file("b")).unwrap();
    core.set_auth(Target::Id(a)).unwrap();
    let fx = core.start().unwrap();
    let started: Vec<bool> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(VodEvent::UploadStarted { needs_auth, .. }) => Some(*needs_auth),
            _ => None,
        })
        .collect();
    assert_eq!(started, [false, true]);
}

#[test]
fn progress_carries_the_wire_position_and_this_runs_speed() {
    let mut core = ListCore::new(CoreConfig::default());
    let (a, _) = core.add(new_file("a")).unwrap();
    core.start().unwrap();
    let report = |acknowledged, position| EngineProgress {
        acknowledged,
        position,
        resumed: 40,
    };
    let progress = |fx: Vec<Effect>| match fx.as_slice() {
        [
            Effect::Emit(VodEvent::Progress {
                bytes_done,
                bytes_sent,
                speed,
                ..
            }),
        ] => (*bytes_done, *bytes_sent, *speed),
        other => panic!("{other:?}"),
    };
    // 40 bytes resumed: they show in the position, never in the speed
    assert_eq!(
        progress(core.on_progress(a, 1, report(40, 40), 0)),
        (40, 40, 0.0)
    );
    assert_eq!(
        progress(core.on_progress(a, 1, report(40, 60,), 1000)),
        (40, 60, 20.0)
    );
    // a report behind the last one does not move the position back
    assert_eq!(
        progress(core.on_progress(a, 1, report(50, 55), 2000)),
        (50, 60, 10.0)
    );
    // a bare u64 is acknowledged bytes (engines that know nothing more)
    assert_eq!(progress(core.on_progress(a, 1, 100, 2001)).0, 100);
    assert_eq!(core.snapshot(Target::Id(a)).unwrap().bytes_done, 100);
}
