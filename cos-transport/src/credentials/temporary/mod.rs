//! [`TemporaryKey`], the one client-side temporary (STS) key type of the workspace, and
//! [`TemporaryCredentials`]: such keys from an async callback (the getAuthorization / getSTS
//! pattern), cached and refreshed ahead of expiry, with exactly one refresh in flight however
//! many requests wait for it.
//!
//! A key's `start_time` is the issuing server's clock at issue time: it anchors the client's
//! clock offset (the same correction the client otherwise learns from a response's `Date` on
//! `RequestTimeTooSkewed`) and, with the local time elapsed since the fetch, estimates the
//! server's "now" for deciding when the key is due for refresh.
//!
//! What the provider does with a key that lacks some of its parts:
//! - no security token: it signs without `x-cos-security-token` (permanent keys handed out
//!   by a callback, as in tests);
//! - no `start_time`: the key anchors nothing, is not assumed valid before it was fetched, and
//!   its lifetime is counted from the fetch (on the client's corrected clock);
//! - no `expired_time`: the key is used until COS refuses it, then the callback is asked again;
//! - refused with [`CredentialError::Invalid`]: an empty id or secret, an `expired_time` not
//!   after the `start_time`, and, for a key without `start_time` (so nothing can correct the
//!   client's clock), an `expired_time` already past when it is fetched.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_sign::Credentials;
use zeroize::Zeroizing;

use super::{
    ClockAnchor, CredentialError, CredentialProvider, ProvidedKeys, SigningContext,
    SigningMaterial, keys_at,
};
use crate::error::BoxError;
use crate::transport::BoxFuture;

/// Temporary (STS) keys: what a [`TemporaryCredentials`] callback returns, and what the
/// crates above hand around per upload.
///
/// The secret key and the security token are wiped from memory when the value is dropped;
/// `Debug` shows the id and the times, never the secret or the token.
///
/// ```
/// # use cos_transport::TemporaryKey;
/// let key = TemporaryKey::new("AKIDtmp", "k3y-value")
///     .with_security_token("t0ken-value")
///     .with_start_time(1_700_000_000)
///     .with_expired_time(1_700_001_800);
/// assert_eq!(key.security_token(), Some("t0ken-value"));
/// let shown = format!("{key:?}");
/// assert!(shown.contains("AKIDtmp") && shown.contains("1700001800"));
/// assert!(!shown.contains("k3y-value") && !shown.contains("t0ken-value"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TemporaryKey {
    secret_id: String,
    secret_key: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
    start_time: Option<u64>,
    expired_time: Option<u64>,
}

impl TemporaryKey {
    /// A key pair (`TmpSecretId`, `TmpSecretKey`) without a token or times; add them with the
    /// `with_*` methods. Without a token these are permanent keys (tests, debugging).
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: Zeroizing::new(secret_key.into()),
            security_token: None,
            start_time: None,
            expired_time: None,
        }
    }

    /// Adds the security token (`SecurityToken` / `sessionToken`).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Zeroizing::new(token.into()));
        self
    }

    /// Sets `StartTime`: the issuing server's Unix second when the key was issued.
    pub fn with_start_time(mut self, unix_secs: u64) -> Self {
        self.start_time = Some(unix_secs);
        self
    }

    /// Sets `ExpiredTime`: the Unix second after which COS refuses the key.
    pub fn with_expired_time(mut self, unix_secs: u64) -> Self {
        self.expired_time = Some(unix_secs);
        self
    }

    /// Sets when the key expires, as a `SystemTime` (kept to the whole second, rounded down;
    /// a time before 1970 is the epoch, i.e. long expired).
    pub fn with_expiration(self, at: SystemTime) -> Self {
        let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.with_expired_time(secs)
    }

    /// The `TmpSecretId`.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The `TmpSecretKey`.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The security token, if any.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref().map(String::as_str)
    }

    /// `StartTime`, if known: the issuing server's Unix second at issue.
    pub fn start_time(&self) -> Option<u64> {
        self.start_time
    }

    /// `ExpiredTime`, if known: the Unix second after which the key is refused.
    pub fn expired_time(&self) -> Option<u64> {
        self.expired_time
    }

    /// `ExpiredTime` as a `SystemTime`, if known.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.expired_time
            .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
    }

    /// Whether the key is expired at `now`, or expires within `margin` of it. A key without
    /// an expiry never is.
    pub fn is_expired(&self, now: SystemTime, margin: Duration) -> bool {
        let Some(expires) = self.expiration() else {
            // no expiry, or one beyond any representable time
            return false;
        };
        match now.checked_add(margin) {
            Some(deadline) => expires <= deadline,
            // a margin beyond any representable time: every expiry is within it
            None => true,
        }
    }

    /// The key pair and token for signing, taking the secrets out of `self` without copying
    /// them.
    fn into_credentials(mut self) -> Credentials {
        let secret_key = std::mem::take(&mut *self.secret_key);
        let mut credentials = Credentials::new(std::mem::take(&mut self.secret_id), secret_key);
        if let Some(mut token) = self.security_token.take().filter(|t| !t.is_empty()) {
            credentials = credentials.with_security_token(std::mem::take(&mut *token));
        }
        credentials
    }
}

