//! Part buffers, reused. Every part is read into a buffer taken from this pool after its permit
//! was granted, and the buffer comes back when the last `Bytes` pointing into it is dropped
//! (the request is over). Reusing buffers keeps the process's memory at what the permits
//! allow: with fresh allocations, glibc's per-thread arenas keep freed multi-MiB buffers
//! around and the resident size grows well past `parts in flight × part size`.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

/// A pool of part buffers keeping at most `max_idle` idle buffers.
#[derive(Debug)]
pub(crate) struct BufferPool {
    idle: Mutex<Vec<Vec<u8>>>,
    max_idle: usize,
}

/// A buffer on loan; returns to its pool when dropped.
#[derive(Debug)]
pub(crate) struct PooledBuf {
    buf: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl BufferPool {
    /// A pool keeping at most `max_idle` idle buffers.
    pub(crate) fn new(max_idle: usize) -> Arc<Self> {
        Arc::new(Self {
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    /// A buffer of exactly `len` initialized bytes (contents unspecified).
    pub(crate) fn take(self: &Arc<Self>, len: usize) -> PooledBuf {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            match idle.iter().position(|b| b.capacity() >= len) {
                Some(i) => Some(idle.swap_remove(i)),
                // Only smaller buffers idle: give one up rather than keep both.
                None => {
                    idle.pop();
                    None
                }
            }
        };
        let buf = match reused {
            Some(mut b) => {
                b.resize(len, 0);
                b
            }
            None => vec![0u8; len],
        };
        PooledBuf {
            buf,
            pool: self.clone(),
        }
    }

    /// Idle buffers now.
    #[cfg(test)]
    pub(crate) fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl PooledBuf {
    /// The bytes, to fill.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Shortens it to `len` bytes.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Shares it as `Bytes`; it returns to the pool when the last clone is dropped.
    pub(crate) fn freeze(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for PooledBuf {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for PooledBuf {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let mut idle = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.pool.max_idle {
            idle.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_and_are_reused() {
        let pool = BufferPool::new(2);
        let mut a = pool.take(1000);
        a.as_mut_slice()[0] = 7;
        let bytes = a.freeze();
        let clone = bytes.clone();
        drop(bytes);
        assert_eq!(pool.idle(), 0, "still referenced");
        assert_eq!(clone[0], 7);
        drop(clone);
        assert_eq!(pool.idle(), 1);
        let b = pool.take(10);
        assert_eq!(b.as_ref().len(), 10);
        assert!(b.buf.capacity() >= 1000, "reused the big one");
        assert_eq!(pool.idle(), 0);
        let c = pool.take(10);
        let d = pool.take(10);
        drop((b, c, d));
        assert_eq!(pool.idle(), 2, "at most max_idle kept");
    }
}
