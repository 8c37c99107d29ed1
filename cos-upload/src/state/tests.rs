//! Tests of the upload state machine: scenarios, and a property driving it against a model of
//! COS with a random schedule of results, faults, pauses and cancels.

use super::*;
use crate::plan::{MIB, PartPlan, StreamSchedule};
use crate::progress::{Counters, ProgressTracker};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

// ---- a model of COS -------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    size: u64,
    crc: u64,
}

#[derive(Debug, Default)]
struct Cos {
    uploads: HashMap<String, BTreeMap<u32, (Stored, String)>>,
    object: Option<Stored>,
    next_id: u32,
}

/// The source: parts with known sizes and CRCs (distinct per part).
#[derive(Debug, Clone)]
struct Src {
    parts: Vec<Stored>,
}

impl Src {
    fn total(&self) -> u64 {
        self.parts.iter().map(|p| p.size).sum()
    }
    fn crc(&self) -> u64 {
        self.parts
            .iter()
            .fold(0, |acc, p| cos_model::crc64::combine(acc, p.crc, p.size))
    }
}

/// What the model answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Ok,
    Before(FaultKind),
    After(FaultKind),
    Corrupt,
    WrongCrc,
    Vanish,
}

fn reply(b: u8) -> Reply {
    match b % 32 {
        0 => Reply::Before(FaultKind::Server),
        1 => Reply::Before(FaultKind::SlowDown),
        2 => Reply::Before(FaultKind::Connection { maybe_sent: false }),
        3 => Reply::After(FaultKind::Connection { maybe_sent: true }),
        4 => Reply::Before(FaultKind::Timeout),
        5 => Reply::Before(FaultKind::CredentialExpired),
        6 => Reply::Before(FaultKind::ClockSkew),
        7 => Reply::Corrupt,
        8 => Reply::Vanish,
        9 => Reply::WrongCrc,
        10 => Reply::Before(FaultKind::Rejected),
        11 => Reply::After(FaultKind::Timeout),
        _ => Reply::Ok,
    }
}

fn e(kind: FaultKind) -> ApiError {
    ApiError::new(kind, format!("{kind:?}"))
}

#[derive(Debug, Clone)]
enum Op {
    Put,
    Initiate,
    Part {
        epoch: u32,
        number: u32,
        upload_id: String,
    },
    Complete {
        upload_id: String,
        parts: Vec<CompletedPart>,
    },
    Head,
    Delete,
    Abort {
        upload_id: String,
    },
}

fn etag(n: u32, crc: u64) -> String {
    format!("\"{n:x}-{crc:x}\"")
}

