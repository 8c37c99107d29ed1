//! The attempt loop: sign, send, read, and decide — retry (with backoff and budget), correct
//! the clock and retry once, force a credential refresh and retry once, or give up.

use std::sync::Arc;

use bytes::Bytes;
use cos_model::{CosError, Operation, ParseError, ResponseHead, SigningInput};
use http::HeaderValue;
use http::header::USER_AGENT;
use tracing::Instrument;

use super::error::{Error, ErrorKind};
use super::sign::AuthInfo;
use super::trace::{self, AttemptLog, AttemptObserver};
use super::{Client, RequestOptions};
use crate::body::Body;
use crate::clock::unix_millis;
use crate::error::{RequestState, TransportError, TransportErrorKind};
use crate::response_body::ResponseBody;
use crate::retry::{Failure, RetryClass};

/// The header the official SDKs send on retries.
const RETRY_HEADER: &str = "x-cos-sdk-retry";

/// A response whose body has not been read (from [`Client::execute_streaming`]).
#[derive(Debug)]
pub struct StreamingResponse {
    /// Status and headers.
    pub head: ResponseHead,
    /// The body, streaming.
    pub body: ResponseBody,
    /// How many times the request was sent.
    pub attempts: u32,
}

enum Finished<T> {
    Parsed(T),
    Stream(ResponseHead, ResponseBody),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Collect,
    Stream,
}

/// Why one attempt failed.
enum Failed {
    Transport(TransportError),
    Cos {
        error: CosError,
        head: ResponseHead,
    },
    Parse {
        error: ParseError,
        head: ResponseHead,
    },
    Final(ErrorKind),
}

impl Failed {
    fn cos(&self) -> Option<(&CosError, &ResponseHead)> {
        match self {
            Failed::Cos { error, head } => Some((error, head)),
            _ => None,
        }
    }

    /// Why the attempt failed, in a few words for logs (no message body, nothing secret).
    fn reason(&self) -> String {
        match self {
            Failed::Transport(e) => e.to_string(),
            Failed::Cos { error, .. } => error.code.as_str().to_owned(),
            Failed::Parse { head, .. } if head.status.is_success() => {
                "unreadable response body".to_owned()
            }
            Failed::Parse { head, .. } => format!("{} without a COS error body", head.status),
            Failed::Final(_) => "no request could be signed or sent".to_owned(),
        }
    }

    fn into_kind(self) -> ErrorKind {
        match self {
            Failed::Transport(e) => ErrorKind::Transport(e),
            Failed::Cos { error, .. } => ErrorKind::Service(error),
            Failed::Parse { error, .. } => ErrorKind::Response(error),
            Failed::Final(kind) => kind,
        }
    }
}

/// What to do after a failed attempt.
enum Next {
    RetryNow,
    Backoff(RetryClass),
    Stop(Error),
}

/// The state of one `execute` across its attempts.
struct Progress {
    attempts: u32,
    retries: u32,
    skew_retried: bool,
    refreshed: bool,
    last_retry_cost: u32,
    /// An attempt failed after the request may have reached the server.
    maybe_applied: bool,
}

