//! Where object and part bytes live. A [`Storage`] hands out [`BlobSink`]s that take a body
//! chunk by chunk; finishing a sink yields an immutable [`Blob`], dropping it unfinished
//! discards everything written (an upload cut off mid-body stores nothing).
//!
//! Blobs are lists of extents over shared sources, so a completed multipart object or a copy
//! refers to the parts' bytes instead of copying them.

mod blob;
mod disk;
mod memory;

pub use blob::{Blob, Source};
pub use disk::DirStorage;
pub use memory::MemoryStorage;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use std::io;

/// A writer for one new blob. Drop it without [`BlobSink::finish`] to discard the bytes.
pub trait BlobSink: Send {
    /// Appends a chunk.
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, io::Result<()>>;
    /// Seals the bytes written into a blob.
    fn finish(self: Box<Self>) -> BoxFuture<'static, io::Result<Blob>>;
}

/// A backend that stores blobs: in memory or in a directory.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Starts a new blob.
    fn create(&self) -> BoxFuture<'_, io::Result<Box<dyn BlobSink>>>;
}
