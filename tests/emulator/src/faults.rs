//! Faults on demand: the `--faults` grammar ([`FaultSpec`]) and the seeded draw that decides,
//! for each request, whether it fails and how ([`FaultPlan`]).
//!
//! Grammar: comma-separated `kind=value` items — `5xx=RATE` (500 InternalError),
//! `slowdown=RATE` (503 SlowDown), `reset=RATE` (connection dropped mid-request-body, nothing
//! stored), `reset-response=RATE` (dropped mid-response), `delay=RATE:MILLIS`, `skew=SECONDS`
//! (the server clock's offset, may be negative) and `ops=Op1+Op2` (the rates apply only to
//! those operations). RATE is a probability in `[0, 1]`.
//!
//! The draw is a pure function of the seed, the request's identity (operation, bucket, key,
//! part number) and how many times that identity was seen before, so a run is reproducible
//! even when requests arrive concurrently in a different order; a retry of the same request is
//! a new occurrence and draws afresh.

use crate::operation::Operation;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A fault specification (see the module docs for the grammar).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Rate of 500 InternalError answers.
    pub server_error: f64,
    /// Rate of 503 SlowDown answers.
    pub slowdown: f64,
    /// Rate of connections dropped mid-request-body.
    pub reset: f64,
    /// Rate of connections dropped mid-response.
    pub reset_response: f64,
    /// Rate and length of added delays.
    pub delay: Option<(f64, u64)>,
    /// The server clock's offset in seconds.
    pub skew: i64,
    /// The operations the rates apply to (`None`: all).
    pub ops: Option<BTreeSet<Operation>>,
}

/// A fault specification that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault specification item `{item}`: {reason}")]
pub struct FaultSpecError {
    /// The offending item.
    pub item: String,
    /// Why.
    pub reason: String,
}

fn err(item: &str, reason: impl Into<String>) -> FaultSpecError {
    FaultSpecError {
        item: item.to_string(),
        reason: reason.into(),
    }
}

fn rate(item: &str, v: &str) -> Result<f64, FaultSpecError> {
    let r: f64 = v
        .trim()
        .parse()
        .map_err(|_| err(item, "RATE must be a number"))?;
    if !(0.0..=1.0).contains(&r) {
        return Err(err(item, "RATE must be within 0..=1"));
    }
    Ok(r)
}

impl FaultSpec {
    /// No faults at all.
    pub fn none() -> Self {
        FaultSpec::default()
    }

    /// Whether any rate is non-zero.
    pub fn has_rates(&self) -> bool {
        self.server_error > 0.0
            || self.slowdown > 0.0
            || self.reset > 0.0
            || self.reset_response > 0.0
            || self.delay.is_some_and(|(r, _)| r > 0.0)
    }

