//! `EventStream`: one subscriber's copy of the list's events, as a [`Stream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use crate::event::VodEvent;

/// The list's events, as a [`Stream`].
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<VodEvent>,
}

impl EventStream {
    pub(crate) fn new(rx: mpsc::UnboundedReceiver<VodEvent>) -> Self {
        Self { rx }
    }

    /// The next event (`None` once the list shut down).
    pub async fn recv(&mut self) -> Option<VodEvent> {
        self.rx.recv().await
    }
}

impl Stream for EventStream {
    type Item = VodEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<VodEvent>> {
        self.rx.poll_recv(cx)
    }
}
