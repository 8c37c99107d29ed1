//! The retry budget: a token bucket shared by every request of a client (and its clones), so a
//! failing network or an overloaded server cannot make retries multiply the load.
//!
//! A retry withdraws tokens (more after a timeout); a success deposits some back. When the
//! bucket cannot pay for a retry, the failure is returned at once.

use std::sync::atomic::{AtomicU32, Ordering};

/// A token bucket for retries. Its balance never goes below zero nor above the capacity.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_reward: u32,
}

impl Default for RetryBudget {
    /// 500 tokens; a retry costs 5, a retry after a timeout 10; a success returns 1 (or the cost
    /// of the retry that succeeded).
    fn default() -> Self {
        Self::new(500, 5, 10, 1)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens with the given costs and reward.
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32, success_reward: u32) -> Self {
        Self {
            tokens: AtomicU32::new(capacity),
            capacity,
            retry_cost,
            timeout_cost,
            success_reward,
        }
    }

    /// A budget that never runs out (every withdrawal costs nothing).
    pub fn unlimited() -> Self {
        Self::new(u32::MAX, 0, 0, 0)
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// The capacity.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// What a retry costs (`after_timeout`: the failure was a timeout).
    pub fn cost(&self, after_timeout: bool) -> u32 {
        if after_timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        }
    }

    /// Takes `cost` tokens if there are that many; `false` (and nothing taken) otherwise.
    pub fn try_withdraw(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Returns `amount` tokens, up to the capacity.
    pub fn deposit(&self, amount: u32) {
        let capacity = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(amount).min(capacity))
            });
    }

    /// Records a success: `last_retry_cost` is what the retry that succeeded cost (0 when the
    /// first attempt succeeded, which earns the plain reward).
    pub fn record_success(&self, last_retry_cost: u32) {
        if last_retry_cost > 0 {
            self.deposit(last_retry_cost);
        } else {
            self.deposit(self.success_reward);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exhausts_and_refills() {
        let budget = RetryBudget::new(12, 5, 10, 1);
        assert!(budget.try_withdraw(budget.cost(false)));
        assert!(!budget.try_withdraw(budget.cost(true)));
        assert_eq!(budget.available(), 7);
        assert!(budget.try_withdraw(5));
        assert!(!budget.try_withdraw(5));
        assert_eq!(budget.available(), 2);
        budget.record_success(0);
        assert_eq!(budget.available(), 3);
        budget.record_success(100);
        assert_eq!(budget.available(), 12);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Withdraw(u32),
        Deposit(u32),
        Success(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u32..50).prop_map(Op::Withdraw),
            (0u32..50).prop_map(Op::Deposit),
            (0u32..50).prop_map(Op::Success),
        ]
    }

    proptest! {
        #[test]
        fn balance_stays_within_zero_and_capacity(
            capacity in 0u32..200,
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let budget = RetryBudget::new(capacity, 5, 10, 1);
            let mut model: u64 = u64::from(capacity);
            for op in ops {
                match op {
                    Op::Withdraw(c) => {
                        let ok = budget.try_withdraw(c);
                        prop_assert_eq!(ok, model >= u64::from(c));
                        if ok { model -= u64::from(c); }
                    }
                    Op::Deposit(c) => {
                        budget.deposit(c);
                        model = (model + u64::from(c)).min(u64::from(capacity));
                    }
                    Op::Success(c) => {
                        budget.record_success(c);
                        let add = if c > 0 { c } else { 1 };
                        model = (model + u64::from(add)).min(u64::from(capacity));
                    }
                }
                prop_assert_eq!(u64::from(budget.available()), model);
                prop_assert!(budget.available() <= capacity);
            }
        }
    }
}
