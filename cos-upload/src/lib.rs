//! The upload orchestrator: simple or multipart uploads with bounded memory, retries, progress, pause/cancel/resume and CRC64 end to end.