impl Client {
    /// Runs `op`: builds, signs, sends, retries, parses.
    ///
    /// Each attempt is signed anew (`now + clock offset`, a short key time); retries follow the
    /// [`RetryPolicy`](crate::RetryPolicy) and carry `x-cos-sdk-retry: true`. A clock-skew
    /// answer corrects the offset and retries once; refused temporary credentials are refreshed
    /// once. Dropping the future cancels the request (its connection is not reused).
    pub async fn execute<O>(&self, op: &O) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        self.execute_with(op, &RequestOptions::default()).await
    }

    /// [`execute`](Self::execute) with per-call options (e.g. a body observer).
    pub async fn execute_with<O>(
        &self,
        op: &O,
        options: &RequestOptions,
    ) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self.run(op, options, Mode::Collect).await? {
            (Finished::Parsed(output), _) => Ok(output),
            (Finished::Stream(..), attempts) => Err(Error::new(
                ErrorKind::InvalidRequest("a collected request ended streaming".into()),
                op.name(),
                attempts,
            )),
        }
    }

    /// Runs `op` up to the response headers and returns the body unread (a download streams
    /// instead of landing in memory). Retries happen only before a successful head arrives; an
    /// error response is read (bounded) and parsed by `op` into the returned [`Error`].
    pub async fn execute_streaming<O>(
        &self,
        op: &O,
        options: &RequestOptions,
    ) -> Result<StreamingResponse, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self.run(op, options, Mode::Stream).await? {
            (Finished::Stream(head, body), attempts) => Ok(StreamingResponse {
                head,
                body,
                attempts,
            }),
            (Finished::Parsed(_), attempts) => Err(Error::new(
                ErrorKind::InvalidRequest("the operation accepted a non-success status".into()),
                op.name(),
                attempts,
            )),
        }
    }

    async fn run<O>(
        &self,
        op: &O,
        options: &RequestOptions,
        mode: Mode,
    ) -> Result<(Finished<O::Output>, u32), Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        let name = op.name();
        let request = op
            .build(&self.shared.endpoint, self.bucket.as_ref())
            .map_err(|e| Error::new(ErrorKind::Build(e), name, 0))?;
        let (parts, payload) = request.into_parts();
        let signing = parts
            .extensions
            .get::<SigningInput>()
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidRequest("the built request has no SigningInput".into()),
                    name,
                    0,
                )
                .with_request(&parts.method, &parts.uri)
            })?;
        let body = Body::from(payload);
        let span = trace::request_span(
            name,
            &self.shared.endpoint,
            self.bucket.as_ref(),
            &signing,
            options.target_in_parent_span,
        );
        self.attempts(op, options, mode, &parts, &signing, body)
            .instrument(span)
            .await
    }

    /// The attempt loop of [`run`](Self::run), inside the operation's span.
    async fn attempts<O>(
        &self,
        op: &O,
        options: &RequestOptions,
        mode: Mode,
        parts: &http::request::Parts,
        signing: &SigningInput,
        body: Body,
    ) -> Result<(Finished<O::Output>, u32), Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        let mut progress = Progress {
            attempts: 0,
            retries: 0,
            skew_retried: false,
            refreshed: false,
            last_retry_cost: 0,
            maybe_applied: false,
        };
        loop {
            progress.attempts += 1;
            let observer = Arc::new(AttemptObserver::new(options.observer.clone()));
            let attempt_body = body.replay().with_observer(observer.clone());
            let result = self
                .attempt(
                    op,
                    parts,
                    signing,
                    attempt_body,
                    progress.attempts > 1,
                    mode,
                    &observer,
                )
                .instrument(trace::attempt_span(progress.attempts))
                .await;
            let (failed, auth) = match result {
                Ok(done) => {
                    self.shared
                        .retry
                        .budget()
                        .record_success(progress.last_retry_cost);
                    return Ok((done, progress.attempts));
                }
                Err(failure) => failure,
            };
            observer.rewind();
            let why = failed.reason();
            let status = failed.cos().map(|(_, head)| head.status.as_u16());
            match self.decide(op, failed, auth, &mut progress) {
                Next::RetryNow => {}
                Next::Backoff(class) => {
                    let delay = self.shared.retry.delay(class, progress.retries);
                    tracing::info!(
                        attempt = progress.attempts,
                        status,
                        why = %why,
                        class = ?class,
                        delay_ms = trace::millis(delay),
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Next::Stop(error) => {
                    tracing::debug!(
                        attempts = progress.attempts,
                        why = %why,
                        budget_exhausted = error.budget_exhausted(),
                        "not retried"
                    );
                    let error = error.with_request(&parts.method, &parts.uri);
                    return Err(if progress.maybe_applied {
                        error.with_maybe_applied()
                    } else {
                        error
                    });
                }
            }
        }
    }

    fn decide<O: Operation>(
        &self,
        op: &O,
        failed: Failed,
        auth: AuthInfo,
        progress: &mut Progress,
    ) -> Next {
        let name = op.name();
        progress.maybe_applied |= match &failed {
            Failed::Transport(e) => e.may_have_reached_server(),
            Failed::Parse { head, .. } => head.status.is_success(),
            _ => false,
        };
        let stop = |failed: Failed, attempts: u32| {
            // a failure to authorise happens before anything is sent
            let sent = if matches!(failed, Failed::Final(_)) {
                attempts.saturating_sub(1)
            } else {
                attempts
            };
            Next::Stop(Error::new(failed.into_kind(), name, sent))
        };

        if let Some((cos, head)) = failed.cos() {
            // permanent keys refused: nothing a retry or a refresh can mend
            if cos.is_credential_expired() && !(auth.had_token || auth.remote) {
                return Next::Stop(Error::new(
                    ErrorKind::CredentialsRefused {
                        error: cos.clone(),
                        temporary: false,
                        refreshed: false,
                    },
                    name,
                    progress.attempts,
                ));
            }
            // temporary credentials refused: one forced refresh, one retry, then a typed error
            if cos.is_credential_expired() {
                let provider = &self.shared.credentials;
                if !progress.refreshed && provider.can_refresh() {
                    progress.refreshed = true;
                    if let Some(generation) = auth.generation {
                        provider.invalidate(generation);
                    }
                    tracing::info!(
                        operation = name,
                        code = cos.code.as_str(),
                        "credentials refused; refreshing"
                    );
                    return Next::RetryNow;
                }
                let error = cos.clone();
                return Next::Stop(Error::new(
                    ErrorKind::CredentialsRefused {
                        error,
                        temporary: true,
                        refreshed: progress.refreshed,
                    },
                    name,
                    progress.attempts,
                ));
            }
            // clock skew: learn the server's time, retry once
            if cos.is_clock_skew() && !progress.skew_retried {
                let moved_meanwhile = self.shared.offset.millis() != auth.offset_used;
                let server = head.date().or_else(|| cos.server_time());
                let learnt = server.is_some_and(|t| {
                    let secs = u64::try_from(unix_millis(t).max(0) / 1000).unwrap_or(0);
                    self.shared.offset.learn(
                        secs,
                        self.shared.clock.now(),
                        self.shared.skew_threshold,
                    )
                });
                if moved_meanwhile || learnt {
                    progress.skew_retried = true;
                    tracing::info!(
                        attempt = progress.attempts,
                        offset_ms = self.shared.offset.millis(),
                        previous_offset_ms = auth.offset_used,
                        "clock skew corrected; retrying"
                    );
                    return Next::RetryNow;
                }
            }
        }

        let idempotent = op.idempotent();
        let class = match &failed {
            Failed::Transport(e) => self
                .shared
                .retry
                .classify(Failure::Transport(e), idempotent),
            Failed::Cos { error, head } => self.shared.retry.classify(
                Failure::Response {
                    status: head.status.as_u16(),
                    code: Some(error.code.as_str()),
                },
                idempotent,
            ),
            Failed::Parse { head, .. } if head.status.is_success() => {
                // a 2xx whose body is cut short or garbled: the request took effect or not
                let maybe = TransportError::new(TransportErrorKind::Body, RequestState::MaybeSent);
                self.shared
                    .retry
                    .classify(Failure::Transport(&maybe), idempotent)
            }
            Failed::Parse { head, .. } => self.shared.retry.classify(
                Failure::Response {
                    status: head.status.as_u16(),
                    code: None,
                },
                idempotent,
            ),
            Failed::Final(_) => None,
        };
        let Some(class) = class else {
            return stop(failed, progress.attempts);
        };
        if progress.retries + 1 >= self.shared.retry.max_attempts() {
            return stop(failed, progress.attempts);
        }
        let budget = self.shared.retry.budget();
        let cost = budget.cost(class.is_timeout());
        if !budget.try_withdraw(cost) {
            tracing::warn!(operation = name, "retry budget exhausted");
            return match stop(failed, progress.attempts) {
                Next::Stop(e) => Next::Stop(e.with_budget_exhausted()),
                other => other,
            };
        }
        progress.retries += 1;
        progress.last_retry_cost = cost;
        Next::Backoff(class)
    }

    /// One attempt, logged as one `debug` event when it was sent.
    #[allow(clippy::too_many_arguments)]
    async fn attempt<O>(
        &self,
        op: &O,
        parts: &http::request::Parts,
        signing: &SigningInput,
        body: Body,
        is_retry: bool,
        mode: Mode,
        observer: &AttemptObserver,
    ) -> Result<Finished<O::Output>, (Failed, AuthInfo)>
    where
        O: Operation + Sync,
    {
        let mut log = AttemptLog::start();
        let result = self
            .exchange(op, parts, signing, body, is_retry, mode, &mut log)
            .await;
        let reason = result.as_ref().err().map(|(failed, _)| failed.reason());
        log.finish(
            &parts.method,
            &parts.uri,
            observer.sent(),
            reason.as_deref(),
        );
        result
    }

    /// Signs and sends one attempt and reads its answer, noting in `log` what it learns.
    #[allow(clippy::too_many_arguments)]
    async fn exchange<O>(
        &self,
        op: &O,
        parts: &http::request::Parts,
        signing: &SigningInput,
        body: Body,
        is_retry: bool,
        mode: Mode,
        log: &mut AttemptLog,
    ) -> Result<Finished<O::Output>, (Failed, AuthInfo)>
    where
        O: Operation + Sync,
    {
        let mut headers = parts.headers.clone();
        if is_retry {
            headers.insert(RETRY_HEADER, HeaderValue::from_static("true"));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.shared.user_agent.clone());
        }
        // PostObject carries its signature in the form; a header signature would be a second,
        // unrequested credential on the request.
        let auth = if op.signed_by_header() {
            self.authorize(op.name(), parts, signing, &mut headers)
                .await
                .map_err(|kind| (Failed::Final(kind), AuthInfo::default()))?
        } else {
            AuthInfo::default()
        };

        let mut request = http::Request::new(body);
        *request.method_mut() = parts.method.clone();
        *request.uri_mut() = parts.uri.clone();
        *request.version_mut() = parts.version;
        *request.headers_mut() = headers;

        log.sent = true;
        let response = self
            .shared
            .transport
            .send_dyn(request)
            .await
            .map_err(|e| (Failed::Transport(with_peer(e, &parts.uri)), auth))?;
        let (response, body) = response.into_parts();
        let head = ResponseHead::new(response.status, response.headers);
        log.status = Some(head.status.as_u16());
        log.request_id = head.request_id().map(str::to_owned);
        let success = head.status.is_success();
        if mode == Mode::Stream && success {
            return Ok(Finished::Stream(head, body));
        }
        let limit = if success {
            op.response_body_limit()
        } else {
            self.shared.error_body_limit
        };
        let bytes = match body.collect_limited(limit).await {
            Ok(bytes) => bytes,
            Err(e) if success => return Err((Failed::Transport(with_peer(e, &parts.uri)), auth)),
            Err(e) => {
                // an error status is an answer even when its body cannot be read
                tracing::debug!(error = %e, status = head.status.as_u16(), "error body unreadable");
                Bytes::new()
            }
        };
        log.received = Some(bytes.len() as u64);
        match op.parse(&head, bytes.clone()) {
            Ok(output) if mode == Mode::Collect => Ok(Finished::Parsed(output)),
            Ok(_) => Ok(Finished::Stream(head, ResponseBody::full(bytes))),
            Err(ParseError::Cos(error)) => Err((Failed::Cos { error, head }, auth)),
            Err(error) => Err((Failed::Parse { error, head }, auth)),
        }
    }
}

/// Names the server a transport failure concerns when the transport did not (a test double,
/// a body that stalled after the head arrived).
fn with_peer(error: TransportError, uri: &http::Uri) -> TransportError {
    if error.peer().is_some() {
        return error;
    }
    match crate::error::peer_of(uri) {
        Some(peer) => error.with_peer(peer),
        None => error,
    }
}
