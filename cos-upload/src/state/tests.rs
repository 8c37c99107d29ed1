//! Tests of the upload state machine: scenarios, and a property driving it against a model of
//! COS with a random schedule of results, failures, pauses and cancels. The model answers as
//! the client would after its own retries: a failure is final for its call, so the machine
//! must never send the same call again except to resend corrupted bytes (asking first) or to
//! start a vanished upload afresh.

use super::*;
use crate::api::Ack;
use crate::call_error::{CallError, CallErrorKind};
use crate::error::CallKind;
use crate::plan::{PartPlan, StreamSchedule};
use crate::progress::{Counters, ProgressTracker};
use cos_model::limits::MIB;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

// ---- a model of COS behind a client -----------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    size: u64,
    crc: u64,
}

#[derive(Debug, Default)]
struct Cos {
    uploads: HashMap<UploadId, BTreeMap<PartNumber, (Stored, ETag)>>,
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
    /// The call failed before COS acted (after the client's retries).
    Before(CallErrorKind),
    /// COS acted, then the answer was lost (the client's retry saw the outcome of the first).
    After,
    Corrupt,
    WrongCrc,
    Vanish,
}

fn reply(b: u8) -> Reply {
    match b % 48 {
        0..=2 => Reply::Before(CallErrorKind::Failed),
        3 => Reply::After,
        4 => Reply::Before(CallErrorKind::Credentials),
        5 => Reply::Before(CallErrorKind::BadDigest),
        6 | 7 => Reply::Corrupt,
        8 => Reply::Vanish,
        9 => Reply::WrongCrc,
        _ => Reply::Ok,
    }
}

fn e(kind: CallErrorKind) -> CallError {
    CallError::new(kind, format!("{kind:?}"))
}

fn id(s: &str) -> UploadId {
    UploadId::new(s).unwrap()
}

fn n(number: u32) -> PartNumber {
    PartNumber::new(number).unwrap()
}

fn ack(etag: &str, crc64: Option<u64>, size: Option<u64>) -> Ack {
    Ack {
        etag: ETag::new(etag),
        crc64,
        size,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Put,
    Initiate,
    Part {
        epoch: u32,
        number: PartNumber,
        upload_id: UploadId,
    },
    Complete {
        upload_id: UploadId,
        parts: CompletedParts,
    },
    Head,
    Delete,
    Abort {
        upload_id: UploadId,
    },
}

fn etag(n: PartNumber, crc: u64) -> ETag {
    ETag::new(format!("{:x}-{crc:x}", n.get()))
}

/// Resolves `op` against the model with `r` and feeds the machine.
fn resolve(m: &mut UploadMachine, cos: &mut Cos, src: &Src, op: Op, r: Reply) {
    let fail_before = |r: Reply| match r {
        Reply::Before(k) => Some(k),
        _ => None,
    };
    // an answer lost after COS acted: the client's retry got an error that says so
    let lost = || e(CallErrorKind::Failed).with_maybe_taken_effect();
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
            if r == Reply::After {
                return m.on_put_failed(lost());
            }
            m.on_put_done(src.crc(), ack("put", Some(crc), None));
        }
        Op::Initiate => {
            if let Some(k) = fail_before(r) {
                return m.on_initiate_failed(e(k));
            }
            cos.next_id += 1;
            let upload_id = id(&format!("u{}", cos.next_id));
            cos.uploads.insert(upload_id.clone(), BTreeMap::new());
            if r == Reply::After {
                return m.on_initiate_failed(lost());
            }
            m.on_initiated(upload_id);
        }
        Op::Part {
            epoch,
            number,
            upload_id,
        } => {
            if number.index() >= src.parts.len() {
                // A stream part past the end: nothing is read or sent.
                return m.on_part_beyond_end(epoch, number);
            }
            if r == Reply::Vanish {
                cos.uploads.remove(&upload_id);
            }
            if let Some(k) = fail_before(r) {
                return m.on_part_failed(epoch, number, e(k));
            }
            let truth = src.parts[number.index()];
            let stored = if r == Reply::Corrupt {
                Stored {
                    crc: truth.crc ^ 1,
                    ..truth
                }
            } else {
                truth
            };
            let Some(up) = cos.uploads.get_mut(&upload_id) else {
                return m.on_part_failed(epoch, number, e(CallErrorKind::NoSuchUpload));
            };
            let tag = etag(number, stored.crc);
            up.insert(number, (stored, tag.clone()));
            if r == Reply::After {
                return m.on_part_failed(epoch, number, lost());
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
                return m.on_complete_failed(e(CallErrorKind::NoSuchUpload));
            };
            let mut crc = 0;
            let mut size = 0;
            let count = parts.len();
            for (i, (number, tag)) in parts.iter().enumerate() {
                match up.get(&number) {
                    Some((s, t)) if t == tag => {
                        if i + 1 < count && s.size < MIB {
                            return m.on_complete_failed(e(CallErrorKind::Failed));
                        }
                        crc = cos_model::crc64::combine(crc, s.crc, s.size);
                        size += s.size;
                    }
                    _ => return m.on_complete_failed(e(CallErrorKind::Failed)),
                }
            }
            cos.uploads.remove(&upload_id);
            cos.object = Some(Stored { size, crc });
            if r == Reply::After {
                // the client's retry of an applied Complete finds no upload
                return m
                    .on_complete_failed(e(CallErrorKind::NoSuchUpload).with_maybe_taken_effect());
            }
            let said = if r == Reply::WrongCrc { crc ^ 1 } else { crc };
            m.on_complete_done(ack("obj-n", Some(said), None));
        }
        Op::Head => {
            if let Some(k) = fail_before(r) {
                return m.on_head_failed(e(k));
            }
            match cos.object {
                Some(o) => m.on_head_done(ack("obj-n", Some(o.crc), Some(o.size))),
                None => m.on_head_failed(e(CallErrorKind::NotFound)),
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
                return m.on_abort_failed(e(CallErrorKind::NoSuchUpload));
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
                            | Action::DeleteObject
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
                                src.parts.get(number.index()),
                            )
                        {
                            up.insert(number, (*t, etag(number, t.crc)));
                        }
                    }
                }
                Action::UploadPart { epoch, number, .. } => outstanding.push(Op::Part {
                    epoch,
                    number,
                    upload_id: m.upload_id().cloned().expect("parts go to an upload"),
                }),
                Action::PutObject { .. } => outstanding.push(Op::Put),
                Action::Initiate { .. } => outstanding.push(Op::Initiate),
                Action::Complete {
                    upload_id, parts, ..
                } => outstanding.push(Op::Complete { upload_id, parts }),
                Action::HeadObject => outstanding.push(Op::Head),
                Action::DeleteObject => outstanding.push(Op::Delete),
                Action::Abort { upload_id } => outstanding.push(Op::Abort { upload_id }),
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

