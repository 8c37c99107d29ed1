//! [`TemporaryCredentials`]: STS keys from an async callback (the getAuthorization / getSTS
//! pattern), cached and refreshed ahead of expiry, with exactly one refresh in flight however
//! many requests wait for it.
//!
//! The key's `start_time` is the issuing server's clock at issue time: it anchors the client's
//! clock offset (§5.7/§5.8) and, with the local time elapsed since the fetch, estimates the
//! server's "now" for deciding when the key is due for refresh.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use cos_sign::Credentials;

use super::{
    ClockAnchor, CredentialError, CredentialProvider, ProvidedKeys, SigningContext, SigningMaterial,
};
use crate::error::BoxError;
use crate::transport::BoxFuture;

/// What the credential callback returns: STS temporary keys.
#[derive(Clone, PartialEq, Eq)]
pub struct TemporaryKey {
    /// `TmpSecretId`.
    pub tmp_secret_id: String,
    /// `TmpSecretKey`.
    pub tmp_secret_key: String,
    /// `SecurityToken` / `sessionToken`.
    pub security_token: String,
    /// `StartTime`: the server's Unix second when the key was issued.
    pub start_time: u64,
    /// `ExpiredTime`: the Unix second after which the key is refused.
    pub expired_time: u64,
}

impl fmt::Debug for TemporaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryKey")
            .field("tmp_secret_id", &self.tmp_secret_id)
            .field("tmp_secret_key", &format_args!("[redacted]"))
            .field("security_token", &format_args!("[redacted]"))
            .field("start_time", &self.start_time)
            .field("expired_time", &self.expired_time)
            .finish()
    }
}

type FetchFn = dyn Fn() -> BoxFuture<'static, Result<TemporaryKey, BoxError>> + Send + Sync;

#[derive(Debug)]
struct Cached {
    credentials: Credentials,
    start: u64,
    expires: u64,
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

    fn lifetime(&self) -> u64 {
        self.expires.saturating_sub(self.start)
    }

    /// Fresh: more than the refresh margin left (the margin is at most half the lifetime, so a
    /// short-lived key is not refetched for every request).
    fn is_fresh(&self, ctx: &SigningContext<'_>, refresh_before: Duration) -> bool {
        let margin = refresh_before.as_secs().min(self.lifetime() / 2);
        self.server_now(ctx).saturating_add(margin) < self.expires
    }

    /// Still usable when a refresh fails: some seconds left.
    fn is_usable(&self, ctx: &SigningContext<'_>) -> bool {
        let margin = 30u64.min(self.lifetime() / 4);
        self.server_now(ctx).saturating_add(margin) < self.expires
    }

