//! What the client tells `tracing`: an `info` span per operation (`request`: operation, bucket,
//! key, upload id, part number), a `debug` span per attempt, one `debug` event per attempt
//! (method, host, path, status, COS request id, duration, bytes sent and received) and `info`
//! events for retries and new credentials. Nothing here ever records a header value or a
//! query's signature, key id or token: paths go through the same filter as error messages
//! ([`display_url`](super::error::display_url)'s), and credentials are described by their
//! source, generation and expiry only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cos_model::{BucketName, Endpoint, SigningInput};
use tracing::field::{Empty, display};

use super::error::kept_query;
use crate::body::BodyObserver;
use crate::credentials::ProvidedKeys;

/// The span of one operation (all its attempts). The bucket, key and upload id are left out
/// when the caller's own span names them already ([`RequestOptions::target_in_parent_span`]).
///
/// [`RequestOptions::target_in_parent_span`]: super::RequestOptions::target_in_parent_span
pub(crate) fn request_span(
    operation: &'static str,
    endpoint: &Endpoint,
    bucket: Option<&BucketName>,
    signing: &SigningInput,
    named_by_parent: bool,
) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        operation = %operation,
        bucket = Empty,
        key = Empty,
        upload_id = Empty,
        part_number = Empty,
    );
    if span.is_disabled() {
        return span;
    }
    let query = |name: &str| {
        signing
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !named_by_parent {
        if let Some(bucket) = bucket {
            span.record("bucket", display(bucket));
        }
        if let Some(key) = key_of(&signing.path, bucket, endpoint.is_path_style()) {
            span.record("key", display(key));
        }
        if let Some(upload_id) = query("uploadId") {
            span.record("upload_id", display(upload_id));
        }
    }
    if let Some(part) = query("partNumber").and_then(|p| p.parse::<u32>().ok()) {
        span.record("part_number", part);
    }
    span
}

/// The object key in a signed path: `/{key}`, or `/{bucket}/{key}` in path style. `None` for
/// bucket-level requests.
fn key_of<'a>(path: &'a str, bucket: Option<&BucketName>, path_style: bool) -> Option<&'a str> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let key = match (path_style, bucket) {
        (true, Some(b)) => match rest.strip_prefix(b.as_str()) {
            Some("") => "",
            Some(after) => after.strip_prefix('/')?,
            None => rest,
        },
        _ => rest,
    };
    (!key.is_empty()).then_some(key)
}

/// The span of one attempt.
pub(crate) fn attempt_span(attempt: u32) -> tracing::Span {
    tracing::debug_span!("attempt", attempt)
}

/// What one attempt did, filled in as it goes and logged once at its end.
pub(crate) struct AttemptLog {
    started: Instant,
    /// The HTTP status, once a response head arrived.
    pub(crate) status: Option<u16>,
    /// `x-cos-request-id`, once a response head arrived.
    pub(crate) request_id: Option<String>,
    /// Response body bytes read (collected responses only).
    pub(crate) received: Option<u64>,
    /// Whether a request was handed to the transport at all (not when signing failed).
    pub(crate) sent: bool,
}

impl AttemptLog {
    pub(crate) fn start() -> Self {
        Self {
            started: Instant::now(),
            status: None,
            request_id: None,
            received: None,
            sent: false,
        }
    }

    /// Logs the attempt: one `debug` event with everything a reader of a slow or failing
    /// request needs. `error` is the short reason of a failed attempt.
    pub(crate) fn finish(
        self,
        method: &http::Method,
        uri: &http::Uri,
        body_sent: u64,
        error: Option<&str>,
    ) {
        if !self.sent || !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let duration_ms = millis(self.started.elapsed());
        let path = match kept_query(uri) {
            Some(query) => format!("{}?{query}", uri.path()),
            None => uri.path().to_owned(),
        };
        tracing::debug!(
            method = %method,
            host = %uri.host().unwrap_or(""),
            path = %path,
            status = self.status,
            request_id = self.request_id.as_deref().map(display),
            duration_ms,
            sent = body_sent,
            received = self.received,
            error = error.map(display),
            "attempt"
        );
    }
}

/// Counts one attempt's body bytes (for its log line) and forwards them to the caller's
/// observer, if any.
pub(crate) struct AttemptObserver {
    user: Option<Arc<dyn BodyObserver>>,
    sent: AtomicU64,
}

impl BodyObserver for AttemptObserver {
    fn on_sent(&self, bytes: u64) {
        self.sent.fetch_add(bytes, Ordering::Relaxed);
        if let Some(user) = &self.user {
            user.on_sent(bytes);
        }
    }
}

impl AttemptObserver {
    pub(crate) fn new(user: Option<Arc<dyn BodyObserver>>) -> Self {
        Self {
            user,
            sent: AtomicU64::new(0),
        }
    }

    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The attempt failed: hands its bytes back to the caller's observer.
    pub(crate) fn rewind(&self) {
        let sent = self.sent.swap(0, Ordering::Relaxed);
        if sent > 0
            && let Some(user) = &self.user
        {
            user.on_rewind(sent);
        }
    }
}

/// A duration in whole milliseconds, for event fields.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The short name of a provider type, for "where did the keys come from" (`TemporaryCredentials`,
/// not its module path or its callback's type).
pub(crate) fn provider_name<P: ?Sized>() -> &'static str {
    let full = std::any::type_name::<P>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Logs keys the client has not signed with before: the first set at `debug`, later ones
/// (a refresh) at `info`, with their source, generation and expiry. Static keys (generation
/// 0) are never reported. Never the keys.
pub(crate) fn new_keys(seen: &AtomicU64, source: &'static str, keys: &ProvidedKeys, now: u64) {
    if keys.generation == 0 {
        return;
    }
    let previous = seen.swap(keys.generation, Ordering::AcqRel);
    if previous == keys.generation {
        return;
    }
    let expires_in_s = keys.expires_at.map(|t| t.saturating_sub(now));
    if previous == 0 {
        tracing::debug!(
            source = %source,
            generation = keys.generation,
            expires_at = keys.expires_at,
            expires_in_s,
            temporary = keys.credentials.security_token().is_some(),
            "credentials obtained"
        );
    } else {
        tracing::info!(
            source = %source,
            generation = keys.generation,
            expires_at = keys.expires_at,
            expires_in_s,
            temporary = keys.credentials.security_token().is_some(),
            "credentials refreshed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_both_addressing_styles() {
        let bucket = BucketName::new("b-1250000000").unwrap();
        assert_eq!(key_of("/a/b.mp4", Some(&bucket), false), Some("a/b.mp4"));
        assert_eq!(
            key_of("/b-1250000000/a/b.mp4", Some(&bucket), true),
            Some("a/b.mp4")
        );
        assert_eq!(key_of("/b-1250000000/", Some(&bucket), true), None);
        assert_eq!(key_of("/b-1250000000", Some(&bucket), true), None);
        assert_eq!(key_of("/", Some(&bucket), false), None);
        assert_eq!(key_of("/", None, false), None);
    }

    #[test]
    fn provider_names_are_short() {
        assert_eq!(
            provider_name::<crate::StaticCredentials>(),
            "StaticCredentials"
        );
        assert_eq!(provider_name::<Vec<u8>>(), "Vec");
    }
}
