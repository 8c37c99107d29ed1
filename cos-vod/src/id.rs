//! `FileId`: the stable, never-reused identity of a file in the list.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The stable identity of one file in an upload list.
///
/// Ids are handed out in increasing order by one list and never reused by it, so an id
/// kept in a UI closure can never name another file after a delete (the flaw of the
/// familiar SDK's indices). Displayed as `f<number>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileId(u64);

impl FileId {
    /// Wraps a raw number (ids are normally created by the list itself).
    pub const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// The raw number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "f{}", self.0)
    }
}

/// Names a file in a command: by stable id (the core API) or by its position in
/// `list_files()` at the moment the command is applied (the familiar index API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The file with this id.
    Id(FileId),
    /// The file at this position in the list, counted when the command is applied.
    Index(usize),
}

impl From<FileId> for Target {
    fn from(id: FileId) -> Self {
        Target::Id(id)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Id(id) => write!(f, "{id}"),
            Target::Index(i) => write!(f, "index {i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_serde() {
        let id = FileId::from_raw(7);
        assert_eq!(id.to_string(), "f7");
        assert_eq!(serde_json::to_string(&id).unwrap(), "7");
        assert_eq!(serde_json::from_str::<FileId>("7").unwrap(), id);
        assert_eq!(Target::Index(3).to_string(), "index 3");
    }
}
