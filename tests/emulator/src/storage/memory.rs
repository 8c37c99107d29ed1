//! The in-memory backend: a blob is the list of body chunks as they arrived.

use super::{Blob, BlobSink, Source, Storage};
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::{io, sync::Arc};

/// Keeps blobs in memory (as the received chunks, never one big buffer).
#[derive(Debug, Default, Clone)]
pub struct MemoryStorage;

impl MemoryStorage {
    /// A new in-memory backend.
    pub fn new() -> Self {
        MemoryStorage
    }
}

impl Storage for MemoryStorage {
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn BlobSink>>> {
        async { Ok(Box::new(MemorySink::default()) as Box<dyn BlobSink>) }.boxed()
    }
}

#[derive(Default)]
struct MemorySink {
    chunks: Vec<Bytes>,
}

impl BlobSink for MemorySink {
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, io::Result<()>> {
        if !chunk.is_empty() {
            self.chunks.push(chunk);
        }
        async { Ok(()) }.boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, io::Result<Blob>> {
        let mut starts = Vec::with_capacity(self.chunks.len());
        let mut len = 0u64;
        for c in &self.chunks {
            starts.push(len);
            len += c.len() as u64;
        }
        let src = MemorySource {
            chunks: self.chunks,
            starts,
            len,
        };
        async move { Ok(Blob::from_source(Arc::new(src))) }.boxed()
    }
}

#[derive(Debug)]
struct MemorySource {
    chunks: Vec<Bytes>,
    starts: Vec<u64>,
    len: u64,
}

impl Source for MemorySource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(self: Arc<Self>, offset: u64, len: u64) -> BoxStream<'static, io::Result<Bytes>> {
        let end = offset.saturating_add(len).min(self.len);
        let first = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let mut out = Vec::new();
        for i in first..self.chunks.len() {
            let c_start = self.starts[i];
            if c_start >= end {
                break;
            }
            let c = &self.chunks[i];
            let s = offset.max(c_start) - c_start;
            let t = (end - c_start).min(c.len() as u64);
            if s < t {
                out.push(Ok(c.slice(s as usize..t as usize)));
            }
        }
        stream::iter(out).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slices_across_chunks() {
        let store = MemoryStorage::new();
        let mut sink = store.create().await.unwrap();
        for part in ["hello ", "", "wor", "ld"] {
            sink.write(Bytes::from(part)).await.unwrap();
        }
        let blob = sink.finish().await.unwrap();
        assert_eq!(blob.len(), 11);
        assert_eq!(blob.to_bytes().await.unwrap(), "hello world");
        assert_eq!(blob.slice(4, 5).to_bytes().await.unwrap(), "o wor");
        assert_eq!(blob.slice(9, 100).to_bytes().await.unwrap(), "ld");
        let both = Blob::concat([&blob.slice(0, 5), &blob.slice(6, 5)]);
        assert_eq!(both.to_bytes().await.unwrap(), "helloworld");
        assert_eq!(both.slice(3, 4).to_bytes().await.unwrap(), "lowo");
    }
}