impl fmt::Debug for TemporaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryKey")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &format_args!("[redacted]"))
            .field(
                "security_token",
                &self
                    .security_token
                    .as_ref()
                    .map(|_| format_args!("[redacted]")),
            )
            .field("start_time", &self.start_time)
            .field("expired_time", &self.expired_time)
            .finish()
    }
}

type FetchFn = dyn Fn() -> BoxFuture<'static, Result<TemporaryKey, BoxError>> + Send + Sync;

#[derive(Debug)]
struct Cached {
    credentials: Credentials,
    /// The key's `StartTime` (the issuing server's clock), if it had one.
    issued: Option<u64>,
    /// Where the key's lifetime starts on the server's clock: its `StartTime`, else the
    /// client's corrected clock at the fetch.
    start: u64,
    /// The key's `ExpiredTime`, if it had one.
    expires: Option<u64>,
    generation: u64,
    fetched_local: SystemTime,
}

impl Cached {
    /// The server's time now, estimated pessimistically (the later of the client's corrected
    /// clock and the key's start plus the local time elapsed since the fetch).
    fn server_now(&self, ctx: &SigningContext<'_>) -> u64 {
        let elapsed = ctx
            .local_now
            .duration_since(self.fetched_local)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        ctx.server_now.max(self.start.saturating_add(elapsed))
    }

    /// Whether more than `margin` (capped at `lifetime / divisor`, so a short-lived key is
    /// not refetched for every request) is left before the key expires. A key without an
    /// expiry always has.
    fn has_left(&self, ctx: &SigningContext<'_>, margin: u64, divisor: u64) -> bool {
        let Some(expires) = self.expires else {
            return true;
        };
        let lifetime = expires.saturating_sub(self.start);
        let margin = margin.min(lifetime / divisor);
        self.server_now(ctx).saturating_add(margin) < expires
    }

    /// Fresh: more than the refresh margin left (at most half the lifetime).
    fn is_fresh(&self, ctx: &SigningContext<'_>, refresh_before: Duration) -> bool {
        self.has_left(ctx, refresh_before.as_secs(), 2)
    }

    /// Still usable when a refresh fails: some seconds left.
    fn is_usable(&self, ctx: &SigningContext<'_>) -> bool {
        self.has_left(ctx, 30, 4)
    }

    fn material(&self, anchor: bool) -> SigningMaterial {
        SigningMaterial::Keys(ProvidedKeys {
            credentials: self.credentials.clone(),
            valid_from: self.issued,
            expires_at: self.expires,
            generation: self.generation,
            anchor: self.issued.filter(|_| anchor).map(|issued| ClockAnchor {
                server_unix: issued,
                observed_at: self.fetched_local,
            }),
        })
    }
}

struct Inner {
    fetch: Box<FetchFn>,
    refresh_before: Duration,
    use_start_time_as_anchor: bool,
    cache: Mutex<Option<Arc<Cached>>>,
    refresh: tokio::sync::Mutex<()>,
    next_generation: AtomicU64,
    fetches: AtomicU64,
}

/// Temporary (STS) keys from an async callback. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct TemporaryCredentials {
    inner: Arc<Inner>,
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.cached();
        f.debug_struct("TemporaryCredentials")
            .field("refresh_before", &self.inner.refresh_before)
            .field("cached_generation", &cached.as_ref().map(|c| c.generation))
            .field("cached_expires", &cached.as_ref().and_then(|c| c.expires))
            .field("fetches", &self.fetches())
            .finish()
    }
}

/// Builder of [`TemporaryCredentials`].
pub struct TemporaryCredentialsBuilder {
    fetch: Box<FetchFn>,
    refresh_before: Duration,
    use_start_time_as_anchor: bool,
}

impl fmt::Debug for TemporaryCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryCredentialsBuilder")
            .field("refresh_before", &self.refresh_before)
            .field("use_start_time_as_anchor", &self.use_start_time_as_anchor)
            .finish_non_exhaustive()
    }
}

impl TemporaryCredentialsBuilder {
    /// Refresh when less than this is left before `expired_time` (default 5 min; never more
    /// than half the key's lifetime).
    pub fn refresh_before(mut self, before: Duration) -> Self {
        self.refresh_before = before;
        self
    }

    /// Whether the key's `start_time` anchors the client's clock offset (default `true`; turn
    /// it off when your callback hands out cached keys whose `start_time` is not "now").
    pub fn use_start_time_as_clock_anchor(mut self, anchor: bool) -> Self {
        self.use_start_time_as_anchor = anchor;
        self
    }

