//! The CVM instance role: the keys of the CAM role bound to the instance, from the metadata
//! service (tencentcloud-sdk-go `cvm_role_provider.go`, tencentcloud-sdk-python
//! `CVMRoleCredential`, Tencent's doc "Instance metadata", product/213/4934):
//!
//! 1. `GET http://metadata.tencentyun.com/latest/meta-data/cam/security-credentials/` answers
//!    the role's name (404: no role is bound);
//! 2. `GET …/security-credentials/<role>` answers `{"TmpSecretId", "TmpSecretKey", "Token",
//!    "ExpiredTime", "Code": "Success"}`.
//!
//! A metadata service that does not answer means "not on a CVM": the chain moves on. Keys are
//! refreshed ahead of `ExpiredTime` by [`TemporaryCredentials`] (5 minutes before, as both SDKs
//! do), one refresh in flight; if the service is down at refresh time, the cached keys serve
//! until they are about to expire.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_model::sts::parse_instance_role_credentials;
use http::{Method, Request, StatusCode, Uri};

use super::{Config, Loaded, SourceError};
use crate::body::Body;
use crate::credentials::{TemporaryCredentials, TemporaryKey};
use crate::error::BoxError;
use crate::transport::DynTransport;
use crate::{HyperTransport, TransportError};

pub(crate) const NAME: &str = "CVM instance role";

/// Where the metadata service is on a CVM.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com";

const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

/// The metadata service answers in milliseconds on a CVM; elsewhere the address leads nowhere,
/// and the chain should say so quickly.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(3);

async fn get(
    transport: &dyn DynTransport,
    uri: &Uri,
) -> Result<(StatusCode, Bytes), TransportError> {
    let mut request = Request::new(Body::from(Bytes::new()));
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri.clone();
    let response = transport.send_dyn(request).await?;
    let (head, body) = response.into_parts();
    let bytes = body.collect_limited(64 * 1024).await?;
    Ok((head.status, bytes))
}

pub(crate) async fn load(config: &Config) -> Result<Loaded, SourceError> {
    let transport: Arc<dyn DynTransport> = match &config.transport {
        Some(t) => Arc::clone(t),
        None => Arc::new(
            HyperTransport::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .response_header_timeout(ANSWER_TIMEOUT)
                .build()
                .map_err(|e| SourceError::caused_by(NAME, "building the HTTP client", e))?,
        ),
    };
    let base = config.metadata_endpoint.trim_end_matches('/').to_owned();
    let list_url = format!("{base}{ROLE_PATH}");
    // bounded as a whole: off a CVM, resolving the metadata host alone may take long
    let list_uri = uri(&list_url)?;
    let asked = tokio::time::timeout(DISCOVERY_TIMEOUT, get(transport.as_ref(), &list_uri));
    let Ok(answer) = asked.await else {
        return Ok(Loaded::Nothing(format!(
            "the metadata service at {base} did not answer within {} s",
            DISCOVERY_TIMEOUT.as_secs()
        )));
    };
    let role = match answer {
        Err(e) => {
            return Ok(Loaded::Nothing(format!(
                "the metadata service at {base} did not answer ({e})"
            )));
        }
        Ok((StatusCode::NOT_FOUND, _)) => {
            return Ok(Loaded::Nothing(format!(
                "no role is bound to this instance ({list_url} answered 404)"
            )));
        }
        Ok((status, _)) if !status.is_success() => {
            return Err(SourceError::new(
                NAME,
                format!("{list_url} answered HTTP {}", status.as_u16()),
            ));
        }
        Ok((_, body)) => String::from_utf8_lossy(&body)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if role.is_empty() {
        return Ok(Loaded::Nothing(format!(
            "no role is bound to this instance ({list_url} answered no name)"
        )));
    }
    let keys_url = format!("{list_url}{role}");
    let detail = format!("role {role} from {base}");
    let keys_uri = uri(&keys_url)?;
    let provider = TemporaryCredentials::builder(move || {
        let transport = Arc::clone(&transport);
        let uri = keys_uri.clone();
        async move {
            fetch(transport.as_ref(), &uri)
                .await
                .map_err(BoxError::from)
        }
    })
    .refresh_before(config.refresh_before)
    .build();
    tracing::debug!(source = NAME, role = %role, "instance role found");
    Ok(Loaded::Found {
        provider: Arc::new(provider),
        detail,
    })
}

fn uri(url: &str) -> Result<Uri, SourceError> {
    url.parse()
        .map_err(|e| SourceError::caused_by(NAME, format!("`{url}` is not a URL"), e))
}

async fn fetch(transport: &dyn DynTransport, uri: &Uri) -> Result<TemporaryKey, SourceError> {
    let (status, body) = get(transport, uri)
        .await
        .map_err(|e| SourceError::caused_by(NAME, format!("GET {uri}"), e))?;
    let keys = parse_instance_role_credentials(status, &body)
        .map_err(|e| SourceError::caused_by(NAME, format!("GET {uri}"), e))?;
    tracing::info!(
        source = NAME,
        expires = keys.expired_time,
        "fetched the instance role's keys"
    );
    // no StartTime: the metadata service does not say when it issued the keys, so their
    // lifetime is counted from the fetch
    Ok(TemporaryKey::new(keys.tmp_secret_id, keys.tmp_secret_key)
        .with_security_token(keys.token)
        .with_expired_time(keys.expired_time))
}
