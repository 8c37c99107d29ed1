//! The accept loop: hyper HTTP/1.1 connections on a bound listener, each request handed to
//! [`crate::service::handle`] (COS) or [`crate::sts_api::handle`] (the STS API), stopped
//! gracefully on request.

use crate::shared::Shared;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long open connections get to finish after a shutdown request.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Which API a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// COS (XML API v5).
    Cos,
    /// Tencent Cloud STS (API 3.0).
    Sts,
}

/// Serves connections until `stop` fires, then lets open ones finish (up to [`SHUTDOWN_GRACE`]).
pub async fn run(
    listener: TcpListener,
    sh: Arc<Shared>,
    api: Api,
    mut stop: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let sh = sh.clone();
                let builder = {
                    let mut b = http1::Builder::new();
                    b.timer(TokioTimer::new()).keep_alive(true);
                    b
                };
                let io = TokioIo::new(stream);
                match api {
                    Api::Cos => {
                        let svc = service_fn(move |req| crate::service::handle(sh.clone(), peer, req));
                        let conn = graceful.watch(builder.serve_connection(io, svc));
                        tokio::spawn(async move {
                            if let Err(e) = conn.await {
                                tracing::debug!(%peer, error = %e, "connection ended");
                            }
                        });
                    }
                    Api::Sts => {
                        let svc = service_fn(move |req| crate::sts_cors::handle(sh.clone(), peer, req));
                        let conn = graceful.watch(builder.serve_connection(io, svc));
                        tokio::spawn(async move {
                            if let Err(e) = conn.await {
                                tracing::debug!(%peer, error = %e, "STS connection ended");
                            }
                        });
                    }
                }
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => tracing::warn!("connections still open after the shutdown grace period"),
    }
}
