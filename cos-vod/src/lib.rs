//! The VOD-style upload list on top of cos-upload: add, delete, cancel, resume, list, start, stop, per-file credentials and events.
