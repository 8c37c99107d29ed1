//! The conformance cases, one module per concern. Each case is an
//! `async fn(&Context) -> Outcome`; `tests/conformance.rs` runs every one of them.

pub mod addressing;
pub mod auth;
pub mod bucket;
pub mod copy;
pub mod cors;
pub mod delete_multiple;
pub mod faults;
pub mod keys;
pub mod listing;
pub mod multipart;
pub mod object_ops;
pub mod objects;
pub mod post_object;
pub mod presign;
pub mod scoped;
pub mod skew;
pub mod temporary;