fn config(max_in_flight: usize, resends: u32, restarts: u32) -> MachineConfig {
    MachineConfig {
        keep_on_failure: restarts % 2 == 1,
        max_in_flight,
        resend_attempts: resends,
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

fn done(m: &mut UploadMachine, src: &Src, epoch: u32, number: PartNumber) {
    let p = src.parts[number.index()];
    m.on_part_done(
        epoch,
        number,
        PartResult {
            size: p.size,
            etag: etag(number, p.crc),
            crc64_sent: p.crc,
            crc64_stored: Some(p.crc),
        },
    );
}

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
fn a_part_that_failed_in_the_client_is_never_sent_again() {
    // The client retried the 500 already: the machine aborts at once instead of resending.
    let src = source(2, MIB, 3);
    let cfg = config(1, 4, 0);
    let mut m = fixed_machine(&src, cfg);
    assert_eq!(m.next_action(), Action::Initiate { resend: 0 });
    m.on_initiated(id("u1"));
    assert_eq!(
        m.next_action(),
        Action::UploadPart {
            epoch: 0,
            number: n(1),
            resend: 0
        }
    );
    assert_eq!(m.next_action(), Action::Wait);
    m.on_part_failed(0, n(1), e(CallErrorKind::Failed));
    assert_eq!(
        m.next_action(),
        Action::Abort {
            upload_id: id("u1")
        }
    );
    m.on_abort_done();
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error:
                UploadError::Call {
                    call: CallKind::UploadPart,
                    part: Some(p),
                    ..
                },
            upload_kept: None,
        }) => assert_eq!(p, n(1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn calls_that_failed_in_the_client_are_not_repeated() {
    // PUT, Initiate, Complete, HEAD: one failure each ends the upload.
    let src = source(1, 10, 3);
    let cfg = config(1, 4, 0);
    let mut m = UploadMachine::single(10, cfg);
    assert_eq!(m.next_action(), Action::PutObject { resend: 0 });
    m.on_put_failed(e(CallErrorKind::Failed));
    assert!(matches!(
        m.next_action(),
        Action::Finished(Outcome::Failed { .. })
    ));

    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiate_failed(e(CallErrorKind::Failed).with_maybe_taken_effect());
    assert!(matches!(
        m.next_action(),
        Action::Finished(Outcome::Failed {
            error: UploadError::Call {
                call: CallKind::Initiate,
                ..
            },
            ..
        })
    ));

    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u1"));
    m.next_action();
    done(&mut m, &src, 0, n(1));
    assert!(matches!(m.next_action(), Action::Complete { .. }));
    // a 200 <Error> the client sent four times (COS answered each): no fifth send
    m.on_complete_failed(e(CallErrorKind::Failed));
    assert_eq!(
        m.next_action(),
        Action::Abort {
            upload_id: id("u1")
        }
    );
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
    m.on_initiated(id("u1"));
    assert!(matches!(
        m.next_action(),
        Action::UploadPart { number, .. } if number == n(1)
    ));
    m.on_part_failed(0, n(1), e(CallErrorKind::Credentials));
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error,
            upload_kept: Some(kept),
        }) => {
            assert_eq!(kept, id("u1"));
            assert!(
                error.is_resumable() && error.needs_new_credentials(),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u2"));
    m.next_action();
    m.on_part_done(
        0,
        n(1),
        PartResult {
            size: MIB,
            etag: ETag::new("x"),
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
    m.on_initiated(id("u1"));
    for resend in 0..2 {
        assert_eq!(
            m.next_action(),
            Action::UploadPart {
                epoch: 0,
                number: n(1),
                resend
            }
        );
        m.on_part_done(
            0,
            n(1),
            PartResult {
                size: MIB,
                etag: ETag::new("x"),
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
                    number,
                    sent: 5,
                    stored: 6,
                },
            ..
        }) => assert_eq!(number, n(1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_digest_is_resent_and_a_refused_resend_ends_it() {
    let src = source(1, MIB, 4);
    let cfg = config(1, 4, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u1"));
    m.next_action();
    m.on_part_failed(0, n(1), e(CallErrorKind::BadDigest));
    assert_eq!(
        m.next_action(),
        Action::UploadPart {
            epoch: 0,
            number: n(1),
            resend: 1
        }
    );
    // the client's budget refused the resend: the driver reports it as final
    m.on_part_failed(0, n(1), CallError::not_resent(&e(CallErrorKind::BadDigest)));
    assert!(matches!(m.next_action(), Action::Abort { .. }));
}

#[test]
fn a_wrong_object_crc_deletes_the_object() {
    let src = source(2, 7, 5);
    let cfg = config(2, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u1"));
    for _ in 0..2 {
        let Action::UploadPart { number, .. } = m.next_action() else {
            panic!()
        };
        done(&mut m, &src, 0, number);
    }
    assert!(matches!(m.next_action(), Action::Complete { ref parts, .. } if parts.len() == 2));
    m.cancel(); // too late to stop a Complete: it is awaited
    assert_eq!(m.next_action(), Action::Wait);
    m.on_complete_done(ack("o", Some(src.crc() ^ 9), None));
    assert_eq!(m.next_action(), Action::DeleteObject);
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
    m.on_initiated(id("u1"));
    m.next_action();
    done(&mut m, &src, 0, n(1));
    assert!(matches!(m.next_action(), Action::Complete { .. }));
    // the first send's answer was lost; the client's retry found no upload
    m.on_complete_failed(e(CallErrorKind::NoSuchUpload).with_maybe_taken_effect());
    assert_eq!(m.next_action(), Action::HeadObject);
    m.on_head_done(ack("o-1", Some(src.crc()), Some(src.total())));
    assert!(
        matches!(m.next_action(), Action::Finished(Outcome::Completed(ref c)) if c.crc64_verified && c.etag == ETag::new("o-1"))
    );
}

#[test]
fn a_complete_whose_answer_was_lost_is_checked_then_sent_again() {
    let src = source(1, 9, 6);
    let cfg = config(1, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u1"));
    m.next_action();
    done(&mut m, &src, 0, n(1));
    assert!(matches!(
        m.next_action(),
        Action::Complete { resend: 0, .. }
    ));
    // a reset after the request was sent: the client does not resend a POST not knowing
    m.on_complete_failed(e(CallErrorKind::Failed).with_maybe_taken_effect());
    assert_eq!(m.next_action(), Action::HeadObject);
    m.on_head_failed(e(CallErrorKind::NotFound));
    // not completed: Complete again, as a resend the client must permit
    assert!(matches!(
        m.next_action(),
        Action::Complete { resend: 1, .. }
    ));
    m.on_complete_done(ack("o-1", Some(src.crc()), None));
    assert!(matches!(
        m.next_action(),
        Action::Finished(Outcome::Completed(_))
    ));
}

#[test]
fn a_vanished_upload_starts_afresh_once() {
    let src = source(2, 3, 7);
    let cfg = config(2, 3, 1);
    let mut m = fixed_machine(&src, cfg);
    m.next_action();
    m.on_initiated(id("u1"));
    assert!(matches!(
        m.next_action(),
        Action::UploadPart { number, epoch: 0, .. } if number == n(1)
    ));
    assert!(matches!(
        m.next_action(),
        Action::UploadPart { number, epoch: 0, .. } if number == n(2)
    ));
    m.on_part_failed(0, n(1), e(CallErrorKind::NoSuchUpload));
    assert_eq!(m.next_action(), Action::DropParts);
    // a restart is a resend the client must permit
    assert_eq!(m.next_action(), Action::Initiate { resend: 1 });
    assert_eq!(m.epoch(), 1);
    // A late answer of the old generation is ignored.
    m.on_part_done(
        0,
        n(2),
        PartResult {
            size: 3,
            etag: ETag::new("old"),
            crc64_sent: 1,
            crc64_stored: Some(1),
        },
    );
    m.on_initiated(id("u2"));
    assert_eq!(m.parts_done(), 0);
    assert_eq!(
        m.next_action(),
        Action::UploadPart {
            epoch: 1,
            number: n(1),
            resend: 0
        }
    );
    m.on_part_failed(1, n(1), e(CallErrorKind::NoSuchUpload));
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
    m.on_initiated(id("u1"));
    for _ in 0..3 {
        assert!(matches!(m.next_action(), Action::UploadPart { .. }));
    }
    done(&mut m, &src, 0, n(1));
    m.pause();
    assert_eq!(m.next_action(), Action::DropParts);
    assert_eq!(
        m.next_action(),
        Action::Finished(Outcome::Paused {
            upload_id: Some(id("u1"))
        })
    );
    let trusted: Vec<(PartNumber, PartReceipt)> =
        m.done_parts().map(|(n, r)| (n, r.clone())).collect();
    let plan = PartPlan::with_part_size(src.total(), MIB).unwrap();
    let mut r = UploadMachine::resume(Layout::Fixed(plan), id("u1"), trusted, cfg);
    assert_eq!(r.resumed_parts(), 1);
    assert_eq!(r.acknowledged_bytes(), MIB);
    let mut started = Vec::new();
    while let Action::UploadPart { number, .. } = r.next_action() {
        started.push(number.get());
    }
    assert_eq!(started, vec![2, 3]);
}

#[test]
fn cancel_before_initiate_answers_waits_then_aborts_once() {
    let src = source(2, 5, 9);
    let cfg = config(2, 3, 0);
    let mut m = fixed_machine(&src, cfg);
    assert!(matches!(m.next_action(), Action::Initiate { .. }));
    m.cancel();
    assert_eq!(m.next_action(), Action::Wait);
    m.on_initiated(id("u9"));
    assert_eq!(
        m.next_action(),
        Action::Abort {
            upload_id: id("u9")
        }
    );
    // the client retried the Abort already: the machine reports it, naming the upload
    m.on_abort_failed(e(CallErrorKind::Failed));
    match m.next_action() {
        Action::Finished(Outcome::Failed {
            error,
            upload_kept: Some(kept),
        }) => {
            assert_eq!(kept, id("u9"));
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

    /// Under any schedule of results and failures the machine stores exactly the source or
    /// ends with a typed error (never a wrong object), never exceeds its in-flight limit,
    /// sends nothing but Abort after a cancel, and reports monotonic progress ending at the
    /// total on success; and it sends a call again only to resend corrupted bytes or to
    /// start a vanished upload afresh.
    #[test]
    fn under_random_faults_the_machine_is_safe(
        count in 1usize..9,
        last in 1u64..=MIB,
        seed in any::<u64>(),
        max_in_flight in 1usize..5,
        resends in 1u32..6,
        restarts in 0u32..3,
        layout in 0u8..3,
        script in proptest::collection::vec(any::<u8>(), 0..400),
        stop in proptest::option::weighted(0.3, (0usize..60, any::<bool>())),
    ) {
        let src = source(count, last, seed);
        let cfg = config(max_in_flight, resends, restarts);
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
