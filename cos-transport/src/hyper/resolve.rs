//! Connection address overrides: [`HyperTransportBuilder::resolve`] (curl's `--resolve`: one
//! host's connections go to a fixed socket address) and [`HyperTransportBuilder::connect_to`]
//! (every connection goes there).
//!
//! The override sits in the connector, below TLS: the request's URI, its `Host` header, the
//! connection pool's key and the TLS server name (SNI and certificate check) all keep the URI's
//! host; only the TCP connection is opened to the pinned address. The wrapped connector is
//! handed a URI naming that address (IP and port) instead of the original, so no name is
//! resolved and the URI's port (explicit or the scheme's default) is not used.
//!
//! [`HyperTransportBuilder::resolve`]: super::HyperTransportBuilder::resolve
//! [`HyperTransportBuilder::connect_to`]: super::HyperTransportBuilder::connect_to

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use http::uri::Authority;

use super::HyperBuildError;

/// One pinned destination: the address and the URI the wrapped connector is handed for it.
#[derive(Debug, Clone)]
struct Target {
    addr: SocketAddr,
    uri: Uri,
}

impl Target {
    fn new(addr: SocketAddr) -> Result<Self, HyperBuildError> {
        // A socket address always prints as a valid authority (`1.2.3.4:80`, `[::1]:80`); the
        // scheme is irrelevant to the TCP connector once the port is explicit.
        let uri = format!("http://{addr}/")
            .parse()
            .map_err(|_| HyperBuildError::InvalidConnectAddress(addr))?;
        Ok(Self { addr, uri })
    }
}

/// The compiled overrides: per-host rules, then an optional catch-all.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectOverrides {
    hosts: HashMap<String, Target>,
    all: Option<Target>,
}

impl ConnectOverrides {
    /// Compiles the builder's rules; a later rule for the same host replaces an earlier one.
    pub(crate) fn new(
        rules: &[(String, SocketAddr)],
        all: Option<SocketAddr>,
    ) -> Result<Self, HyperBuildError> {
        let mut hosts = HashMap::with_capacity(rules.len());
        for (host, addr) in rules {
            let key = validate_host(host)?;
            hosts.insert(key, Target::new(*addr)?);
        }
        let all = all.map(Target::new).transpose()?;
        Ok(Self { hosts, all })
    }

    /// `true` when no connection is redirected.
    pub(crate) fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.all.is_none()
    }

    fn target(&self, uri: &Uri) -> Option<&Target> {
        let by_host = uri.host().and_then(|host| self.hosts.get(&normalize(host)));
        by_host.or(self.all.as_ref())
    }

    /// Where a connection for `uri` goes, when it is redirected.
    pub(crate) fn addr_for(&self, uri: &Uri) -> Option<SocketAddr> {
        self.target(uri).map(|t| t.addr)
    }

    /// The pinned `(host, address)` pairs and the catch-all, for `Debug`.
    pub(crate) fn describe(&self) -> (Vec<(&str, SocketAddr)>, Option<SocketAddr>) {
        let mut hosts: Vec<_> = self
            .hosts
            .iter()
            .map(|(h, t)| (h.as_str(), t.addr))
            .collect();
        hosts.sort_unstable();
        (hosts, self.all.as_ref().map(|t| t.addr))
    }
}

/// The form hosts are compared in: ASCII lowercase, IP literals canonical and unbracketed.
fn normalize(host: &str) -> String {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => bare.to_ascii_lowercase(),
    }
}

/// Checks that `host` is a bare host (a name or an IP literal: no port, no user info, no path)
/// and returns its normalized form.
fn validate_host(host: &str) -> Result<String, HyperBuildError> {
    let invalid = || HyperBuildError::InvalidResolveHost(host.to_owned());
    if host.parse::<Ipv6Addr>().is_ok() {
        return Ok(normalize(host));
    }
    let authority: Authority = host.parse().map_err(|_| invalid())?;
    if authority.port().is_some() || authority.as_str().contains('@') || authority.host() != host {
        return Err(invalid());
    }
    Ok(normalize(host))
}

/// Wraps a TCP connector: connections whose URI matches an override go to its address.
#[derive(Debug, Clone)]
pub(crate) struct OverrideConnector<C> {
    inner: C,
    overrides: Arc<ConnectOverrides>,
}

impl<C> OverrideConnector<C> {
    pub(crate) fn new(inner: C, overrides: Arc<ConnectOverrides>) -> Self {
        Self { inner, overrides }
    }
}

