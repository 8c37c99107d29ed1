//! [`ListProgress`]: per-file and total progress of the list, folded from its events (and
//! seeded from `list_files()`), for bars, status lines and dashboards. Pure: feed it events
//! with [`ListProgress::apply`], or let [`VodUploader::progress_watch`] keep one up to date.
//!
//! [`VodUploader::progress_watch`]: crate::VodUploader::progress_watch

use std::time::Duration;

use crate::event::{CancelReason, VodEvent};
use crate::id::FileId;
use crate::snapshot::FileSnapshot;
use crate::state::FileState;

/// One file's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProgress {
    /// The file.
    pub id: FileId,
    /// Its display name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// Bytes done as the last event said (a resumed file starts at its checkpoint). Never
    /// goes back while the file is listed.
    pub bytes_done: u64,
    /// Where a bar stands: the resumed bytes plus the bytes on the wire, moving within a
    /// part. At least `bytes_done`; never goes back while the file is listed.
    pub bytes_sent: u64,
    /// Its speed in bytes per second while it uploads (0 otherwise), over the bytes this
    /// run sent itself: resumed bytes never count.
    pub speed: f64,
    /// Its state as the events tell it.
    pub state: FileState,
}

impl FileProgress {
    /// The fraction done in `0..=1` (1 for an empty file).
    pub fn fraction(&self) -> f64 {
        if self.size == 0 {
            1.0
        } else {
            (self.bytes_done as f64 / self.size as f64).min(1.0)
        }
    }

    /// [`bytes_sent`](Self::bytes_sent) as a fraction in `0..=1` (1 for an empty file).
    pub fn sent_fraction(&self) -> f64 {
        if self.size == 0 {
            1.0
        } else {
            (self.bytes_sent as f64 / self.size as f64).min(1.0)
        }
    }
}

/// The whole list's progress.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TotalProgress {
    /// Files in the list.
    pub files: usize,
    /// Files stored.
    pub succeeded: usize,
    /// Files uploading now.
    pub uploading: usize,
    /// The sum of the files' sizes.
    pub bytes_total: u64,
    /// The sum of the files' bytes done.
    pub bytes_done: u64,
    /// The sum of the files' [`bytes_sent`](FileProgress::bytes_sent): where a total bar
    /// stands.
    pub bytes_sent: u64,
    /// The sum of the uploading files' speeds, in bytes per second (this run's bytes only).
    pub speed: f64,
    /// When the rest (`bytes_total - bytes_sent`) will have been sent at that speed (`None`
    /// without a speed; zero when nothing is left).
    pub eta: Option<Duration>,
}

impl TotalProgress {
    /// Percent of the bytes done, floored to two decimals (100 for an empty list).
    pub fn percent(&self) -> f64 {
        if self.bytes_total == 0 {
            return 100.0;
        }
        let ratio = self.bytes_done.min(self.bytes_total) as f64 / self.bytes_total as f64;
        (ratio * 10_000.0).floor() / 100.0
    }
}

/// Per-file and total progress of an upload list, in list order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListProgress {
    files: Vec<FileProgress>,
}

