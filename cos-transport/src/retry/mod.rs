//! The retry policy: how many attempts, which failures are retried (the crate-private
//! classification in `classify.rs`, the client's own vocabulary: callers see the client's
//! `ErrorKind`), how long to wait ([`Backoff`], full jitter with an injectable RNG) and the
//! shared [`RetryBudget`]; and the permission the layers above ask before they send something
//! again ([`RetryPolicy::resend_permit`]).

mod backoff;
mod budget;
mod classify;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

pub use backoff::Backoff;
pub use budget::RetryBudget;
pub(crate) use classify::{Failure, RetryClass, classify};

type SharedRng = Arc<Mutex<Box<dyn RngCore + Send>>>;

/// How the [`Client`](crate::Client) retries. Cloning shares the budget and the RNG.
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    slow_down: Backoff,
    server_errors_for_non_idempotent: bool,
    budget: Arc<RetryBudget>,
    rng: SharedRng,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("slow_down", &self.slow_down)
            .field(
                "server_errors_for_non_idempotent",
                &self.server_errors_for_non_idempotent,
            )
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::builder().build()
    }
}

impl RetryPolicy {
    /// A builder with the defaults: 4 attempts, backoff 100 ms doubling up to 10 s, slow-down
    /// backoff 1 s doubling up to 30 s, 5xx retried for every operation, the default budget.
    pub fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder::default()
    }

    /// One attempt, never a retry.
    pub fn never() -> Self {
        Self::builder().max_attempts(1).build()
    }

    /// Most attempts per request (the first one included).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The shared budget.
    pub fn budget(&self) -> &Arc<RetryBudget> {
        &self.budget
    }

    /// Classifies a failure under this policy.
    pub(crate) fn classify(&self, failure: Failure<'_>, idempotent: bool) -> Option<RetryClass> {
        classify(failure, idempotent, self.server_errors_for_non_idempotent)
    }

    /// The wait before retry number `retry` (1 for the first) of a failure of `class`.
    pub(crate) fn delay(&self, class: RetryClass, retry: u32) -> Duration {
        let backoff = if class == RetryClass::SlowDown {
            self.slow_down
        } else {
            self.backoff
        };
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        backoff.delay(retry, rng.as_mut())
    }

    /// For a layer above the client that must send something again for a reason no single
    /// request can see (a part whose checksum did not match, an upload that vanished and
    /// starts afresh): whether the `resend`-th such repeat (1 for the first) is allowed, and
    /// after what wait. It is allowed within [`max_attempts`](Self::max_attempts) and when the
    /// shared budget pays for it (the same price as a retry); the wait is this policy's
    /// jittered backoff. `None` means stop: the caller reports the failure it has.
    pub fn resend_permit(&self, resend: u32) -> Option<Duration> {
        if resend == 0 {
            return Some(Duration::ZERO);
        }
        if resend >= self.max_attempts {
            return None;
        }
        let cost = self.budget.cost(false);
        if !self.budget.try_withdraw(cost) {
            tracing::warn!(resend, "retry budget exhausted; no resend");
            return None;
        }
        Some(self.delay(RetryClass::ServerError, resend))
    }
}

/// Builder of a [`RetryPolicy`].
pub struct RetryPolicyBuilder {
    max_attempts: u32,
    backoff: Backoff,
    slow_down: Backoff,
    server_errors_for_non_idempotent: bool,
    budget: Option<Arc<RetryBudget>>,
    rng: Option<Box<dyn RngCore + Send>>,
}

impl fmt::Debug for RetryPolicyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicyBuilder")
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("slow_down", &self.slow_down)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicyBuilder {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            backoff: Backoff {
                base: Duration::from_millis(100),
                max: Duration::from_secs(10),
            },
            slow_down: Backoff {
                base: Duration::from_secs(1),
                max: Duration::from_secs(30),
            },
            server_errors_for_non_idempotent: true,
            budget: None,
            rng: None,
        }
    }
}

impl RetryPolicyBuilder {
    /// Most attempts per request, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ordinary backoff.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = Backoff { base, max };
        self
    }

    /// The backoff after `SlowDown`.
    pub fn slow_down_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.slow_down = Backoff { base, max };
        self
    }

    /// Whether a 5xx answer to a non-idempotent request is retried (default `true`).
    pub fn retry_server_errors_for_non_idempotent(mut self, retry: bool) -> Self {
        self.server_errors_for_non_idempotent = retry;
        self
    }

    /// Shares `budget` (e.g. across several clients).
    pub fn budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The RNG drawing the jitter (default: a `SmallRng` seeded from the OS).
    pub fn rng(mut self, rng: impl RngCore + Send + 'static) -> Self {
        self.rng = Some(Box::new(rng));
        self
    }

    /// Builds the policy.
    pub fn build(self) -> RetryPolicy {
        let rng: Box<dyn RngCore + Send> = match self.rng {
            Some(rng) => rng,
            None => Box::new(SmallRng::from_rng(&mut rand::rng())),
        };
        RetryPolicy {
            max_attempts: self.max_attempts,
            backoff: self.backoff,
            slow_down: self.slow_down,
            server_errors_for_non_idempotent: self.server_errors_for_non_idempotent,
            budget: self.budget.unwrap_or_default(),
            rng: Arc::new(Mutex::new(rng)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;

    #[test]
    fn slow_down_waits_longer_ceiling() {
        let policy = RetryPolicy::builder()
            .backoff(Duration::from_millis(10), Duration::from_millis(10))
            .slow_down_backoff(Duration::from_secs(5), Duration::from_secs(5))
            .rng(StdRng::seed_from_u64(1))
            .build();
        for retry in 1..5 {
            assert!(policy.delay(RetryClass::ServerError, retry) <= Duration::from_millis(10));
        }
        let slow: Vec<Duration> = (0..50)
            .map(|_| policy.delay(RetryClass::SlowDown, 1))
            .collect();
        assert!(slow.iter().all(|d| *d <= Duration::from_secs(5)));
        assert!(slow.iter().any(|d| *d > Duration::from_secs(1)));
    }

    #[test]
    fn seeded_rng_is_reproducible() {
        let make = || {
            RetryPolicy::builder()
                .rng(StdRng::seed_from_u64(42))
                .build()
        };
        let (a, b) = (make(), make());
        for retry in 1..6 {
            assert_eq!(
                a.delay(RetryClass::ServerError, retry),
                b.delay(RetryClass::ServerError, retry)
            );
        }
    }

    #[test]
    fn resends_obey_the_attempts_and_the_budget() {
        let policy = RetryPolicy::builder()
            .max_attempts(3)
            .budget(Arc::new(RetryBudget::new(10, 5, 10, 1)))
            .build();
        assert_eq!(policy.resend_permit(0), Some(Duration::ZERO));
        assert!(policy.resend_permit(1).is_some());
        assert!(policy.resend_permit(2).is_some());
        assert_eq!(policy.budget().available(), 0);
        assert_eq!(policy.resend_permit(1), None, "the budget is empty");
        assert_eq!(policy.resend_permit(3), None, "past max attempts");
    }

    #[test]
    fn clones_share_the_budget() {
        let policy = RetryPolicy::default();
        let clone = policy.clone();
        assert!(policy.budget().try_withdraw(5));
        assert_eq!(clone.budget().available(), policy.budget().capacity() - 5);
        assert_eq!(RetryPolicy::never().max_attempts(), 1);
    }
}
