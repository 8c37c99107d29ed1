//! What an upload attempt reports to the core: where it stands (throttled into progress
//! events) and how it ended. Reports of attempts already halted are ignored.

use super::{Effect, EngineProgress, ListCore, Outcome};
use crate::event::VodEvent;
use crate::id::FileId;
use crate::transition::FileOp;

impl ListCore {
    /// Where an attempt stands (a bare `u64` is acknowledged bytes); `now_ms` is any
    /// monotonic clock in milliseconds. Reports of other attempts are ignored.
    ///
    /// `bytes_done` follows the acknowledged bytes; `bytes_sent` the position (never back
    /// within an attempt, never behind `bytes_done`); the speed counts only the bytes this
    /// attempt sent, not the resumed ones.
    pub fn on_progress(
        &mut self,
        id: FileId,
        generation: u64,
        progress: impl Into<EngineProgress>,
        now_ms: u64,
    ) -> Vec<Effect> {
        let progress = progress.into();
        let Some(pos) = self.live_attempt(id, generation) else {
            return Vec::new();
        };
        let interval = self.config.progress_interval_ms;
        let e = &mut self.files[pos];
        e.bytes_done = progress.acknowledged.min(e.size);
        let (done, total) = (e.bytes_done, e.size);
        let sent = e.meter.advance(progress.position, done, total);
        let own = sent.saturating_sub(progress.resumed);
        match e.meter.observe(own, done >= total, now_ms, interval) {
            Some(speed) => vec![Effect::Emit(VodEvent::Progress {
                file: self.file_ref(pos),
                bytes_done: done,
                bytes_total: total,
                speed,
                bytes_sent: sent,
            })],
            None => Vec::new(),
        }
    }

    /// An attempt ended. Outcomes of other attempts (already halted) are ignored.
    pub fn on_outcome(&mut self, id: FileId, generation: u64, outcome: Outcome) -> Vec<Effect> {
        let Some(pos) = self.live_attempt(id, generation) else {
            return Vec::new();
        };
        let op = match &outcome {
            Outcome::Succeeded(_) => FileOp::Succeed,
            Outcome::Failed(_) => FileOp::Fail,
            Outcome::TokenExpired => FileOp::Expire,
        };
        let code = match &outcome {
            Outcome::Failed(error) => Some(error.code.as_str()),
            _ => None,
        };
        if self.apply_because(pos, op, code).is_err() {
            return Vec::new();
        }
        let file = self.file_ref(pos);
        let e = &mut self.files[pos];
        let event = match outcome {
            Outcome::Succeeded(result) => {
                e.bytes_done = e.size;
                e.error = None;
                e.key = Some(result.key.clone());
                e.result = Some(result.clone());
                VodEvent::Succeeded { file, result }
            }
            Outcome::Failed(error) => {
                e.error = Some(error.clone());
                VodEvent::Failed { file, error }
            }
            Outcome::TokenExpired => {
                e.has_grant = false;
                VodEvent::TokenExpired { file }
            }
        };
        let mut fx = vec![Effect::Emit(event)];
        self.settle(&mut fx);
        fx
    }
}
