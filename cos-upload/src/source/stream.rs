//! A stream source of unknown length: parts are read strictly in order (a task for part n+1
//! waits until part n has been read), sized by the growth schedule, and kept until COS
//! acknowledges them so a failed part can be sent again.

use std::collections::HashMap;
use std::sync::{Mutex as SyncMutex, PoisonError};

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{Mutex, Notify};

use crate::buffers::BufferPool;
use crate::error::SourceError;
use crate::plan::{MAX_PARTS, StreamSchedule};

struct Reader {
    reader: Box<dyn AsyncRead + Send + Unpin + 'static>,
    /// The next part number to read.
    next: u32,
    /// The last part number that held data.
    last_data: u32,
    eof: bool,
}

/// See the module documentation.
pub(crate) struct StreamSource {
    reader: Mutex<Reader>,
    buffered: SyncMutex<HashMap<u32, Bytes>>,
    read_done: Notify,
    schedule: StreamSchedule,
}

impl StreamSource {
    pub(crate) fn new(
        reader: Box<dyn AsyncRead + Send + Unpin + 'static>,
        schedule: StreamSchedule,
    ) -> Self {
        Self {
            reader: Mutex::new(Reader {
                reader,
                next: 1,
                last_data: 0,
                eof: false,
            }),
            buffered: SyncMutex::new(HashMap::new()),
            read_done: Notify::new(),
            schedule,
        }
    }

    fn buffered(&self, number: u32) -> Option<Bytes> {
        self.buffered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&number)
            .cloned()
    }

    /// Part `number`'s bytes: from the buffer when already read, else read in order. Empty when
    /// the part lies past the stream's end.
    pub(crate) async fn read(
        &self,
        number: u32,
        pool: &Arc<BufferPool>,
    ) -> Result<Bytes, SourceError> {
        loop {
            if let Some(b) = self.buffered(number) {
                return Ok(b);
            }
            let notified = self.read_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let mut reader = self.reader.lock().await;
            if let Some(b) = self.buffered(number) {
                return Ok(b);
            }
            if number < reader.next {
                // Past the end, or read before and already released (acknowledged).
                if reader.eof && number > reader.last_data {
                    return Ok(Bytes::new());
                }
                return Err(SourceError::Io(format!(
                    "stream part {number} is no longer buffered"
                )));
            }
            if number > reader.next {
                drop(reader);
                notified.await;
                continue;
            }
            let bytes = self.read_next(&mut reader, number, pool).await;
            reader.next += 1;
            if let Ok(b) = &bytes
                && !b.is_empty()
            {
                reader.last_data = number;
                self.buffered
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(number, b.clone());
            }
            drop(reader);
            self.read_done.notify_waiters();
            return bytes;
        }
    }

    async fn read_next(
        &self,
        r: &mut Reader,
        number: u32,
        pool: &Arc<BufferPool>,
    ) -> Result<Bytes, SourceError> {
        if r.eof {
            return Ok(Bytes::new());
        }
        let want = usize::try_from(self.schedule.part_size(number))
            .map_err(|_| SourceError::Io("part too large".into()))?;
        let mut buf = pool.take(want);
        let mut filled = 0;
        while filled < want {
            let n = r
                .reader
                .read(&mut buf.as_mut_slice()[filled..])
                .await
                .map_err(|e| SourceError::Io(e.to_string()))?;
            if n == 0 {
                r.eof = true;
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        if number >= MAX_PARTS && !r.eof {
            let mut probe = [0u8; 1];
            let n = r
                .reader
                .read(&mut probe)
                .await
                .map_err(|e| SourceError::Io(e.to_string()))?;
            if n > 0 {
                return Err(SourceError::StreamTooLong);
            }
            r.eof = true;
        }
        Ok(buf.freeze())
    }

    /// Forgets part `number`'s buffer.
    pub(crate) fn release(&self, number: u32) {
        self.buffered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&number);
    }

    /// Bytes buffered now.
    #[cfg(test)]
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buffered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(Bytes::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;
    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 253) as u8).collect()
    }

    #[tokio::test]
    async fn parts_follow_the_schedule_in_order_whatever_the_task_order() {
        let src_bytes = data((3 * MIB + MIB / 2) as usize);
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        let payload = src_bytes.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            server.write_all(&payload).await.unwrap();
        });
        let s = Arc::new(StreamSource::new(
            Box::new(client),
            StreamSchedule::new(MIB, 2),
        ));
        let pool = BufferPool::new(4);
        // Ask for parts in reverse order concurrently: reads still happen in order.
        let mut tasks = Vec::new();
        for n in (1..=4u32).rev() {
            let s = s.clone();
            let pool = pool.clone();
            tasks.push(tokio::spawn(
                async move { (n, s.read(n, &pool).await.unwrap()) },
            ));
        }
        let mut parts = Vec::new();
        for t in tasks {
            parts.push(t.await.unwrap());
        }
        parts.sort_by_key(|(n, _)| *n);
        let sizes: Vec<usize> = parts.iter().map(|(_, b)| b.len()).collect();
        // schedule: 1 MiB, 1 MiB, 2 MiB (only 1.5 MiB left), then nothing
        assert_eq!(
            sizes,
            vec![MIB as usize, MIB as usize, (3 * MIB / 2) as usize, 0]
        );
        let joined: Vec<u8> = parts.iter().flat_map(|(_, b)| b.to_vec()).collect();
        assert_eq!(joined, src_bytes);
        // Re-reading a buffered part returns the same bytes; released parts are gone.
        assert_eq!(s.read(2, &pool).await.unwrap(), parts[1].1);
        assert_eq!(s.buffered_bytes(), src_bytes.len());
        s.release(1);
        s.release(2);
        assert!(s.read(1, &pool).await.is_err());
        assert_eq!(s.buffered_bytes(), (3 * MIB / 2) as usize);
    }

    #[tokio::test]
    async fn an_empty_stream_has_no_parts() {
        let s = StreamSource::new(Box::new(tokio::io::empty()), StreamSchedule::new(MIB, 2));
        let pool = BufferPool::new(1);
        assert!(s.read(1, &pool).await.unwrap().is_empty());
        assert!(s.read(2, &pool).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn read_errors_are_source_errors() {
        struct Broken;
        impl AsyncRead for Broken {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Err(std::io::Error::other("disk on fire")))
            }
        }
        let s = StreamSource::new(Box::new(Broken), StreamSchedule::new(MIB, 2));
        let pool = BufferPool::new(1);
        assert!(
            matches!(s.read(1, &pool).await, Err(SourceError::Io(m)) if m.contains("disk on fire"))
        );
    }
}
