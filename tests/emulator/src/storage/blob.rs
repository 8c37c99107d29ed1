//! [`Blob`]: an immutable byte sequence made of extents over shared [`Source`]s.

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use std::{fmt, io, sync::Arc};

/// Stored bytes that can be read back in ranges.
pub trait Source: Send + Sync + fmt::Debug {
    /// The number of bytes.
    fn len(&self) -> u64;
    /// Whether there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Streams `len` bytes from `offset` (the caller keeps the range inside the source).
    fn read(self: Arc<Self>, offset: u64, len: u64) -> BoxStream<'static, io::Result<Bytes>>;
}

#[derive(Clone, Debug)]
struct Extent {
    src: Arc<dyn Source>,
    offset: u64,
    len: u64,
}

/// An immutable sequence of bytes; cloning, concatenating and slicing never copy data.
#[derive(Clone, Debug, Default)]
pub struct Blob {
    extents: Arc<[Extent]>,
    len: u64,
}

impl Blob {
    /// A blob holding all of `src`.
    pub fn from_source(src: Arc<dyn Source>) -> Self {
        let len = src.len();
        if len == 0 {
            return Blob::default();
        }
        Blob {
            extents: Arc::from(vec![Extent {
                src,
                offset: 0,
                len,
            }]),
            len,
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The blobs one after another.
    pub fn concat<'a>(blobs: impl IntoIterator<Item = &'a Blob>) -> Blob {
        let mut extents = Vec::new();
        let mut len = 0;
        for b in blobs {
            extents.extend(b.extents.iter().cloned());
            len += b.len;
        }
        Blob {
            extents: Arc::from(extents),
            len,
        }
    }

    /// The bytes `[offset, offset + len)`, clamped to the blob.
    pub fn slice(&self, offset: u64, len: u64) -> Blob {
        let start = offset.min(self.len);
        let end = offset.saturating_add(len).min(self.len);
        let mut out = Vec::new();
        let mut pos = 0u64;
        for e in self.extents.iter() {
            let (e_start, e_end) = (pos, pos + e.len);
            pos = e_end;
            let s = start.max(e_start);
            let t = end.min(e_end);
            if s < t {
                out.push(Extent {
                    src: e.src.clone(),
                    offset: e.offset + (s - e_start),
                    len: t - s,
                });
            }
        }
        Blob {
            extents: Arc::from(out),
            len: end - start,
        }
    }

    /// Streams the whole blob.
    pub fn stream(&self) -> BoxStream<'static, io::Result<Bytes>> {
        let parts: Vec<_> = self.extents.iter().cloned().collect();
        stream::iter(parts)
            .flat_map(|e| e.src.clone().read(e.offset, e.len))
            .boxed()
    }

    /// Reads the whole blob into memory (tests and small XML bodies only).
    pub async fn to_bytes(&self) -> io::Result<Bytes> {
        let mut s = self.stream();
        let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(out))
    }
}
