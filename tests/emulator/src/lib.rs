//! A local COS server as strict as COS, for tests, benchmarks and the demo.
