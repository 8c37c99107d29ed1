//! The COS conformance suite, run against the emulator or, given credentials, real COS.
