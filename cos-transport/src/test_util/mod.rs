//! Test decorators (feature `test-util`): a [`MockTransport`] answering by rules, a seeded
//! [`FaultTransport`] wrapping any transport, a [`RecordingTransport`], and
//! [`capture_logs`] for tests that read what the crates log.

mod fault;
mod logs;
mod mock;
mod recording;

pub use fault::{Fault, FaultSpec, FaultTransport};
pub use logs::{LogCapture, capture_logs};
pub use mock::{MockReply, MockResponse, MockTransport, Rule};
pub use recording::{Record, RecordedRequest, RecordingTransport};