    fn material(&self, anchor: bool) -> SigningMaterial {
        SigningMaterial::Keys(ProvidedKeys {
            credentials: self.credentials.clone(),
            valid_from: Some(self.start),
            expires_at: Some(self.expires),
            generation: self.generation,
            anchor: anchor.then_some(ClockAnchor {
                server_unix: self.start,
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
            .field("cached_expires", &cached.as_ref().map(|c| c.expires))
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
                let cached = Arc::new(self.validate(key, ctx.local_now)?);
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

    fn validate(&self, key: TemporaryKey, now: SystemTime) -> Result<Cached, CredentialError> {
        if key.tmp_secret_id.is_empty() || key.tmp_secret_key.is_empty() {
            return Err(CredentialError::Invalid(
                "empty TmpSecretId or TmpSecretKey".into(),
            ));
        }
        if key.expired_time <= key.start_time {
            return Err(CredentialError::Invalid(format!(
                "ExpiredTime {} is not after StartTime {}",
                key.expired_time, key.start_time
            )));
        }
        let mut credentials = Credentials::new(key.tmp_secret_id, key.tmp_secret_key);
        if !key.security_token.is_empty() {
            credentials = credentials.with_security_token(key.security_token);
        }
        Ok(Cached {
            credentials,
            start: key.start_time,
            expires: key.expired_time,
            generation: self.inner.next_generation.fetch_add(1, Ordering::Relaxed),
            fetched_local: now,
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
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const T0: u64 = 1_700_000_000;

    fn key(start: u64, lifetime: u64, n: u64) -> TemporaryKey {
        TemporaryKey {
            tmp_secret_id: format!("AKIDtmp{n}"),
            tmp_secret_key: format!("secret{n}"),
            security_token: format!("token{n}"),
            start_time: start,
            expired_time: start + lifetime,
        }
    }

    struct Ctx {
        method: http::Method,
        uri: http::Uri,
        headers: http::HeaderMap,
    }

    impl Ctx {
        fn new() -> Self {
            Self {
                method: http::Method::GET,
                uri: http::Uri::from_static("http://127.0.0.1/"),
                headers: http::HeaderMap::new(),
            }
        }

        fn at(&self, local: u64, server: u64) -> SigningContext<'_> {
            SigningContext {
                operation: "GetObject",
                method: &self.method,
                uri: &self.uri,
                path: "/",
                query: &[],
                headers: &self.headers,
                local_now: UNIX_EPOCH + Duration::from_secs(local),
                server_now: server,
            }
        }
    }

    fn keys(m: SigningMaterial) -> ProvidedKeys {
        match m {
            SigningMaterial::Keys(k) => k,
            other => panic!("{other:?}"),
        }
    }

    fn counting(lifetime: u64) -> (TemporaryCredentials, Arc<AtomicU64>) {
        let calls = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&calls);
        let provider = TemporaryCredentials::new(move || {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok(key(T0 + (n - 1) * 100, lifetime, n)) }
        });
        (provider, calls)
    }

    #[tokio::test]
    async fn caches_until_refresh_margin() {
        let (provider, calls) = counting(1800);
        let ctx = Ctx::new();
        let first = keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
        assert_eq!(first.credentials.secret_id(), "AKIDtmp1");
        assert_eq!(first.credentials.security_token(), Some("token1"));
        assert_eq!(first.expires_at, Some(T0 + 1800));
        assert_eq!(first.anchor.unwrap().server_unix, T0);
        // 20 minutes later: 10 minutes left, more than the 5 minute margin
        let again = keys(provider.get(&ctx.at(T0 + 1200, T0 + 1200)).await.unwrap());
        assert_eq!(again.generation, first.generation);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // 26 minutes later: inside the margin, refreshed
        let fresh = keys(provider.get(&ctx.at(T0 + 1560, T0 + 1560)).await.unwrap());
        assert_eq!(fresh.credentials.secret_id(), "AKIDtmp2");
        assert_ne!(fresh.generation, first.generation);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn local_clock_ahead_does_not_cause_refetch_loops() {
        // our clock is two hours ahead and the client has not learnt the offset yet
        let (provider, calls) = counting(1800);
        let ctx = Ctx::new();
        let skewed = T0 + 7200;
        keys(provider.get(&ctx.at(skewed, T0)).await.unwrap());
        keys(provider.get(&ctx.at(skewed + 60, T0 + 60)).await.unwrap());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn invalidate_forces_one_refetch() {
        let (provider, calls) = counting(1800);
        let ctx = Ctx::new();
        let first = keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
        provider.invalidate(first.generation + 100); // stale generation: ignored
        keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        provider.invalidate(first.generation);
        provider.invalidate(first.generation);
        let second = keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_ne!(second.generation, first.generation);
    }

    #[tokio::test]
    async fn failed_refresh_keeps_a_usable_key() {
        let calls = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&calls);
        let provider = TemporaryCredentials::new(move || {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n == 1 {
                    Ok(key(T0, 1800, 1))
                } else {
                    Err::<TemporaryKey, BoxError>("sts is down".into())
                }
            }
        });
        let ctx = Ctx::new();
        keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
        // due for refresh, refresh fails, the old key still has 4 minutes
        let kept = keys(provider.get(&ctx.at(T0 + 1560, T0 + 1560)).await.unwrap());
        assert_eq!(kept.credentials.secret_id(), "AKIDtmp1");
        // past its end: the failure surfaces
        let err = provider
            .get(&ctx.at(T0 + 1790, T0 + 1790))
            .await
            .unwrap_err();
        assert!(matches!(err, CredentialError::Fetch(_)), "{err:?}");
    }

    #[tokio::test]
    async fn rejects_invalid_keys() {
        let provider = TemporaryCredentials::new(|| async { Ok(key(T0, 0, 1)) });
        let ctx = Ctx::new();
        assert!(matches!(
            provider.get(&ctx.at(T0, T0)).await,
            Err(CredentialError::Invalid(_))
        ));
    }

    #[test]
    fn debug_redacts() {
        let k = key(T0, 10, 1);
        let text = format!("{k:?}");
        assert!(!text.contains("secret1"));
        assert!(!text.contains("token1"));
        assert!(text.contains("AKIDtmp1"));
    }
}
