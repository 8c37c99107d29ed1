//! Test decorators (feature `test-util`): a [`MockTransport`] answering by rules, a seeded
//! [`FaultTransport`] wrapping any transport, and a [`RecordingTransport`].

mod fault;
mod mock;
mod recording;

pub use fault::{Fault, FaultSpec, FaultTransport};
pub use mock::{MockReply, MockResponse, MockTransport, Rule};
pub use recording::{Record, RecordedRequest, RecordingTransport};