impl<C> tower_service::Service<Uri> for OverrideConnector<C>
where
    C: tower_service::Service<Uri>,
{
    type Response = C::Response;
    type Error = C::Error;
    type Future = C::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self.overrides.target(&dst) {
            Some(target) => {
                tracing::debug!(uri = %dst, addr = %target.addr, "connecting to a pinned address");
                self.inner.call(target.uri.clone())
            }
            None => self.inner.call(dst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::future::{Ready, ready};

    const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn overrides(rules: &[(&str, &str)], all: Option<&str>) -> ConnectOverrides {
        let rules: Vec<_> = rules
            .iter()
            .map(|(h, a)| ((*h).to_owned(), addr(a)))
            .collect();
        ConnectOverrides::new(&rules, all.map(addr)).unwrap()
    }

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    /// A connector that answers with the URI it was asked to connect to.
    #[derive(Clone)]
    struct Echo;

    impl tower_service::Service<Uri> for Echo {
        type Response = Uri;
        type Error = std::convert::Infallible;
        type Future = Ready<Result<Uri, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, dst: Uri) -> Self::Future {
            ready(Ok(dst))
        }
    }

    async fn connected_to(overrides: ConnectOverrides, dst: &str) -> Uri {
        let mut connector = OverrideConnector::new(Echo, Arc::new(overrides));
        tower_service::Service::call(&mut connector, uri(dst))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn matching_host_connects_to_the_pinned_address_whatever_the_port() {
        let o = overrides(&[(HOST, "127.0.0.1:9000")], None);
        for dst in [
            format!("http://{HOST}/k"),
            format!("http://{HOST}:8080/k?uploads"),
            format!("https://{HOST}/"),
        ] {
            assert_eq!(
                connected_to(o.clone(), &dst).await,
                uri("http://127.0.0.1:9000/")
            );
        }
    }

    #[tokio::test]
    async fn other_hosts_are_left_alone_without_a_catch_all() {
        let o = overrides(&[(HOST, "127.0.0.1:9000")], None);
        let dst = "https://other-1250000000.cos.ap-guangzhou.myqcloud.com/k";
        assert_eq!(connected_to(o, dst).await, uri(dst));
    }

    #[tokio::test]
    async fn a_host_rule_beats_the_catch_all() {
        let o = overrides(&[(HOST, "127.0.0.1:1")], Some("127.0.0.1:2"));
        assert_eq!(
            connected_to(o.clone(), &format!("http://{HOST}/")).await,
            uri("http://127.0.0.1:1/")
        );
        assert_eq!(
            connected_to(o.clone(), "http://service.cos.myqcloud.com/").await,
            uri("http://127.0.0.1:2/")
        );
        // IP literals are redirected too
        assert_eq!(
            connected_to(o, "http://10.0.0.1:80/").await,
            uri("http://127.0.0.1:2/")
        );
    }

    #[test]
    fn a_later_rule_for_the_same_host_wins() {
        let o = overrides(
            &[(HOST, "127.0.0.1:1"), (&HOST.to_uppercase(), "127.0.0.1:2")],
            None,
        );
        assert_eq!(
            o.addr_for(&uri(&format!("http://{HOST}/"))),
            Some(addr("127.0.0.1:2"))
        );
        assert_eq!(o.describe().0.len(), 1);
    }

    #[test]
    fn ipv6_hosts_match_in_any_spelling() {
        let o = overrides(&[("0:0:0:0:0:0:0:1", "[::1]:9000")], None);
        assert_eq!(
            o.addr_for(&uri("http://[::1]:80/")),
            Some(addr("[::1]:9000"))
        );
        let o = overrides(&[("[::1]", "127.0.0.1:9000")], None);
        assert_eq!(
            o.addr_for(&uri("http://[0::1]/")),
            Some(addr("127.0.0.1:9000"))
        );
    }

    #[test]
    fn hosts_with_a_port_path_or_user_are_refused() {
        for bad in [
            "",
            "example.com:443",
            "user@example.com",
            "example.com/path",
            "exa mple.com",
            "[::1]:80",
        ] {
            let err =
                ConnectOverrides::new(&[(bad.to_owned(), addr("127.0.0.1:1"))], None).unwrap_err();
            assert!(
                matches!(&err, HyperBuildError::InvalidResolveHost(h) if h == bad),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn empty_overrides_redirect_nothing() {
        let o = ConnectOverrides::new(&[], None).unwrap();
        assert!(o.is_empty());
        assert_eq!(o.addr_for(&uri("http://127.0.0.1:1/")), None);
    }

    proptest! {
        /// A rule matches its host whatever the case of either side, and no other host.
        #[test]
        fn host_match_ignores_ascii_case(
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
            flips in proptest::collection::vec(any::<bool>(), 64),
            port in 1u16..,
            other in "[a-z]{1,8}",
        ) {
            let host = labels.join(".");
            let flipped: String = host
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
                .collect();
            let pinned = SocketAddr::from(([127, 0, 0, 1], port));
            let o = ConnectOverrides::new(&[(flipped, pinned)], None).unwrap();
            prop_assert_eq!(o.addr_for(&uri(&format!("http://{host}/"))), Some(pinned));
            let elsewhere = format!("http://{other}.{host}x/");
            prop_assert_eq!(o.addr_for(&uri(&elsewhere)), None);
        }
    }
}
