//! An in-memory checkpoint store: resume within one process (e.g. after a pause).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;

use super::{Checkpoint, CheckpointError, CheckpointStore};

/// Checkpoints kept in memory; clones share the same map.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    map: Arc<Mutex<HashMap<String, Checkpoint>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many checkpoints it holds.
    pub fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of every checkpoint held.
    pub fn all(&self) -> Vec<Checkpoint> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }
}

impl CheckpointStore for MemoryStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, CheckpointError>> {
        let found = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), CheckpointError>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(checkpoint.id(), checkpoint.clone());
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), CheckpointError>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::tests::sample;

    #[tokio::test]
    async fn save_load_remove() {
        let store = MemoryStore::new();
        let cp = sample();
        assert_eq!(store.load(&cp.id()).await.unwrap(), None);
        store.save(&cp).await.unwrap();
        assert_eq!(store.load(&cp.id()).await.unwrap(), Some(cp.clone()));
        let mut newer = cp.clone();
        newer.parts.clear();
        store.save(&newer).await.unwrap();
        assert_eq!(store.load(&cp.id()).await.unwrap(), Some(newer));
        assert_eq!(store.len(), 1);
        store.remove(&cp.id()).await.unwrap();
        assert!(store.is_empty());
    }
}
