//! The HTTP side: `GET /put-auth?ext=…` and `GET /post-policy?ext=…`, behind a bearer token,
//! answered with the JSON fields of Tencent's direct-upload guide.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_sign::{HeaderPolicy, KeyTime, SignableRequest};
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::addressing::Addressing;
use crate::browser::{Browser, BrowserAccess};
use crate::credentials::{CredentialSource, SigningKeys};
use crate::error::{RequestError, SignServerError};
use crate::keys::{ExtensionAllowList, generate_key};
use crate::sts_grant::{StsGrant, StsScope, grant};

/// Start the key time this many seconds early: a client or COS whose clock runs a little behind
/// ours must still accept the credential (the Python SDK does the same).
const CLOCK_ALLOWANCE_SECS: u64 = 60;

/// What the server signs for and how.
pub struct SignServerConfig {
    /// The bucket, `name-appid`.
    pub bucket: String,
    /// How clients reach the bucket.
    pub addressing: Addressing,
    /// Keys are created under this prefix.
    pub prefix: String,
    /// The largest upload a POST policy allows, and a declared PUT size may have.
    pub max_bytes: u64,
    /// The extensions clients may ask for.
    pub allowed_extensions: ExtensionAllowList,
    /// The bearer token clients must present.
    pub bearer_token: String,
    /// How long a handed-out credential is valid.
    pub credential_ttl: Duration,
    /// Serves `/sts` (temporary keys for one upload) when set.
    pub sts: Option<StsGrant>,
}

impl std::fmt::Debug for SignServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignServerConfig")
            .field("bucket", &self.bucket)
            .field("addressing", &self.addressing)
            .field("prefix", &self.prefix)
            .field("max_bytes", &self.max_bytes)
            .field("allowed_extensions", &self.allowed_extensions)
            .field("bearer_token", &"[redacted]")
            .field("credential_ttl", &self.credential_ttl)
            .field("sts", &self.sts)
            .finish()
    }
}

struct State {
    config: SignServerConfig,
    keys: CredentialSource,
    browser: Browser,
}

/// A signing server bound to a loopback or public address.
pub struct RunningSignServer {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSignServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Binds `listen` and serves until [`RunningSignServer::shutdown`]; no page origin may call it
/// cross-origin.
pub async fn start(
    config: SignServerConfig,
    keys: CredentialSource,
    listen: SocketAddr,
) -> Result<RunningSignServer, SignServerError> {
    start_with(config, keys, listen, BrowserAccess::new()).await
}

/// [`start`] with what browsers may do: the origins that may call it, the SDK file the page
/// loads.
pub async fn start_with(
    config: SignServerConfig,
    keys: CredentialSource,
    listen: SocketAddr,
    browser: BrowserAccess,
) -> Result<RunningSignServer, SignServerError> {
    if config.bearer_token.is_empty() {
        return Err(SignServerError::Config(
            "a bearer token is required: the signing endpoint must not be open".into(),
        ));
    }
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let sts_region = config.sts.as_ref().map(|s| s.region.as_str());
    let browser = Browser::load(browser, &config.bucket, sts_region, &config.addressing).await?;
    let state = Arc::new(State {
        config,
        keys,
        browser,
    });
    let (shutdown, mut stop) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(handle(&state, req).await) }
                        });
                        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                        if let Err(e) = builder.serve_connection(TokioIo::new(stream), service).await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
            }
        }
    });
    Ok(RunningSignServer {
        addr,
        shutdown,
        task,
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if let Some(answer) = state.browser.preflight(req.method(), req.headers()) {
        return answer;
    }
    let path = req.uri().path().to_owned();
    let mut answer = match state.browser.page(req.method(), &path) {
        Some(page) => page,
        None => sign(state, &req, &path).await,
    };
    state.browser.decorate(req.headers(), &mut answer);
    answer
}

async fn sign(state: &State, req: &Request<Incoming>, path: &str) -> Response<Full<Bytes>> {
    let result = route(state, req, path).await;
    match result {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(e) => {
            tracing::info!(path, error = %e, "signing request refused");
            json_response(
                e.status(),
                &json!({ "error": { "code": e.code(), "message": e.to_string() } }),
            )
        }
    }
}

async fn route(
    state: &State,
    req: &Request<Incoming>,
    path: &str,
) -> Result<serde_json::Value, RequestError> {
    let kind = match path {
        "/put-auth" => Kind::Put,
        "/post-policy" => Kind::Post,
        "/sts" if state.config.sts.is_some() => Kind::Sts,
        _ => return Err(RequestError::NotFound),
    };
    let method_ok = match kind {
        Kind::Sts => req.method() == Method::GET || req.method() == Method::POST,
        _ => req.method() == Method::GET,
    };
    if !method_ok {
        return Err(RequestError::MethodNotAllowed);
    }
    check_bearer(req, &state.config.bearer_token)?;
    let query = parse_query(req.uri().query().unwrap_or(""));
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let (Kind::Sts, Some(sts)) = (&kind, &state.config.sts)
        && let Some(prefix) = &sts.allow_prefix
    {
        // the client may not narrow or widen the scope: the prefix is the server's
        return grant(
            sts,
            &state.config.bucket,
            state.config.max_bytes,
            StsScope::Prefix(prefix),
        )
        .await;
    }
    let ext = state.config.allowed_extensions.check(get("ext"))?;
    let declared_size = match get("size") {
        None => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if n <= state.config.max_bytes => Some(n),
            _ => return Err(RequestError::BadSize(raw.to_owned())),
        },
    };
    let now = unix_now();
    let key = generate_key(&state.config.prefix, now, &ext);
    if let (Kind::Sts, Some(sts)) = (&kind, &state.config.sts) {
        return grant(
            sts,
            &state.config.bucket,
            state.config.max_bytes,
            StsScope::Key(&key),
        )
        .await;
    }
    let keys = state.keys.keys(now).await?;
    let key_time = key_time(&state.config, &keys, now);
    match kind {
        Kind::Put => put_auth(&state.config, &keys, &key, key_time, declared_size),
        Kind::Post => post_policy(&state.config, &keys, &key, key_time),
        Kind::Sts => Err(RequestError::NotFound),
    }
}

