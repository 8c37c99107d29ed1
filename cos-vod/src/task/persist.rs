//! The task's side of the state file: the list as saved (the core's rows with each file's
//! source, options and last target; never a credential), handed to the writer after every
//! change, and the restored files' sources and targets taken back in at the start.

use super::{Driver, FileSpec};
use crate::restore::RestoredSpec;
use crate::saved::{SavedFile, SavedList, SavedTarget, path_string, unix_ns};
use crate::source::FileSource;

impl Driver {
    /// Takes in what a restored list knows about its files besides the core's rows.
    pub(super) fn adopt(&mut self, files: Vec<RestoredSpec>) {
        for f in files {
            self.specs.insert(
                f.id,
                FileSpec {
                    name: f.name,
                    size: f.size,
                    source: FileSource::Path(f.path),
                    fingerprint: f.fingerprint,
                    key: f.key,
                    metadata: f.metadata,
                    modified: f.modified,
                },
            );
            if let Some(target) = f.target {
                self.saved_targets.insert(f.id, target);
            }
        }
    }

    /// The list as the state file keeps it. Files added from memory are left out (their data
    /// lived in this process), and so are paths that are not UTF-8.
    fn document(&self) -> SavedList {
        let files = self
            .core
            .snapshots()
            .into_iter()
            .filter_map(|s| {
                let spec = self.specs.get(&s.id)?;
                let FileSource::Path(path) = &spec.source else {
                    return None;
                };
                let Some(path) = path_string(path) else {
                    tracing::warn!(file = %s.id, "a path that is not UTF-8 is not kept across restarts");
                    return None;
                };
                let target = match self.targets.get(&s.id) {
                    Some(t) => Some(SavedTarget::of(t)),
                    None => self.saved_targets.get(&s.id).cloned(),
                };
                Some(SavedFile {
                    id: s.id,
                    name: s.name,
                    path,
                    size: spec.size,
                    modified_unix_ns: unix_ns(spec.modified),
                    key: spec.key.clone(),
                    metadata: spec.metadata.clone(),
                    user_data: s.user_data,
                    target,
                    state: s.state,
                    bytes_done: s.bytes_done,
                    result: s.result,
                    error: s.error,
                })
            })
            .collect();
        SavedList::new(self.core.next_id(), files)
    }

    /// Hands the list to the state file's writer (which skips it if only progress changed).
    pub(super) fn persist(&mut self) {
        if self.writer.is_none() {
            return;
        }
        let document = self.document();
        if let Some(writer) = &mut self.writer {
            writer.save(document);
        }
    }
}
