//! Bucket CORS as COS applies it: the stored rules ([`CorsConfig`], read from PUT Bucket
//! cors's body and written back by GET), and which rule answers a preflight or an actual
//! request. The HTTP side (OPTIONS answers, headers added to other answers) is in
//! [`crate::ops::cors`].
//!
//! What of COS's documentation this follows (shared/spec/cors.md, which cites the PUT/GET/
//! DELETE Bucket cors and OPTIONS Object pages):
//! - rules are tried in document order and the first whose origin, method and every requested
//!   header match wins (OPTIONS Object examples; cos-js-sdk-v5#56);
//! - an origin pattern is `*`, a literal, or holds one `*` that matches any run of characters
//!   (PUT Bucket cors); origins compare case-sensitively and ports are not normalised
//!   (UNVERIFIED in COS: our choice);
//! - methods are the five COS lists, compared exactly; request header names compare
//!   case-insensitively, and an `AllowedHeader` with `*` is a glob (`*` alone = any);
//! - the body replaces the whole configuration and is stored verbatim (values, order,
//!   duplicates; `ResponseVary` only if given).
//!
//! Validation codes are our choice where COS's are unverified (cors.md §8.2): MalformedXML for
//! a document that is not a configuration (no rule, a rule without origin or method),
//! InvalidArgument for values outside COS's limits (more than 100 rules, an unknown method,
//! two `*` in an origin, a wildcard ExposeHeader, MaxAgeSeconds not a whole number).

use crate::error::{CosError, ErrorCode};
use crate::xml::read::{Element, parse};
use crate::xml::write::XmlWriter;

/// The most rules a bucket keeps.
pub const MAX_RULES: usize = 100;
/// The largest PUT Bucket cors body.
pub const MAX_BODY: usize = 64 * 1024;
/// The methods a rule may allow.
const METHODS: [&str; 5] = ["PUT", "GET", "POST", "DELETE", "HEAD"];

/// A bucket's CORS configuration, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// The rules, in document order.
    pub rules: Vec<CorsRule>,
    /// `<ResponseVary>` as given (`true` adds `Vary: Origin` to the bucket's answers).
    pub response_vary: Option<bool>,
}

/// One `<CORSRule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsRule {
    /// `<ID>`.
    pub id: Option<String>,
    /// `<AllowedOrigin>`s.
    pub origins: Vec<String>,
    /// `<AllowedMethod>`s.
    pub methods: Vec<String>,
    /// `<AllowedHeader>`s.
    pub headers: Vec<String>,
    /// `<ExposeHeader>`s.
    pub expose: Vec<String>,
    /// `<MaxAgeSeconds>`.
    pub max_age: Option<u64>,
}

/// How a rule's origin matched: the bare `*` (answered with `*`) or a pattern naming it
/// (answered with the origin itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginMatch {
    /// The rule allows every origin.
    Any,
    /// The rule names this origin (literally or with a wildcard).
    Named,
}

fn malformed(why: impl Into<String>) -> CosError {
    CosError::with_message(ErrorCode::MalformedXML, why)
}

fn invalid(why: impl Into<String>) -> CosError {
    CosError::with_message(ErrorCode::InvalidArgument, why)
}

fn texts(el: &Element, name: &str) -> Vec<String> {
    el.all(name).map(|c| c.text.trim().to_string()).collect()
}

impl CorsConfig {
    /// Reads and checks a PUT Bucket cors body.
    pub fn parse(body: &[u8]) -> Result<CorsConfig, CosError> {
        if body.len() > MAX_BODY {
            return Err(CosError::new(ErrorCode::XMLSizeLimit));
        }
        let root = parse(body).map_err(|e| malformed(e.0))?;
        if root.name != "CORSConfiguration" {
            return Err(malformed(format!(
                "The root element is <{}>, not <CORSConfiguration>.",
                root.name
            )));
        }
        let mut rules = Vec::new();
        for el in root.all("CORSRule") {
            let rule = CorsRule {
                id: el.child_text("ID").map(|s| s.trim().to_string()),
                origins: texts(el, "AllowedOrigin"),
                methods: texts(el, "AllowedMethod"),
                headers: texts(el, "AllowedHeader"),
                expose: texts(el, "ExposeHeader"),
                max_age: match el.child_text("MaxAgeSeconds") {
                    None => None,
                    Some(t) => Some(t.trim().parse::<u64>().map_err(|_| {
                        invalid(format!("MaxAgeSeconds `{t}` is not a whole number."))
                    })?),
                },
            };
            rule.check(rules.len() + 1)?;
            rules.push(rule);
        }
        if rules.is_empty() {
            return Err(malformed(
                "A CORSConfiguration needs at least one CORSRule.",
            ));
        }
        if rules.len() > MAX_RULES {
            return Err(invalid(format!(
                "{} CORSRules; at most {MAX_RULES} are allowed.",
                rules.len()
            )));
        }
        let response_vary = match root.child_text("ResponseVary").map(str::trim) {
            None => None,
            Some(t) if t.eq_ignore_ascii_case("true") => Some(true),
            Some(t) if t.eq_ignore_ascii_case("false") => Some(false),
            Some(t) => return Err(invalid(format!("ResponseVary `{t}` is not true or false."))),
        };
        Ok(CorsConfig {
            rules,
            response_vary,
        })
    }