    /// Builds the provider.
    pub fn build(self) -> TemporaryCredentials {
        TemporaryCredentials {
            inner: Arc::new(Inner {
                fetch: self.fetch,
                refresh_before: self.refresh_before,
                use_start_time_as_anchor: self.use_start_time_as_anchor,
                cache: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
                next_generation: AtomicU64::new(1),
                fetches: AtomicU64::new(0),
            }),
        }
    }
}

impl TemporaryCredentials {
    /// A provider calling `fetch` whenever keys are missing or due for refresh.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<TemporaryKey, BoxError>> + Send + 'static,
    {
        Self::builder(fetch).build()
    }

    /// A builder around `fetch`.
    pub fn builder<F, Fut>(fetch: F) -> TemporaryCredentialsBuilder
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<TemporaryKey, BoxError>> + Send + 'static,
    {
        TemporaryCredentialsBuilder {
            fetch: Box::new(move || Box::pin(fetch())),
            refresh_before: Duration::from_secs(300),
            use_start_time_as_anchor: true,
        }
    }

    /// How many times the callback has been called.
    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The keys a request signed now would use — the cached ones while fresh, else fetched
    /// anew (one fetch in flight) — for callers that hand keys on rather than sign with them
    /// (a backend answering a frontend's `getAuthorization`). `now` is this machine's clock.
    pub async fn current_key(&self, now: SystemTime) -> Result<TemporaryKey, CredentialError> {
        let keys = keys_at(self, now).await?;
        let c = &keys.credentials;
        let mut key = TemporaryKey::new(c.secret_id(), c.secret_key());
        if let Some(token) = c.security_token() {
            key = key.with_security_token(token);
        }
        if let Some(start) = keys.valid_from {
            key = key.with_start_time(start);
        }
        if let Some(expires) = keys.expires_at {
            key = key.with_expired_time(expires);
        }
        Ok(key)
    }

    fn cached(&self) -> Option<Arc<Cached>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn store(&self, cached: Option<Arc<Cached>>) {
        *self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = cached;
    }

    async fn get(&self, ctx: &SigningContext<'_>) -> Result<SigningMaterial, CredentialError> {
        let anchor = self.inner.use_start_time_as_anchor;
        let refresh_before = self.inner.refresh_before;
        if let Some(c) = self.cached().filter(|c| c.is_fresh(ctx, refresh_before)) {
            return Ok(c.material(anchor));
        }
        let _refreshing = self.inner.refresh.lock().await;
        // whoever held the lock before us may have refreshed already
        if let Some(c) = self.cached().filter(|c| c.is_fresh(ctx, refresh_before)) {
            return Ok(c.material(anchor));
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(operation = ctx.operation, "fetching temporary credentials");
        match (self.inner.fetch)().await {
            Ok(key) => {
                let cached = Arc::new(self.validate(key, ctx)?);
                self.store(Some(Arc::clone(&cached)));
                Ok(cached.material(anchor))
            }
            Err(err) => match self.cached().filter(|c| c.is_usable(ctx)) {
                Some(c) => {
                    tracing::warn!(error = %err, "credential refresh failed; using the cached key until it expires");
                    Ok(c.material(anchor))
                }
                None => Err(CredentialError::Fetch(err)),
            },
        }
    }

    fn validate(
        &self,
        key: TemporaryKey,
        ctx: &SigningContext<'_>,
    ) -> Result<Cached, CredentialError> {
        if key.secret_id().is_empty() || key.secret_key().is_empty() {
            return Err(CredentialError::Invalid(
                "empty TmpSecretId or TmpSecretKey".into(),
            ));
        }
        match (key.start_time(), key.expired_time()) {
            (Some(start), Some(expires)) if expires <= start => {
                return Err(CredentialError::Invalid(format!(
                    "ExpiredTime {expires} is not after StartTime {start}"
                )));
            }
            (None, Some(expires)) if expires <= ctx.server_now => {
                return Err(CredentialError::Invalid(format!(
                    "ExpiredTime {expires} is already past (the client's clock says {}) and \
                     the key has no StartTime to correct that clock with",
                    ctx.server_now
                )));
            }
            _ => {}
        }
        let issued = key.start_time();
        let expires = key.expired_time();
        Ok(Cached {
            credentials: key.into_credentials(),
            issued,
            start: issued.unwrap_or(ctx.server_now),
            expires,
            generation: self.inner.next_generation.fetch_add(1, Ordering::Relaxed),
            fetched_local: ctx.local_now,
        })
    }
}

impl CredentialProvider for TemporaryCredentials {
    fn provide<'a>(
        &'a self,
        ctx: &'a SigningContext<'a>,
    ) -> BoxFuture<'a, Result<SigningMaterial, CredentialError>> {
        Box::pin(self.get(ctx))
    }

    fn invalidate(&self, generation: u64) {
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.as_ref().is_some_and(|c| c.generation == generation) {
            tracing::info!(generation, "temporary credentials invalidated");
            *cache = None;
        }
    }

    fn can_refresh(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