/// Resolves `op` against the model with `r` and feeds the machine.
fn resolve(m: &mut UploadMachine, cos: &mut Cos, src: &Src, op: Op, r: Reply) {
    let fail_before = |r: Reply| match r {
        Reply::Before(k) => Some(k),
        _ => None,
    };
    match op {
        Op::Put => {
            if let Some(k) = fail_before(r) {
                return m.on_put_failed(e(k));
            }
            let crc = if r == Reply::Corrupt {
                src.crc() ^ 1
            } else {
                src.crc()
            };
            cos.object = Some(Stored {
                size: src.total(),
                crc,
            });
            if let Reply::After(k) = r {
                return m.on_put_failed(e(k));
            }
            m.on_put_done(
                src.crc(),
                ObjectResult {
                    etag: "\"put\"".into(),
                    crc64: Some(crc),
                    size: None,
                },
            );
        }
        Op::Initiate => {
            if let Some(k) = fail_before(r) {
                return m.on_initiate_failed(e(k));
            }
            cos.next_id += 1;
            let id = format!("u{}", cos.next_id);
            cos.uploads.insert(id.clone(), BTreeMap::new());
            if let Reply::After(k) = r {
                return m.on_initiate_failed(e(k));
            }
            m.on_initiated(id);
        }
        Op::Part {
            epoch,
            number,
            upload_id,
        } => {
            if number as usize > src.parts.len() {
                // A stream part past the end: nothing is read or sent.
                return m.on_part_beyond_end(epoch, number);
            }
            if r == Reply::Vanish {
                cos.uploads.remove(&upload_id);
            }
            if let Some(k) = fail_before(r) {
                return m.on_part_failed(epoch, number, e(k));
            }
            let truth = src.parts[number as usize - 1];
            let stored = if r == Reply::Corrupt {
                Stored {
                    crc: truth.crc ^ 1,
                    ..truth
                }
            } else {
                truth
            };
            let Some(up) = cos.uploads.get_mut(&upload_id) else {
                return m.on_part_failed(epoch, number, e(FaultKind::NoSuchUpload));
            };
            let tag = etag(number, stored.crc);
            up.insert(number, (stored, tag.clone()));
            if let Reply::After(k) = r {
                return m.on_part_failed(epoch, number, e(k));
            }
            m.on_part_done(
                epoch,
                number,
                PartResult {
                    size: truth.size,
                    etag: tag,
                    crc64_sent: truth.crc,
                    crc64_stored: Some(stored.crc),
                },
            );
        }
        Op::Complete { upload_id, parts } => {
            if r == Reply::Vanish {
                cos.uploads.remove(&upload_id);
            }
            if let Some(k) = fail_before(r) {
                return m.on_complete_failed(e(k));
            }
            let Some(up) = cos.uploads.get(&upload_id) else {
                return m.on_complete_failed(e(FaultKind::NoSuchUpload));
            };
            let mut crc = 0;
            let mut size = 0;
            for (i, p) in parts.iter().enumerate() {
                let ok_order = i == 0 || parts[i - 1].number < p.number;
                match up.get(&p.number) {
                    Some((s, t)) if *t == p.etag && ok_order => {
                        if i + 1 < parts.len() && s.size < MIB {
                            return m.on_complete_failed(e(FaultKind::Rejected));
                        }
                        crc = cos_model::crc64::combine(crc, s.crc, s.size);
                        size += s.size;
                    }
                    _ => return m.on_complete_failed(e(FaultKind::Rejected)),
                }
            }
            cos.uploads.remove(&upload_id);
            cos.object = Some(Stored { size, crc });
            if let Reply::After(k) = r {
                return m.on_complete_failed(e(k));
            }
            let said = if r == Reply::WrongCrc { crc ^ 1 } else { crc };
            m.on_complete_done(ObjectResult {
                etag: "\"obj-n\"".into(),
                crc64: Some(said),
                size: None,
            });
        }
        Op::Head => {
            if let Some(k) = fail_before(r) {
                return m.on_head_failed(e(k));
            }
            match cos.object {
                Some(o) => m.on_head_done(ObjectResult {
                    etag: "\"obj-n\"".into(),
                    crc64: Some(o.crc),
                    size: Some(o.size),
                }),
                None => m.on_head_failed(e(FaultKind::NotFound)),
            }
        }
        Op::Delete => {
            if let Some(k) = fail_before(r) {
                return m.on_delete_failed(e(k));
            }
            cos.object = None;
            m.on_delete_done();
        }
        Op::Abort { upload_id } => {
            if let Some(k) = fail_before(r) {
                return m.on_abort_failed(e(k));
            }
            if cos.uploads.remove(&upload_id).is_none() {
                return m.on_abort_failed(e(FaultKind::NoSuchUpload));
            }
            m.on_abort_done();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Pause,
    Cancel,
}

struct Run {
    outcome: Outcome,
    cos: Cos,
    max_parts_seen: usize,
    progress_end: u64,
}

/// Drives the machine with `script` until it finishes. Panics (fails the property) when an
/// invariant breaks.
fn drive(
    mut m: UploadMachine,
    src: &Src,
    cfg: MachineConfig,
    script: &[u8],
    stop: Option<(usize, Stop)>,
) -> Run {
    let mut cos = Cos::default();
    let mut outstanding: Vec<Op> = Vec::new();
    let mut bytes = script.iter().copied().chain(std::iter::repeat(255));
    let mut next = move || bytes.next().unwrap_or(255);
    let mut stopped = None;
    let mut tracker = ProgressTracker::new(Some(src.total()), std::time::Duration::ZERO);
    let mut last_ack = 0u64;
    let mut max_parts_seen = 0;
    for step in 0..20_000usize {
        if let Some((at, s)) = stop
            && at == step
            && stopped.is_none()
        {
            stopped = Some(s);
            match s {
                Stop::Pause => m.pause(),
                Stop::Cancel => m.cancel(),
            }
        }
        loop {
            let action = m.next_action();
            if stopped == Some(Stop::Cancel) {
                assert!(
                    matches!(
                        action,
                        Action::Abort { .. }
                            | Action::DeleteObject { .. }
                            | Action::DropParts
                            | Action::Wait
                            | Action::Finished(_)
                    ),
                    "after cancel the machine asked for {action:?}"
                );
            }
            if stopped == Some(Stop::Pause) {
                assert!(
                    !matches!(
                        action,
                        Action::UploadPart { .. }
                            | Action::Initiate { .. }
                            | Action::PutObject { .. }
                    ),
                    "after pause the machine asked for {action:?}"
                );
            }
            match action {
                Action::Wait => break,
                Action::Finished(outcome) => {
                    let p = tracker.update(
                        std::time::Duration::from_millis(step as u64 + 1),
                        Counters {
                            acknowledged_bytes: m.acknowledged_bytes(),
                            ..Counters::default()
                        },
                    );
                    assert!(p.acknowledged_bytes >= last_ack);
                    let end = match &outcome {
                        Outcome::Completed(c) => {
                            tracker.finish(std::time::Duration::from_secs(99), Some(c.size))
                        }
                        _ => tracker.finish(std::time::Duration::from_secs(99), None),
                    };
                    return Run {
                        outcome,
                        cos,
                        max_parts_seen,
                        progress_end: end.acknowledged_bytes,
                    };
                }
                Action::DropParts => {
                    // Dropped requests may or may not have reached COS.
                    let dropped: Vec<Op> = outstanding
                        .iter()
                        .filter(|o| matches!(o, Op::Part { .. }))
                        .cloned()
                        .collect();
                    outstanding.retain(|o| !matches!(o, Op::Part { .. }));
                    for op in dropped {
                        if let Op::Part {
                            number, upload_id, ..
                        } = op
                            && next() % 2 == 0
                            && let (Some(up), Some(t)) = (
                                cos.uploads.get_mut(&upload_id),
                                src.parts.get(number as usize - 1),
                            )
                        {
                            up.insert(number, (*t, etag(number, t.crc)));
                        }
                    }
                }
                Action::UploadPart { epoch, number, .. } => outstanding.push(Op::Part {
                    epoch,
                    number,
                    upload_id: m.upload_id().unwrap_or_default().to_owned(),
                }),
                Action::PutObject { .. } => outstanding.push(Op::Put),
                Action::Initiate { .. } => outstanding.push(Op::Initiate),
                Action::Complete {
                    upload_id, parts, ..
                } => outstanding.push(Op::Complete { upload_id, parts }),
                Action::HeadObject { .. } => outstanding.push(Op::Head),
                Action::DeleteObject { .. } => outstanding.push(Op::Delete),
                Action::Abort { upload_id, .. } => outstanding.push(Op::Abort { upload_id }),
            }
        }
        let parts_out = outstanding
            .iter()
            .filter(|o| matches!(o, Op::Part { .. }))
            .count();
        max_parts_seen = max_parts_seen.max(parts_out);
        assert!(
            parts_out <= cfg.max_in_flight,
            "{parts_out} parts in flight"
        );
        assert!(m.in_flight() <= cfg.max_in_flight);
        let non_parts = outstanding
            .iter()
            .filter(|o| !matches!(o, Op::Part { .. }))
            .count();
        assert!(non_parts <= 1, "two calls at once: {outstanding:?}");
        let p = tracker.update(
            std::time::Duration::from_millis(step as u64),
            Counters {
                acknowledged_bytes: m.acknowledged_bytes(),
                ..Counters::default()
            },
        );
        assert!(p.acknowledged_bytes >= last_ack, "progress went back");
        last_ack = p.acknowledged_bytes;

        assert!(
            !outstanding.is_empty(),
            "the machine waits with nothing outstanding"
        );
        let i = next() as usize % outstanding.len();
        let op = outstanding.remove(i);
        // Stale results (a part of an older generation) are fed too: the machine ignores them.
        resolve(&mut m, &mut cos, src, op, reply(next()));
    }
    panic!("the machine did not finish in 20 000 steps");
}

fn config(max_in_flight: usize, attempts: u32, restarts: u32) -> MachineConfig {
    MachineConfig {
        keep_on_failure: restarts % 2 == 1,
        max_in_flight,
        part_attempts: attempts,
        call_attempts: attempts,
        abort_attempts: attempts.min(3),
        max_restarts: restarts,
        ..MachineConfig::default()
    }
}

fn source(count: usize, last: u64, seed: u64) -> Src {
    Src {
        parts: (0..count)
            .map(|i| Stored {
                size: if i + 1 == count { last } else { MIB },
                crc: seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(i as u64 * 7919),
            })
            .collect(),
    }
}

fn fixed_machine(src: &Src, cfg: MachineConfig) -> UploadMachine {
    let plan = PartPlan::with_part_size(src.total(), MIB).unwrap();
    assert_eq!(plan.count() as usize, src.parts.len());
    UploadMachine::multipart(Layout::Fixed(plan), cfg)
}

fn check_end(run: &Run, src: &Src) {
    match &run.outcome {
        Outcome::Completed(c) => {
            assert_eq!(
                run.cos.object,
                Some(Stored {
                    size: src.total(),
                    crc: src.crc()
                })
            );
            assert_eq!(c.crc64, src.crc());
            assert_eq!(c.size, src.total());
            assert_eq!(run.progress_end, src.total());
        }
        Outcome::Failed {
            error: UploadError::ObjectCrcMismatch { deleted: false, .. },
            ..
        } => {}
        _ => {
            // Never a wrong object under the key.
            if let Some(o) = run.cos.object {
                assert_eq!(
                    o,
                    Stored {
                        size: src.total(),
                        crc: src.crc()
                    },
                    "{:?}",
                    run.outcome
                );
            }
        }
    }
    if let Outcome::Cancelled {
        upload_id: Some(id),
    } = &run.outcome
    {
        assert!(
            !run.cos.uploads.contains_key(id),
            "cancelled upload {id} left on COS"
        );
    }
}

// ---- scenarios --------------------------------------------------------------------------------

#[test]
fn a_clean_multipart_upload() {
    let src = source(5, 100, 1);
    let cfg = config(2, 3, 1);
    let run = drive(fixed_machine(&src, cfg), &src, cfg, &[], None);
    assert!(
        matches!(run.outcome, Outcome::Completed(ref c) if c.parts == 5 && c.resumed_parts == 0)
    );
    assert_eq!(run.max_parts_seen, 2);
    check_end(&run, &src);
}

#[test]
fn a_clean_single_put() {
    let src = source(1, 10, 2);
    let cfg = config(2, 3, 1);
    let run = drive(UploadMachine::single(10, cfg), &src, cfg, &[], None);
    assert!(
        matches!(run.outcome, Outcome::Completed(ref c) if c.parts == 0 && c.upload_id.is_none())
    );
    check_end(&run, &src);
}

#[test]
fn a_part_failing_every_attempt_fails_typed_and_aborts() {
    let src = source(2, MIB, 3);
    let cfg = config(1, 2, 0);
    let mut m = fixed_machine(&src, cfg);
    assert!(matches!(
        m.next_action(),
        Action::Initiate { attempt: 1, .. }
    ));
    m.on_initiated("u1".into());
    for attempt in 1..=2 {
        match m.next_action() {
            Action::UploadPart {
                number: 1,
                attempt: a,
                delay,
                ..
            } => {
                assert_eq!(a, attempt);
                assert_eq!(delay.is_zero(), attempt == 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(m.next_action(), Action::Wait);
        m.on_part_failed(0, 1, e(FaultKind::Server));
    }
    assert_eq!(
        m.next_action(),
        Action::Abort {
            upload_id: "u1".into(),
            attempt: 1,
            delay: Duration::ZERO
        }
    );
    m.on_abort_done();
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error:
                UploadError::Call {
                    call: CallKind::UploadPart,
                    part: Some(1),
                    attempts: 2,
                    ..
                },
            upload_kept: None,
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_a_checkpoint_a_failed_call_keeps_the_upload_but_integrity_failures_abort() {
    let src = source(2, MIB, 3);
    let cfg = MachineConfig {
        keep_on_failure: true,
        ..config(1, 1, 0)
    };
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    assert!(matches!(
        m.next_action(),
        Action::UploadPart { number: 1, .. }
    ));
    m.on_part_failed(0, 1, e(FaultKind::CredentialExpired));
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error,
            upload_kept: Some(id),
        }) => {
            assert_eq!(id, "u1");
            assert!(
                error.is_resumable() && error.is_credential_expired(),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u2".into());
    m.next_action();
    m.on_part_done(
        0,
        1,
        PartResult {
            size: MIB,
            etag: "\"x\"".into(),
            crc64_sent: 1,
            crc64_stored: Some(2),
        },
    );
    assert!(matches!(m.next_action(), Action::Abort { .. }));
}

#[test]
fn a_corrupted_part_is_sent_again_then_reported() {
    let src = source(1, MIB, 4);
    let cfg = config(1, 2, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    for _ in 0..2 {
        assert!(matches!(
            m.next_action(),
            Action::UploadPart { number: 1, .. }
        ));
        m.on_part_done(
            0,
            1,
            PartResult {
                size: MIB,
                etag: "\"x\"".into(),
                crc64_sent: 5,
                crc64_stored: Some(6),
            },
        );
    }
    assert!(matches!(m.next_action(), Action::Abort { .. }));
    m.on_abort_done();
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error:
                UploadError::PartCrcMismatch {
                    number: 1,
                    sent: 5,
                    stored: 6,
                },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_object_crc_deletes_the_object() {
    let src = source(2, 7, 5);
    let cfg = config(2, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    for _ in 0..2 {
        let Action::UploadPart { number, .. } = m.next_action() else {
            panic!()
        };
        let p = src.parts[number as usize - 1];
        m.on_part_done(
            0,
            number,
            PartResult {
                size: p.size,
                etag: etag(number, p.crc),
                crc64_sent: p.crc,
                crc64_stored: Some(p.crc),
            },
        );
    }
    assert!(matches!(m.next_action(), Action::Complete { ref parts, .. } if parts.len() == 2));
    m.cancel(); // too late to stop a Complete: it is awaited
    assert_eq!(m.next_action(), Action::Wait);
    m.on_complete_done(ObjectResult {
        etag: "\"o\"".into(),
        crc64: Some(src.crc() ^ 9),
        size: None,
    });
    assert!(matches!(
        m.next_action(),
        Action::DeleteObject { attempt: 1, .. }
    ));
    m.on_delete_done();
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error: UploadError::ObjectCrcMismatch { deleted: true, .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ambiguous_complete_is_checked_with_head() {
    let src = source(1, 9, 6);
    let cfg = config(1, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    m.next_action();
    let p = src.parts[0];
    m.on_part_done(
        0,
        1,
        PartResult {
            size: p.size,
            etag: etag(1, p.crc),
            crc64_sent: p.crc,
            crc64_stored: Some(p.crc),
        },
    );
    assert!(matches!(
        m.next_action(),
        Action::Complete { attempt: 1, .. }
    ));
    m.on_complete_failed(e(FaultKind::Connection { maybe_sent: true }));
    assert!(matches!(
        m.next_action(),
        Action::Complete { attempt: 2, .. }
    ));
    m.on_complete_failed(e(FaultKind::NoSuchUpload));
    assert!(matches!(m.next_action(), Action::HeadObject { .. }));
    m.on_head_done(ObjectResult {
        etag: "\"o-1\"".into(),
        crc64: Some(src.crc()),
        size: Some(src.total()),
    });
    assert!(
        matches!(m.next_action(), Action::Finished(Outcome::Completed(ref c)) if c.crc64_verified && c.etag == "\"o-1\"")
    );
}

#[test]
fn a_vanished_upload_starts_afresh_once() {
    let src = source(2, 3, 7);
    let cfg = config(2, 3, 1);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    assert!(matches!(
        m.next_action(),
        Action::UploadPart {
            number: 1,
            epoch: 0,
            ..
        }
    ));
    assert!(matches!(
        m.next_action(),
        Action::UploadPart {
            number: 2,
            epoch: 0,
            ..
        }
    ));
    m.on_part_failed(0, 1, e(FaultKind::NoSuchUpload));
    assert_eq!(m.next_action(), Action::DropParts);
    assert!(matches!(
        m.next_action(),
        Action::Initiate { attempt: 1, .. }
    ));
    assert_eq!(m.epoch(), 1);
    // A late answer of the old generation is ignored.
    m.on_part_done(
        0,
        2,
        PartResult {
            size: 3,
            etag: "\"old\"".into(),
            crc64_sent: 1,
            crc64_stored: Some(1),
        },
    );
    m.on_initiated("u2".into());
    assert_eq!(m.parts_done(), 0);
    assert!(matches!(
        m.next_action(),
        Action::UploadPart {
            number: 1,
            epoch: 1,
            attempt: 1,
            ..
        }
    ));
    m.on_part_failed(1, 1, e(FaultKind::NoSuchUpload));
    assert!(matches!(m.next_action(), Action::DropParts));
    assert!(matches!(
        m.next_action(),
        Action::Finished(Outcome::Failed {
            error: UploadError::UploadVanished { .. },
            ..
        })
    ));
}

#[test]
fn pause_keeps_the_upload_and_resume_skips_trusted_parts() {
    let src = source(3, 5, 8);
    let cfg = config(3, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated("u1".into());
    for _ in 0..3 {
        assert!(matches!(m.next_action(), Action::UploadPart { .. }));
    }
    let p = src.parts[0];
    m.on_part_done(
        0,
        1,
        PartResult {
            size: p.size,
            etag: etag(1, p.crc),
            crc64_sent: p.crc,
            crc64_stored: Some(p.crc),
        },
    );
    m.pause();
    assert_eq!(m.next_action(), Action::DropParts);
    assert_eq!(
        m.next_action(),
        Action::Finished(Outcome::Paused {
            upload_id: Some("u1".into())
        })
    );
    let trusted: Vec<(u32, PartReceipt)> = m.done_parts().map(|(n, r)| (n, r.clone())).collect();
    let plan = PartPlan::with_part_size(src.total(), MIB).unwrap();
    let mut r = UploadMachine::resume(Layout::Fixed(plan), "u1".into(), trusted, cfg);
    assert_eq!(r.resumed_parts(), 1);
    assert_eq!(r.acknowledged_bytes(), MIB);
    let mut started = Vec::new();
    while let Action::UploadPart { number, .. } = r.next_action() {
        started.push(number);
    }
    assert_eq!(started, vec![2, 3]);
}

#[test]
fn cancel_before_initiate_answers_waits_then_aborts() {
    let src = source(2, 5, 9);
    let cfg = config(2, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    assert!(matches!(m.next_action(), Action::Initiate { .. }));
    m.cancel();
    assert_eq!(m.next_action(), Action::Wait);
    m.on_initiated("u9".into());
    assert!(matches!(m.next_action(), Action::Abort { ref upload_id, .. } if upload_id == "u9"));
    m.on_abort_failed(e(FaultKind::Timeout));
    assert!(matches!(m.next_action(), Action::Abort { attempt: 2, delay, .. } if !delay.is_zero()));
    m.on_abort_failed(e(FaultKind::Timeout));
    assert!(matches!(m.next_action(), Action::Abort { attempt: 3, .. }));
    m.on_abort_failed(e(FaultKind::Timeout));
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error,
            upload_kept: Some(id),
        }) => {
            assert_eq!(id, "u9");
            assert!(error.is_cancelled());
            assert!(error.to_string().contains("u9"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stream_learns_its_end() {
    let src = source(3, 17, 10);
    let cfg = config(4, 3, 0);
    let m = UploadMachine::multipart(Layout::Stream(StreamSchedule::new(MIB, 100)), cfg);
    let run = drive(m, &src, cfg, &[], None);
    assert!(matches!(run.outcome, Outcome::Completed(ref c) if c.parts == 3));
    check_end(&run, &src);
}

// ---- the property -----------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Under any schedule of results and faults the machine stores exactly the source or
    /// ends with a typed error (never a wrong object), never exceeds its in-flight limit,
    /// sends nothing but Abort after a cancel, and reports monotonic progress ending at the
    /// total on success.
    #[test]
    fn under_random_faults_the_machine_is_safe(
        count in 1usize..9,
        last in 1u64..=MIB,
        seed in any::<u64>(),
        max_in_flight in 1usize..5,
        attempts in 1u32..6,
        restarts in 0u32..3,
        layout in 0u8..3,
        script in proptest::collection::vec(any::<u8>(), 0..400),
        stop in proptest::option::weighted(0.3, (0usize..60, any::<bool>())),
    ) {
        let src = source(count, last, seed);
        let cfg = config(max_in_flight, attempts, restarts);
        let machine = match layout {
            0 if count == 1 => UploadMachine::single(src.total(), cfg),
            1 => UploadMachine::multipart(Layout::Stream(StreamSchedule::new(MIB, 100)), cfg),
            _ => fixed_machine(&src, cfg),
        };
        let stop = stop.map(|(at, cancel)| (at, if cancel { Stop::Cancel } else { Stop::Pause }));
        let run = drive(machine, &src, cfg, &script, stop);
        check_end(&run, &src);
        if stop.is_none() && script.iter().all(|b| reply(*b) == Reply::Ok) {
            prop_assert!(matches!(run.outcome, Outcome::Completed(_)), "{:?}", run.outcome);
        }
        if let Outcome::Completed(c) = &run.outcome {
            prop_assert_eq!(c.crc64, src.crc());
        }
    }
}