    /// The GET Bucket cors document.
    pub fn to_xml(&self) -> String {
        // GET Bucket cors's body starts with COS's own declaration (cors.md §2.4).
        let mut w = XmlWriter::error_document();
        w.open("CORSConfiguration");
        for r in &self.rules {
            w.open("CORSRule");
            if let Some(id) = &r.id {
                w.elem("ID", id);
            }
            for (name, values) in [
                ("AllowedOrigin", &r.origins),
                ("AllowedMethod", &r.methods),
                ("AllowedHeader", &r.headers),
                ("ExposeHeader", &r.expose),
            ] {
                for v in values {
                    w.elem(name, v);
                }
            }
            if let Some(age) = r.max_age {
                w.elem("MaxAgeSeconds", &age.to_string());
            }
            w.close("CORSRule");
        }
        if let Some(v) = self.response_vary {
            w.elem("ResponseVary", if v { "true" } else { "false" });
        }
        w.close("CORSConfiguration");
        w.finish()
    }

    /// The rule answering a preflight from `origin` for `method` asking for `headers`.
    pub fn preflight(
        &self,
        origin: &str,
        method: &str,
        headers: &[&str],
    ) -> Option<(&CorsRule, OriginMatch)> {
        self.rules.iter().find_map(|r| {
            let how = r.origin(origin)?;
            (r.allows_method(method) && headers.iter().all(|h| r.allows_header(h)))
                .then_some((r, how))
        })
    }

    /// The rule whose headers an actual request from `origin` with `method` gets (request
    /// headers take no part: COS checks none on actual requests).
    pub fn actual(&self, origin: &str, method: &str) -> Option<(&CorsRule, OriginMatch)> {
        self.rules.iter().find_map(|r| {
            let how = r.origin(origin)?;
            r.allows_method(method).then_some((r, how))
        })
    }
}

