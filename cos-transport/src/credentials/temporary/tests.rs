//! Tests of `TemporaryCredentials`: caching, one refresh in flight, refresh ahead of expiry,
//! keys without a token or times, and redaction.

use super::*;
use std::time::UNIX_EPOCH;

const T0: u64 = 1_700_000_000;

fn key(start: u64, lifetime: u64, n: u64) -> TemporaryKey {
    TemporaryKey::new(format!("AKIDtmp{n}"), format!("secret{n}"))
        .with_security_token(format!("token{n}"))
        .with_start_time(start)
        .with_expired_time(start + lifetime)
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
async fn rejects_unusable_keys() {
    let ctx = Ctx::new();
    for (what, bad) in [
        ("empty id", TemporaryKey::new("", "k3y-value")),
        ("empty secret", TemporaryKey::new("AKIDtmp", "")),
        ("expires before it starts", key(T0, 0, 1)),
        (
            "no start, already expired",
            TemporaryKey::new("AKIDtmp", "k3y-value").with_expired_time(T0),
        ),
    ] {
        let provider = TemporaryCredentials::new(move || {
            let bad = bad.clone();
            async move { Ok(bad) }
        });
        let err = provider.get(&ctx.at(T0, T0)).await.unwrap_err();
        assert!(
            matches!(err, CredentialError::Invalid(_)),
            "{what}: {err:?}"
        );
        assert!(!err.to_string().contains("k3y-value"), "{what}: {err}");
    }
}

#[tokio::test]
async fn a_key_without_token_or_times_is_used_until_refused() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let provider = TemporaryCredentials::new(move || {
        c.fetch_add(1, Ordering::SeqCst);
        async { Ok(TemporaryKey::new("AKIDplain", "plain-secret")) }
    });
    let ctx = Ctx::new();
    let first = keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
    assert_eq!(first.credentials.secret_key(), "plain-secret");
    assert_eq!(first.credentials.security_token(), None);
    assert_eq!((first.valid_from, first.expires_at), (None, None));
    assert!(first.anchor.is_none(), "no StartTime, nothing to anchor");
    // a day later: still cached
    keys(
        provider
            .get(&ctx.at(T0 + 86_400, T0 + 86_400))
            .await
            .unwrap(),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // refused by COS: fetched again
    provider.invalidate(first.generation);
    keys(
        provider
            .get(&ctx.at(T0 + 86_400, T0 + 86_400))
            .await
            .unwrap(),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_key_without_start_time_counts_its_lifetime_from_the_fetch() {
    let (calls, provider) = {
        let calls = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&calls);
        let provider = TemporaryCredentials::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            async {
                Ok(TemporaryKey::new("AKIDtmp", "secret")
                    .with_security_token("token")
                    .with_expired_time(T0 + 1800))
            }
        });
        (calls, provider)
    };
    let ctx = Ctx::new();
    let first = keys(provider.get(&ctx.at(T0, T0)).await.unwrap());
    assert_eq!(first.valid_from, None);
    assert_eq!(first.expires_at, Some(T0 + 1800));
    assert!(first.anchor.is_none());
    keys(provider.get(&ctx.at(T0 + 1200, T0 + 1200)).await.unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // inside the 5 minute margin: refreshed
    keys(provider.get(&ctx.at(T0 + 1560, T0 + 1560)).await.unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn debug_redacts() {
    let k = key(T0, 10, 1);
    let text = format!("{k:?}");
    assert!(!text.contains("secret1"), "{text}");
    assert!(!text.contains("token1"), "{text}");
    assert!(text.contains("AKIDtmp1"), "{text}");
    assert!(text.contains(&T0.to_string()), "{text}");
    assert!(text.contains(&(T0 + 10).to_string()), "{text}");
    let plain = format!("{:?}", TemporaryKey::new("AKIDplain", "plain-secret"));
    assert!(!plain.contains("plain-secret"), "{plain}");
}

#[test]
fn accessors_and_expiry() {
    let k = key(T0, 1800, 1);
    assert_eq!(k.secret_id(), "AKIDtmp1");
    assert_eq!(k.secret_key(), "secret1");
    assert_eq!(k.security_token(), Some("token1"));
    assert_eq!(k.start_time(), Some(T0));
    assert_eq!(k.expired_time(), Some(T0 + 1800));
    let at = UNIX_EPOCH + Duration::from_secs(T0 + 1800);
    assert_eq!(k.expiration(), Some(at));
    assert_eq!(
        TemporaryKey::new("i", "s")
            .with_expiration(at)
            .expired_time(),
        Some(T0 + 1800)
    );

    let now = UNIX_EPOCH + Duration::from_secs(T0);
    assert!(!k.is_expired(now, Duration::ZERO));
    assert!(!k.is_expired(now, Duration::from_secs(1799)));
    assert!(k.is_expired(now, Duration::from_secs(1800)));
    assert!(k.is_expired(at, Duration::ZERO));
    assert!(
        k.is_expired(now, Duration::MAX),
        "an unrepresentable margin"
    );
    let forever = TemporaryKey::new("i", "s");
    assert!(!forever.is_expired(now, Duration::from_secs(u64::from(u32::MAX))));
    let pre_epoch =
        TemporaryKey::new("i", "s").with_expiration(UNIX_EPOCH - Duration::from_secs(1));
    assert!(pre_epoch.is_expired(now, Duration::ZERO));
}

#[test]
fn credentials_take_the_secrets_and_drop_an_empty_token() {
    let c = key(T0, 10, 1).into_credentials();
    assert_eq!(
        (c.secret_id(), c.secret_key(), c.security_token()),
        ("AKIDtmp1", "secret1", Some("token1"))
    );
    let c = TemporaryKey::new("i", "s")
        .with_security_token("")
        .into_credentials();
    assert_eq!(c.security_token(), None);
}
