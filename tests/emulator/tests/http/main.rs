//! The emulator tested through real HTTP on 127.0.0.1: every operation, COS's error codes,
//! signatures, faults, POST Object, the binary's command line, and a property test of random
//! operation sequences against a simple model.

// Test helpers outside #[test] functions unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod cli;
mod common;
mod faults;
mod model;
mod operations;
mod post;
mod sts_cors;