impl CorsRule {
    fn check(&self, n: usize) -> Result<(), CosError> {
        if self.origins.is_empty() || self.methods.is_empty() {
            return Err(malformed(format!(
                "CORSRule {n} needs an AllowedOrigin and an AllowedMethod."
            )));
        }
        if let Some(o) = self.origins.iter().find(|o| o.matches('*').count() > 1) {
            return Err(invalid(format!(
                "AllowedOrigin `{o}` has more than one `*`."
            )));
        }
        if let Some(m) = self.methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(invalid(format!(
                "AllowedMethod `{m}` is not one of PUT, GET, POST, DELETE, HEAD."
            )));
        }
        if self.expose.iter().any(|h| h.contains('*')) {
            return Err(invalid("ExposeHeader does not take a wildcard."));
        }
        Ok(())
    }

    /// How `origin` matches this rule, if it does.
    pub fn origin(&self, origin: &str) -> Option<OriginMatch> {
        let mut named = false;
        for pattern in &self.origins {
            if pattern == "*" {
                return Some(OriginMatch::Any);
            }
            named |= crate::policy::glob::matches(pattern, origin);
        }
        named.then_some(OriginMatch::Named)
    }

    fn allows_method(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }

    fn allows_header(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .any(|h| crate::policy::glob::matches(&h.to_ascii_lowercase(), &name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PUT doc's example configuration (cors.md §9).
    const EXAMPLE: &str = "<CORSConfiguration>\
        <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>\
        <AllowedHeader>Range</AllowedHeader><AllowedHeader>x-cos-server-side-encryption-customer-algorithm</AllowedHeader>\
        <AllowedHeader>x-cos-server-side-encryption-customer-key</AllowedHeader><AllowedHeader>x-cos-server-side-encryption-customer-key-MD5</AllowedHeader>\
        <ExposeHeader>Content-Length</ExposeHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-meta-author</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>\
        <CORSRule><ID>example-id</ID><AllowedOrigin>https://example.com</AllowedOrigin><AllowedOrigin>https://example.net</AllowedOrigin>\
        <AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>\
        <AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Length</ExposeHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-meta-author</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>\
        </CORSConfiguration>";

    #[test]
    fn first_matching_rule_answers() {
        let c = CorsConfig::parse(EXAMPLE.as_bytes()).unwrap();
        let (r, how) = c
            .preflight(
                "https://example.com",
                "PUT",
                &["content-md5", "x-cos-meta-author"],
            )
            .unwrap();
        assert_eq!(
            (r.id.as_deref(), how),
            (Some("example-id"), OriginMatch::Named)
        );
        let (r, how) = c
            .preflight("https://example.com", "GET", &["range"])
            .unwrap();
        assert_eq!((r.id.as_deref(), how), (None, OriginMatch::Any));
        assert!(c.preflight("https://other.org", "PUT", &[]).is_none());
        let (r, _) = c
            .preflight("https://example.com", "GET", &["x-custom"])
            .unwrap();
        assert_eq!(r.id.as_deref(), Some("example-id"));
        assert!(c.preflight("https://example.com", "PATCH", &[]).is_none());
        assert!(c.preflight("https://example.com", "get", &[]).is_none());
    }

    #[test]
    fn origin_wildcards() {
        let rule = |o: &str| CorsRule {
            origins: vec![o.to_string()],
            methods: vec!["GET".into()],
            ..CorsRule::default()
        };
        assert!(
            rule("https://*.example.com")
                .origin("https://a.b.example.com")
                .is_some()
        );
        assert!(
            rule("https://*.example.com")
                .origin("https://example.com")
                .is_none()
        );
        assert!(
            rule("http*://example.com")
                .origin("https://example.com")
                .is_some()
        );
        assert!(
            rule("https://example.com:*")
                .origin("https://example.com:8443")
                .is_some()
        );
        assert!(
            rule("https://example.com")
                .origin("https://EXAMPLE.com")
                .is_none()
        );
        assert!(
            rule("https://example.com")
                .origin("https://example.com:443")
                .is_none()
        );
    }

    #[test]
    fn validation() {
        let doc = |rules: &str| format!("<CORSConfiguration>{rules}</CORSConfiguration>");
        let ok = "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
        let code = |body: String| CorsConfig::parse(body.as_bytes()).unwrap_err().code;
        assert!(CorsConfig::parse(doc(ok).as_bytes()).is_ok());
        assert_eq!(code(doc("")), ErrorCode::MalformedXML);
        assert_eq!(code("<Other/>".into()), ErrorCode::MalformedXML);
        assert_eq!(code("<CORSConfiguration>".into()), ErrorCode::MalformedXML);
        assert_eq!(
            code(doc("<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>")),
            ErrorCode::MalformedXML
        );
        assert_eq!(code(doc(&ok.repeat(101))), ErrorCode::InvalidArgument);
        assert!(CorsConfig::parse(doc(&ok.repeat(100)).as_bytes()).is_ok());
        for bad in [
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>",
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod></CORSRule>",
            "<CORSRule><AllowedOrigin>http*://*.a</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>",
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>*</ExposeHeader></CORSRule>",
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>",
        ] {
            assert_eq!(code(doc(bad)), ErrorCode::InvalidArgument, "{bad}");
        }
        let big = format!(
            "<CORSConfiguration>{}</CORSConfiguration>",
            " ".repeat(MAX_BODY)
        );
        assert_eq!(code(big), ErrorCode::XMLSizeLimit);
    }

    #[test]
    fn stored_verbatim() {
        let body = "<CORSConfiguration><CORSRule><MaxAgeSeconds>5</MaxAgeSeconds><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-cos-acl</ExposeHeader><ExposeHeader>etag</ExposeHeader><ExposeHeader>x-cos-acl</ExposeHeader></CORSRule></CORSConfiguration>";
        let c = CorsConfig::parse(body.as_bytes()).unwrap();
        let xml = c.to_xml();
        assert!(xml.contains("<ExposeHeader>x-cos-acl</ExposeHeader><ExposeHeader>etag</ExposeHeader><ExposeHeader>x-cos-acl</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds>"), "{xml}");
        assert!(!xml.contains("ResponseVary") && !xml.contains("<ID>"));
        assert_eq!(CorsConfig::parse(xml.as_bytes()).unwrap(), c);
    }
}