    /// Whether the rates apply to `op`.
    pub fn applies_to(&self, op: Operation) -> bool {
        op != Operation::Sts && self.ops.as_ref().is_none_or(|ops| ops.contains(&op))
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        let mut seen = BTreeSet::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (kind, value) = item
                .split_once('=')
                .ok_or_else(|| err(item, "expected kind=value"))?;
            let kind = kind.trim();
            if !seen.insert(kind.to_string()) {
                return Err(err(item, "given twice"));
            }
            match kind {
                "5xx" => spec.server_error = rate(item, value)?,
                "slowdown" => spec.slowdown = rate(item, value)?,
                "reset" => spec.reset = rate(item, value)?,
                "reset-response" => spec.reset_response = rate(item, value)?,
                "delay" => {
                    let (r, ms) = value
                        .split_once(':')
                        .ok_or_else(|| err(item, "expected delay=RATE:MILLIS"))?;
                    let ms: u64 = ms
                        .trim()
                        .parse()
                        .map_err(|_| err(item, "MILLIS must be a whole number"))?;
                    spec.delay = Some((rate(item, r)?, ms));
                }
                "skew" => {
                    spec.skew = value
                        .trim()
                        .parse()
                        .map_err(|_| err(item, "SECONDS must be a whole number"))?;
                }
                "ops" => {
                    let mut ops = BTreeSet::new();
                    for name in value.split('+').map(str::trim) {
                        ops.insert(
                            name.parse::<Operation>()
                                .map_err(|e| err(item, e.to_string()))?,
                        );
                    }
                    spec.ops = Some(ops);
                }
                other => return Err(err(item, format!("unknown kind `{other}`"))),
            }
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        if self.server_error > 0.0 {
            items.push(format!("5xx={}", self.server_error));
        }
        if self.slowdown > 0.0 {
            items.push(format!("slowdown={}", self.slowdown));
        }
        if self.reset > 0.0 {
            items.push(format!("reset={}", self.reset));
        }
        if self.reset_response > 0.0 {
            items.push(format!("reset-response={}", self.reset_response));
        }
        if let Some((r, ms)) = self.delay {
            items.push(format!("delay={r}:{ms}"));
        }
        if self.skew != 0 {
            items.push(format!("skew={}", self.skew));
        }
        if let Some(ops) = &self.ops {
            let names: Vec<_> = ops.iter().map(|o| o.name()).collect();
            items.push(format!("ops={}", names.join("+")));
        }
        f.write_str(&items.join(","))
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Drop the connection mid-request-body (nothing is stored).
    pub reset_request: bool,
    /// Answer 500 InternalError instead of doing the work.
    pub server_error: bool,
    /// Answer 503 SlowDown instead of doing the work.
    pub slowdown: bool,
    /// For operations COS may fail with a 200 + `<Error>` body: fail that way instead of with a
    /// plain status (decided by its own draw).
    pub error_in_body: bool,
    /// Drop the connection mid-response (after the work is done).
    pub reset_response: bool,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
}

impl FaultPlan {
    /// Whether the request is answered with an error instead of being served.
    pub fn fails(&self) -> bool {
        self.server_error || self.slowdown
    }
}

/// The draws for one run: the seed and the per-identity occurrence counters.
#[derive(Debug, Default)]
pub struct FaultDraw {
    seed: u64,
    seen: HashMap<u64, u64>,
}

fn fnv1a(data: &[u8], mut h: u64) -> u64 {
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FaultDraw {
    /// A draw with this seed.
    pub fn new(seed: u64) -> Self {
        FaultDraw {
            seed,
            seen: HashMap::new(),
        }
    }

    /// Forgets the occurrence counters (a new spec starts afresh).
    pub fn reset(&mut self) {
        self.seen.clear();
    }

    /// Decides the faults of one request with the given identity.
    pub fn draw(&mut self, spec: &FaultSpec, op: Operation, identity: &str) -> FaultPlan {
        if !spec.has_rates() || !spec.applies_to(op) {
            return FaultPlan::default();
        }
        let id = fnv1a(
            identity.as_bytes(),
            fnv1a(op.name().as_bytes(), 0xcbf2_9ce4_8422_2325),
        );
        let n = self.seen.entry(id).or_insert(0);
        let occurrence = *n;
        *n += 1;
        let base = splitmix(self.seed ^ splitmix(id ^ splitmix(occurrence)));
        let u = |k: u64| {
            (splitmix(base ^ k.wrapping_mul(0xA24B_AED4_963E_E407)) >> 11) as f64
                / (1u64 << 53) as f64
        };
        let mut plan = FaultPlan {
            reset_request: u(1) < spec.reset,
            ..FaultPlan::default()
        };
        if !plan.reset_request {
            plan.server_error = u(2) < spec.server_error;
            plan.slowdown = !plan.server_error && u(3) < spec.slowdown;
            plan.error_in_body = plan.fails() && op.may_fail_in_body() && u(4) < 0.5;
            plan.reset_response = !plan.fails() && u(5) < spec.reset_response;
        }
        if let Some((rate, ms)) = spec.delay
            && u(6) < rate
        {
            plan.delay = Some(Duration::from_millis(ms));
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_issue_example() {
        let spec: FaultSpec = "5xx=0.05,reset=0.02".parse().unwrap();
        assert_eq!(spec.server_error, 0.05);
        assert_eq!(spec.reset, 0.02);
        let spec: FaultSpec =
            "slowdown=0.1,reset-response=1,delay=0.5:250,skew=-3600,ops=UploadPart+PutObject"
                .parse()
                .unwrap();
        assert_eq!(spec.delay, Some((0.5, 250)));
        assert_eq!(spec.skew, -3600);
        assert!(spec.applies_to(Operation::UploadPart));
        assert!(!spec.applies_to(Operation::GetObject));
        assert_eq!(
            spec.to_string(),
            "slowdown=0.1,reset-response=1,delay=0.5:250,skew=-3600,ops=PutObject+UploadPart"
        );
    }

    #[test]
    fn rejects_bad_items() {
        for bad in [
            "5xx=2",
            "5xx=x",
            "boom=1",
            "delay=0.1",
            "delay=0.1:x",
            "ops=Nope",
            "skew=1.5",
            "5xx",
            "reset=0.1,reset=0.2",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
        }
        assert_eq!("".parse::<FaultSpec>().unwrap(), FaultSpec::none());
    }

    #[test]
    fn draws_are_reproducible_and_follow_rates() {
        let spec: FaultSpec = "5xx=0.3".parse().unwrap();
        let run = |seed| {
            let mut d = FaultDraw::new(seed);
            (0..1000)
                .map(|i| {
                    d.draw(&spec, Operation::PutObject, &format!("k{}", i % 50))
                        .server_error
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|x| **x).count();
        assert!((200..400).contains(&hits), "{hits}");
        // Rates restricted to other operations never fire.
        let spec: FaultSpec = "5xx=1,ops=UploadPart".parse().unwrap();
        let mut d = FaultDraw::new(1);
        assert!(!d.draw(&spec, Operation::PutObject, "k").fails());
        assert!(d.draw(&spec, Operation::UploadPart, "k").fails());
    }

    proptest! {
        #[test]
        fn display_round_trips(e in 0u32..=100, s in 0u32..=100, r in 0u32..=100, rr in 0u32..=100,
                               delay in proptest::option::of((0u32..=100, 0u64..5000)), skew in -100_000i64..100_000,
                               ops in proptest::option::of(proptest::sample::subsequence(Operation::ALL.to_vec(), 1..4))) {
            let spec = FaultSpec {
                server_error: f64::from(e) / 100.0,
                slowdown: f64::from(s) / 100.0,
                reset: f64::from(r) / 100.0,
                reset_response: f64::from(rr) / 100.0,
                delay: delay.map(|(r, ms)| (f64::from(r) / 100.0, ms)),
                skew,
                ops: ops.map(|o| o.into_iter().collect()),
            };
            let back: FaultSpec = spec.to_string().parse().unwrap();
            prop_assert_eq!(back, spec);
        }
    }
}