impl ListProgress {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The list as `list_files()` shows it now (then [`apply`](Self::apply) the events that
    /// follow).
    pub fn from_snapshots(snapshots: &[FileSnapshot]) -> Self {
        let mut files: Vec<&FileSnapshot> = snapshots.iter().collect();
        files.sort_by_key(|s| s.index);
        Self {
            files: files
                .into_iter()
                .map(|s| FileProgress {
                    id: s.id,
                    name: s.name.clone(),
                    size: s.size,
                    bytes_done: s.bytes_done.min(s.size),
                    bytes_sent: s.bytes_done.min(s.size),
                    speed: 0.0,
                    state: s.state,
                })
                .collect(),
        }
    }

    /// The files, in list order.
    pub fn files(&self) -> &[FileProgress] {
        &self.files
    }

    /// One file's progress.
    pub fn file(&self, id: FileId) -> Option<&FileProgress> {
        self.files.iter().find(|f| f.id == id)
    }

    /// The totals over every listed file.
    pub fn total(&self) -> TotalProgress {
        let mut t = TotalProgress {
            files: self.files.len(),
            ..TotalProgress::default()
        };
        for f in &self.files {
            t.bytes_total += f.size;
            t.bytes_done += f.bytes_done.min(f.size);
            t.bytes_sent += f.bytes_sent.max(f.bytes_done).min(f.size);
            match f.state {
                FileState::Success => t.succeeded += 1,
                FileState::Uploading => {
                    t.uploading += 1;
                    t.speed += f.speed.max(0.0);
                }
                _ => {}
            }
        }
        let rest = t.bytes_total.saturating_sub(t.bytes_sent);
        t.eta = if rest == 0 {
            Some(Duration::ZERO)
        } else if t.speed > 0.0 {
            Some(Duration::from_secs_f64(rest as f64 / t.speed))
        } else {
            None
        };
        t
    }

    fn entry(&mut self, id: FileId) -> Option<&mut FileProgress> {
        self.files.iter_mut().find(|f| f.id == id)
    }

    /// Puts a file at its position (replacing an entry with the same id).
    fn place(&mut self, index: usize, file: FileProgress) {
        self.files.retain(|f| f.id != file.id);
        let at = index.min(self.files.len());
        self.files.insert(at, file);
    }

    /// Folds one event in; returns whether anything changed.
    pub fn apply(&mut self, event: &VodEvent) -> bool {
        let stop = |f: &mut FileProgress, state: FileState| {
            f.state = state;
            f.speed = 0.0;
        };
        match event {
            VodEvent::FileAdded { file, size } => {
                let known = self.file(file.id).map(|f| (f.bytes_done, f.bytes_sent));
                let (done, sent) = known.unwrap_or((0, 0));
                self.place(
                    file.index,
                    FileProgress {
                        id: file.id,
                        name: file.name.clone(),
                        size: *size,
                        bytes_done: done.min(*size),
                        bytes_sent: sent.max(done).min(*size),
                        speed: 0.0,
                        state: FileState::Ready,
                    },
                );
            }
            VodEvent::Restored {
                file,
                size,
                state,
                bytes_done,
                ..
            } => self.place(
                file.index,
                FileProgress {
                    id: file.id,
                    name: file.name.clone(),
                    size: *size,
                    bytes_done: (*bytes_done).min(*size),
                    bytes_sent: (*bytes_done).min(*size),
                    speed: 0.0,
                    state: *state,
                },
            ),
            VodEvent::UploadStarted { file, .. } => match self.entry(file.id) {
                Some(f) => f.state = FileState::Uploading,
                None => return false,
            },
            VodEvent::Progress {
                file,
                bytes_done,
                bytes_total,
                speed,
                bytes_sent,
            } => match self.entry(file.id) {
                Some(f) => {
                    f.size = *bytes_total;
                    f.bytes_done = f.bytes_done.max(*bytes_done).min(f.size);
                    f.bytes_sent = f.bytes_sent.max(*bytes_sent).max(f.bytes_done).min(f.size);
                    f.speed = speed.max(0.0);
                    f.state = FileState::Uploading;
                }
                None => return false,
            },
            VodEvent::TokenExpired { file } => match self.entry(file.id) {
                Some(f) => stop(f, FileState::AwaitingAuth),
                None => return false,
            },
            VodEvent::Paused { file } => match self.entry(file.id) {
                Some(f) => stop(f, FileState::Paused),
                None => return false,
            },
            VodEvent::Canceled { file, reason } => {
                if *reason == CancelReason::Removed {
                    let before = self.files.len();
                    self.files.retain(|f| f.id != file.id);
                    return self.files.len() != before;
                }
                match self.entry(file.id) {
                    Some(f) => stop(f, FileState::Canceled),
                    None => return false,
                }
            }
            VodEvent::Succeeded { file, result } => match self.entry(file.id) {
                Some(f) => {
                    f.size = result.bytes;
                    f.bytes_done = result.bytes;
                    f.bytes_sent = result.bytes;
                    stop(f, FileState::Success);
                }
                None => return false,
            },
            VodEvent::Failed { file, .. } => match self.entry(file.id) {
                Some(f) => stop(f, FileState::Failure),
                None => return false,
            },
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FileRef, UploadResult};

    fn file(id: u64, index: usize, name: &str) -> FileRef {
        FileRef {
            id: FileId::from_raw(id),
            index,
            name: name.into(),
        }
    }

    fn progress(id: u64, index: usize, done: u64, total: u64, speed: f64) -> VodEvent {
        VodEvent::Progress {
            file: file(id, index, "x"),
            bytes_done: done,
            bytes_total: total,
            speed,
            bytes_sent: done,
        }
    }

    #[test]
    fn files_and_totals_follow_the_events() {
        let mut p = ListProgress::new();
        p.apply(&VodEvent::FileAdded {
            file: file(1, 0, "a.mp4"),
            size: 1000,
        });
        p.apply(&VodEvent::FileAdded {
            file: file(2, 1, "b.mp4"),
            size: 3000,
        });
        p.apply(&VodEvent::FileAdded {
            file: file(3, 2, "c.mp4"),
            size: 500,
        });
        for id in [1, 2] {
            p.apply(&VodEvent::UploadStarted {
                file: file(id, id as usize - 1, "x"),
                needs_auth: false,
            });
        }
        assert!(p.apply(&progress(1, 0, 400, 1000, 100.0)));
        assert!(p.apply(&progress(2, 1, 1000, 3000, 300.0)));
        // an older report arriving late does not move a file back
        p.apply(&progress(2, 1, 600, 3000, 300.0));
        let t = p.total();
        assert_eq!((t.files, t.uploading, t.succeeded), (3, 2, 0));
        assert_eq!((t.bytes_done, t.bytes_total), (1400, 4500));
        assert_eq!(t.speed, 400.0);
        assert_eq!(t.eta, Some(Duration::from_secs_f64(3100.0 / 400.0)));
        assert_eq!(t.percent(), 31.11);
        assert_eq!(p.file(FileId::from_raw(1)).unwrap().fraction(), 0.4);

        p.apply(&VodEvent::Succeeded {
            file: file(1, 0, "a.mp4"),
            result: UploadResult {
                bucket: "b-1250000000".into(),
                region: "ap-guangzhou".into(),
                key: "a.mp4".into(),
                etag: "\"e\"".into(),
                crc64: Some(1),
                bytes: 1000,
            },
        });
        p.apply(&VodEvent::Paused {
            file: file(2, 1, "b.mp4"),
        });
        let t = p.total();
        assert_eq!((t.succeeded, t.uploading, t.bytes_done), (1, 0, 2000));
        assert_eq!((t.speed, t.eta), (0.0, None), "nothing uploads: no ETA");
        assert_eq!(p.files()[1].state, FileState::Paused);

        // a removed file leaves the list and the totals
        p.apply(&VodEvent::Canceled {
            file: file(2, 1, "b.mp4"),
            reason: CancelReason::Removed,
        });
        let names: Vec<&str> = p.files().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.mp4", "c.mp4"]);
        assert_eq!(p.total().bytes_total, 1500);
        assert!(
            !p.apply(&progress(9, 0, 1, 2, 1.0)),
            "unknown files are ignored"
        );
    }

    #[test]
    fn bars_follow_the_wire_and_the_eta_only_this_runs_speed() {
        let mut p = ListProgress::new();
        p.apply(&VodEvent::Restored {
            file: file(1, 0, "a.mp4"),
            size: 1000,
            state: FileState::Paused,
            bytes_done: 600,
            error: None,
        });
        let sent = |done, sent, speed| VodEvent::Progress {
            file: file(1, 0, "a.mp4"),
            bytes_done: done,
            bytes_total: 1000,
            speed,
            bytes_sent: sent,
        };
        assert_eq!(
            p.files()[0].bytes_sent,
            600,
            "a restored file starts at its checkpoint"
        );
        p.apply(&sent(600, 800, 100.0));
        let f = p.file(FileId::from_raw(1)).unwrap();
        assert_eq!((f.bytes_done, f.bytes_sent), (600, 800));
        assert_eq!(f.sent_fraction(), 0.8);
        let t = p.total();
        assert_eq!((t.bytes_done, t.bytes_sent), (600, 800));
        assert_eq!(
            t.eta,
            Some(Duration::from_secs(2)),
            "200 bytes left at 100 B/s"
        );
        // a late report never moves the bar back; an old-format event (no bytes_sent) neither
        p.apply(&sent(600, 700, 100.0));
        p.apply(&sent(700, 0, 100.0));
        let f = p.file(FileId::from_raw(1)).unwrap();
        assert_eq!((f.bytes_done, f.bytes_sent), (700, 800));
    }

    #[test]
    fn a_list_without_bytes_is_complete() {
        let mut p = ListProgress::new();
        assert_eq!(p.total().percent(), 100.0);
        p.apply(&VodEvent::FileAdded {
            file: file(1, 0, "empty"),
            size: 0,
        });
        assert_eq!(p.total().eta, Some(Duration::ZERO));
        assert_eq!(p.files()[0].fraction(), 1.0);
    }
}