enum Kind {
    Put,
    Post,
    Sts,
}

fn key_time(config: &SignServerConfig, keys: &SigningKeys, now: u64) -> KeyTime {
    let mut end = now + config.credential_ttl.as_secs().max(1);
    if let Some(expires_at) = keys.expires_at {
        // A signature cannot outlive the temporary key that made it.
        end = end.min(expires_at);
    }
    KeyTime::new(now.saturating_sub(CLOCK_ALLOWANCE_SECS), end)
}

/// Signs `PUT /<key>` with the host (and, when the client declared it, the content length) signed,
/// so the credential writes exactly this key on exactly this bucket.
fn put_auth(
    config: &SignServerConfig,
    keys: &SigningKeys,
    key: &str,
    key_time: KeyTime,
    declared_size: Option<u64>,
) -> Result<serde_json::Value, RequestError> {
    let addressing = &config.addressing;
    let signed_path = addressing.signed_path(key);
    let size_text = declared_size.map(|n| n.to_string());
    let mut headers = vec![("host", addressing.host_header.as_str())];
    if let Some(size) = size_text.as_deref() {
        headers.push(("content-length", size));
    }
    let request = SignableRequest {
        method: "PUT",
        path: &signed_path,
        query: &[],
        headers: &headers,
    };
    let signature = cos_sign::sign(
        &request,
        &keys.credentials,
        key_time,
        &HeaderPolicy::Default,
    )
    .map_err(SignServerError::from)?;
    Ok(json!({
        "cosHost": addressing.cos_host,
        "cosKey": key,
        "authorization": signature.authorization(),
        "securityToken": keys.credentials.security_token().unwrap_or(""),
        "url": addressing.object_url(key),
    }))
}

/// A POST policy pinning the bucket, the exact key and the size range.
fn post_policy(
    config: &SignServerConfig,
    keys: &SigningKeys,
    key: &str,
    key_time: KeyTime,
) -> Result<serde_json::Value, RequestError> {
    // The q-* fields first, then what pins this upload: the bucket, the exact key, the size.
    let form = cos_sign::post::PostPolicy::new(key_time.end)
        .sign_fields()
        .bucket(&config.bucket)
        .key(key)
        .content_length_range(0, config.max_bytes)
        .security_token()
        .sign(&keys.credentials, key_time)
        .map_err(SignServerError::from)?;
    let field = |name: &str| {
        form.fields()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok(json!({
        "cosHost": config.addressing.cos_host,
        "cosKey": key,
        "policy": field("policy"),
        "qSignAlgorithm": field("q-sign-algorithm"),
        "qAk": field("q-ak"),
        "qKeyTime": field("q-key-time"),
        "qSignature": field("q-signature"),
        "securityToken": keys.credentials.security_token().unwrap_or(""),
        "url": config.addressing.form_url(),
    }))
}

fn check_bearer<B>(req: &Request<B>, expected: &str) -> Result<(), RequestError> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(RequestError::Unauthorized)?;
    if bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(RequestError::Unauthorized)
    }
}

/// Splits and percent-decodes a query string; undecodable pairs are kept raw (then refused by
/// the allow-list, never guessed at).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                cos_sign::encode::uri_decode(&s.replace('+', " ")).unwrap_or_else(|_| s.to_owned())
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    // Browsers call this from the app's pages (cross-origin only from --allow-origin ones);
    // the bearer token is the gate, CORS only decides which pages may read the answer.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_must_match_exactly() {
        let with = |v: &str| {
            Request::get("/")
                .header("authorization", v)
                .body(())
                .unwrap()
        };
        assert!(check_bearer(&with("Bearer s3cret"), "s3cret").is_ok());
        assert!(check_bearer(&with("Bearer s3cre"), "s3cret").is_err());
        assert!(check_bearer(&with("s3cret"), "s3cret").is_err());
        assert!(check_bearer(&Request::get("/").body(()).unwrap(), "s3cret").is_err());
    }

    #[test]
    fn query_is_decoded() {
        assert_eq!(
            parse_query("ext=jp%67&size=10&x"),
            vec![
                ("ext".to_owned(), "jpg".to_owned()),
                ("size".to_owned(), "10".to_owned()),
                ("x".to_owned(), String::new())
            ]
        );
    }
}
