//! Permits shared by every upload of one uploader: a part count and a byte budget. A part's
//! permit is taken before its bytes are read and released when COS has answered, so the
//! memory held by parts is at most `parts in flight × part size` (and at most the budget).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::buffers::BufferPool;

/// Byte budgets are counted in KiB so one permit request fits in `u32` for 5 GiB parts.
const UNIT: u64 = 1024;

/// The shared limits.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    parts: Arc<Semaphore>,
    bytes: Option<(Arc<Semaphore>, u32)>,
    part_limit: usize,
    pool: Arc<BufferPool>,
}

/// The right to hold one part's bytes in memory and on the wire.
#[derive(Debug)]
pub(crate) struct PartPermit {
    _part: Option<OwnedSemaphorePermit>,
    _bytes: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    /// At most `parts` parts in flight and, when given, `byte_budget` bytes held.
    pub(crate) fn new(parts: usize, byte_budget: Option<u64>) -> Self {
        let parts = parts.clamp(1, Semaphore::MAX_PERMITS);
        let bytes = byte_budget.map(|b| {
            let units = u32::try_from(b.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX);
            (Arc::new(Semaphore::new(units as usize)), units)
        });
        Self {
            parts: Arc::new(Semaphore::new(parts)),
            bytes,
            part_limit: parts,
            pool: BufferPool::new(parts),
        }
    }

    /// The part buffers shared by the uploads (taken only under a permit).
    pub(crate) fn pool(&self) -> &Arc<BufferPool> {
        &self.pool
    }

    /// The part limit.
    pub(crate) fn part_limit(&self) -> usize {
        self.part_limit
    }

    /// Waits for a part permit, then for `len` bytes of budget (a part larger than the whole
    /// budget takes the whole budget, so it still runs, alone).
    pub(crate) async fn acquire(&self, len: u64) -> PartPermit {
        // The semaphores are never closed, so acquiring cannot fail; if it did, run unlimited
        // rather than stall.
        let part = self.parts.clone().acquire_owned().await;
        let bytes = match &self.bytes {
            Some((sem, total)) => {
                let want = u32::try_from(len.div_ceil(UNIT).max(1))
                    .unwrap_or(u32::MAX)
                    .min(*total);
                sem.clone().acquire_many_owned(want).await.ok()
            }
            None => None,
        };
        PartPermit {
            _part: part.ok(),
            _bytes: bytes,
        }
    }

    /// Part permits available now.
    #[cfg(test)]
    pub(crate) fn available(&self) -> usize {
        self.parts.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn parts_and_bytes_are_bounded() {
        let l = Limiter::new(3, Some(10 * 1024));
        let a = l.acquire(4 * 1024).await;
        let b = l.acquire(4 * 1024).await;
        assert_eq!(l.available(), 1);
        // The third would exceed the byte budget: it waits until one is released.
        let l2 = l.clone();
        let c = tokio::spawn(async move { l2.acquire(4 * 1024).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!c.is_finished());
        drop(a);
        let c = tokio::time::timeout(Duration::from_secs(5), c)
            .await
            .unwrap()
            .unwrap();
        drop(b);
        drop(c);
        // A part larger than the whole budget still runs (alone).
        let big = tokio::time::timeout(Duration::from_secs(5), l.acquire(1 << 40)).await;
        assert!(big.is_ok());
    }
}
