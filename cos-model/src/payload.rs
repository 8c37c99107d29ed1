//! `Payload`: the unsigned, replayable body of a request.

use bytes::Bytes;
use std::fmt;
use std::sync::Arc;

/// A request body: empty, one `Bytes`, or a list of `Bytes` sent back to back.
///
/// Cloning is cheap (reference counts, never a copy of the data), so a retry can resend it.
/// `Debug` shows sizes, never contents.
#[derive(Clone, Default)]
pub struct Payload {
    repr: Repr,
}

#[derive(Clone, Default)]
enum Repr {
    #[default]
    Empty,
    Single(Bytes),
    Chunks(Arc<[Bytes]>, u64),
}

impl Payload {
    /// No body (`Content-Length: 0` on PUT/POST).
    pub fn empty() -> Self {
        Self { repr: Repr::Empty }
    }

    /// A body made of `chunks` sent in order; empty chunks are dropped.
    pub fn from_chunks(chunks: Vec<Bytes>) -> Self {
        let mut chunks: Vec<Bytes> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        match chunks.len() {
            0 => Self::empty(),
            1 => Self::from(chunks.remove(0)),
            _ => {
                let len = chunks.iter().map(|c| c.len() as u64).sum();
                Self {
                    repr: Repr::Chunks(chunks.into(), len),
                }
            }
        }
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match &self.repr {
            Repr::Empty => 0,
            Repr::Single(b) => b.len() as u64,
            Repr::Chunks(_, len) => *len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunks, in order (none for an empty body).
    pub fn chunks(&self) -> &[Bytes] {
        match &self.repr {
            Repr::Empty => &[],
            Repr::Single(b) => std::slice::from_ref(b),
            Repr::Chunks(c, _) => c,
        }
    }

    /// The whole body as one `Bytes`: free for zero or one chunk, a copy otherwise.
    pub fn to_bytes(&self) -> Bytes {
        match &self.repr {
            Repr::Empty => Bytes::new(),
            Repr::Single(b) => b.clone(),
            Repr::Chunks(c, len) => {
                let mut v = Vec::with_capacity(usize::try_from(*len).unwrap_or(0));
                for chunk in c.iter() {
                    v.extend_from_slice(chunk);
                }
                Bytes::from(v)
            }
        }
    }
}

impl From<Bytes> for Payload {
    fn from(b: Bytes) -> Self {
        if b.is_empty() {
            Self::empty()
        } else {
            Self {
                repr: Repr::Single(b),
            }
        }
    }
}

impl From<Vec<u8>> for Payload {
    fn from(v: Vec<u8>) -> Self {
        Self::from(Bytes::from(v))
    }
}

impl From<&'static [u8]> for Payload {
    fn from(v: &'static [u8]) -> Self {
        Self::from(Bytes::from_static(v))
    }
}

impl From<&'static str> for Payload {
    fn from(v: &'static str) -> Self {
        Self::from(Bytes::from_static(v.as_bytes()))
    }
}

impl From<String> for Payload {
    fn from(v: String) -> Self {
        Self::from(Bytes::from(v))
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("len", &self.len())
            .field("chunks", &self.chunks().len())
            .finish()
    }
}

impl PartialEq for Payload {
    /// Equal when the bytes are equal, however they are chunked.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .chunks()
                .iter()
                .flat_map(|c| c.iter())
                .eq(other.chunks().iter().flat_map(|c| c.iter()))
    }
}

impl Eq for Payload {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_chunks() {
        assert_eq!(Payload::empty().len(), 0);
        assert!(Payload::empty().chunks().is_empty());
        let p = Payload::from_chunks(vec![
            Bytes::from_static(b"ab"),
            Bytes::new(),
            Bytes::from_static(b"cde"),
        ]);
        assert_eq!(p.len(), 5);
        assert_eq!(p.chunks().len(), 2);
        assert_eq!(p.to_bytes(), Bytes::from_static(b"abcde"));
        assert_eq!(p, Payload::from(Bytes::from_static(b"abcde")));
        assert_eq!(format!("{p:?}"), "Payload { len: 5, chunks: 2 }");
    }

    #[test]
    fn clone_shares_data() {
        let data = Bytes::from(vec![7u8; 1024]);
        let p = Payload::from_chunks(vec![data.clone(), data.clone()]);
        let q = p.clone();
        assert_eq!(p.chunks()[0].as_ptr(), q.chunks()[0].as_ptr());
        assert_eq!(p.chunks()[1].as_ptr(), data.as_ptr());
    }
}
