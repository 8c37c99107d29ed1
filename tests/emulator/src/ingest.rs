//! Streaming a request body into storage while MD5, CRC64 and the length are computed. The
//! body is never gathered into one buffer; if it ends early, breaks, or fails a check, the
//! sink is dropped and nothing is stored.

use crate::error::{CosError, ErrorCode};
use crate::hashing::{BodyDigest, Digests};
use crate::storage::{Blob, Storage};
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};

/// A request body as a stream of chunks.
pub type BodyStream = BoxStream<'static, Result<Bytes, BodyReadError>>;

/// The body could not be read (the client went away, or framing broke).
#[derive(Debug, thiserror::Error)]
#[error("request body: {0}")]
pub struct BodyReadError(pub String);

/// Largest single object or part (5 GiB).
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// How one ingest goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions {
    /// The Content-MD5 to check, when given.
    pub content_md5: Option<[u8; 16]>,
    /// Largest length accepted.
    pub max_len: u64,
    /// Drop the connection once this many bytes were read (the `reset` fault).
    pub cut_after: Option<u64>,
}

/// Why an ingest stored nothing.
#[derive(Debug)]
pub enum IngestError {
    /// Answer with this error (BadDigest, EntityTooLarge, storage failure).
    Cos(CosError),
    /// The connection must be (or was) dropped.
    Cut,
}

impl From<CosError> for IngestError {
    fn from(e: CosError) -> Self {
        IngestError::Cos(e)
    }
}

/// Streams `body` into a new blob.
pub async fn ingest(
    storage: &dyn Storage,
    body: &mut BodyStream,
    opts: IngestOptions,
) -> Result<(Blob, Digests), IngestError> {
    let mut sink = storage.create().await.map_err(CosError::from)?;
    let mut digest = BodyDigest::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(error = %e, "request body broke off; nothing stored");
            IngestError::Cut
        })?;
        if let Some(cut) = opts.cut_after
            && digest.len() + chunk.len() as u64 >= cut
        {
            tracing::debug!(after = cut, "fault: dropping the connection mid-body");
            return Err(IngestError::Cut);
        }
        digest.update(&chunk);
        if digest.len() > opts.max_len {
            return Err(CosError::new(ErrorCode::EntityTooLarge).into());
        }
        sink.write(chunk).await.map_err(CosError::from)?;
    }
    if let Some(cut) = opts.cut_after
        && (digest.len() >= cut || cut == 0)
    {
        return Err(IngestError::Cut);
    }
    let digests = digest.finish();
    if let Some(expected) = opts.content_md5
        && expected != digests.md5
    {
        return Err(CosError::new(ErrorCode::BadDigest).into());
    }
    let blob = sink.finish().await.map_err(CosError::from)?;
    Ok((blob, digests))
}

/// Reads a small body whole (XML request bodies), refusing more than `limit` bytes.
pub async fn read_small(body: &mut BodyStream, limit: usize) -> Result<Bytes, IngestError> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| IngestError::Cut)?;
        if out.len() + chunk.len() > limit {
            return Err(CosError::with_message(
                ErrorCode::InvalidRequest,
                "The request body is too large.",
            )
            .into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// Reads and discards what is left of a body, up to `limit` bytes; `false` when more remained.
pub async fn drain(body: &mut BodyStream, limit: u64) -> bool {
    let mut seen = 0u64;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => {
                seen += c.len() as u64;
                if seen > limit {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;
    use futures_util::stream;

    fn body(chunks: Vec<Result<&'static str, &'static str>>) -> BodyStream {
        stream::iter(chunks.into_iter().map(|c| {
            c.map(|s| Bytes::from_static(s.as_bytes()))
                .map_err(|e| BodyReadError(e.into()))
        }))
        .boxed()
    }

    #[tokio::test]
    async fn stores_and_hashes() {
        let store = MemoryStorage::new();
        let mut b = body(vec![Ok("hello "), Ok("world")]);
        let opts = IngestOptions {
            max_len: MAX_OBJECT_SIZE,
            ..Default::default()
        };
        let (blob, d) = ingest(&store, &mut b, opts).await.unwrap();
        assert_eq!(blob.to_bytes().await.unwrap(), "hello world");
        assert_eq!(d.crc64, 5_981_764_153_023_615_706);
        assert_eq!(d.len, 11);
    }

    #[tokio::test]
    async fn refuses_bad_digest_broken_bodies_and_oversize() {
        let store = MemoryStorage::new();
        let opts = IngestOptions {
            max_len: 100,
            content_md5: Some([0; 16]),
            ..Default::default()
        };
        let r = ingest(&store, &mut body(vec![Ok("abc")]), opts).await;
        assert!(matches!(r, Err(IngestError::Cos(e)) if e.code == ErrorCode::BadDigest));
        let opts = IngestOptions {
            max_len: 100,
            ..Default::default()
        };
        let r = ingest(&store, &mut body(vec![Ok("abc"), Err("reset")]), opts).await;
        assert!(matches!(r, Err(IngestError::Cut)));
        let opts = IngestOptions {
            max_len: 4,
            ..Default::default()
        };
        let r = ingest(&store, &mut body(vec![Ok("abc"), Ok("de")]), opts).await;
        assert!(matches!(r, Err(IngestError::Cos(e)) if e.code == ErrorCode::EntityTooLarge));
        let opts = IngestOptions {
            max_len: 100,
            cut_after: Some(4),
            ..Default::default()
        };
        let r = ingest(&store, &mut body(vec![Ok("abc"), Ok("def")]), opts).await;
        assert!(matches!(r, Err(IngestError::Cut)));
    }
}
