//! A bucket's CORS configuration (`<CORSConfiguration>` of `<CORSRule>`s), the body of PUT and
//! GET Bucket cors (shared/spec/cors.md §2.2, §2.7): values are kept verbatim — case, order and
//! duplicates — so GET gives back value for value what PUT stored.

use crate::ModelError;
use crate::options::CorsMethod;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most rules COS keeps for one bucket.
pub const MAX_CORS_RULES: usize = 100;

/// `<CORSConfiguration>`: the rules, tried in order (the first match answers), and whether
/// CORS answers carry `Vary: Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CorsConfiguration {
    /// `<CORSRule>`*, in order.
    #[serde(rename = "CORSRule", default)]
    pub rules: Vec<CorsRule>,
    /// `<ResponseVary>`: `true` makes COS add `Vary: Origin`; absent means `false`.
    #[serde(
        rename = "ResponseVary",
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_bool"
    )]
    pub response_vary: Option<bool>,
}

/// `<CORSRule>`: which origins may call with which methods and request headers, which
/// response headers their scripts may read, and how long a preflight answer may be cached.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CorsRule {
    /// `<ID>`: a free-form name (returned only if given).
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `<AllowedOrigin>`+: `*`, a literal origin (`https://example.com:8443`), or one with a
    /// single `*` wildcard (`https://*.example.com`).
    #[serde(rename = "AllowedOrigin", default)]
    pub allowed_origins: Vec<String>,
    /// `<AllowedMethod>`+.
    #[serde(rename = "AllowedMethod", default)]
    pub allowed_methods: Vec<CorsMethod>,
    /// `<AllowedHeader>`*: request header names a preflight may ask for (`*` = any).
    #[serde(rename = "AllowedHeader", default)]
    pub allowed_headers: Vec<String>,
    /// `<ExposeHeader>`*: response headers scripts may read (no wildcard).
    #[serde(rename = "ExposeHeader", default)]
    pub expose_headers: Vec<String>,
    /// `<MaxAgeSeconds>`: how long browsers may cache a preflight answer.
    #[serde(
        rename = "MaxAgeSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_age_seconds: Option<u64>,
}

impl CorsRule {
    /// A rule letting `origin` call with `method`; add more with the builder methods.
    pub fn new(origin: impl Into<String>, method: CorsMethod) -> Self {
        CorsRule {
            allowed_origins: vec![origin.into()],
            allowed_methods: vec![method],
            ..Self::default()
        }
    }

    /// `<ID>`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Another `<AllowedOrigin>`.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Another `<AllowedMethod>`.
    pub fn method(mut self, method: CorsMethod) -> Self {
        self.allowed_methods.push(method);
        self
    }

    /// Another `<AllowedHeader>` (`*` for any).
    pub fn allowed_header(mut self, name: impl Into<String>) -> Self {
        self.allowed_headers.push(name.into());
        self
    }

    /// Another `<ExposeHeader>`.
    pub fn expose_header(mut self, name: impl Into<String>) -> Self {
        self.expose_headers.push(name.into());
        self
    }

    /// `<MaxAgeSeconds>`.
    pub fn max_age_seconds(mut self, seconds: u64) -> Self {
        self.max_age_seconds = Some(seconds);
        self
    }

    fn check(&self, index: usize) -> Result<(), String> {
        let which = || match &self.id {
            Some(id) => format!("rule {index} ({id:?})"),
            None => format!("rule {index}"),
        };
        if self.allowed_origins.is_empty() {
            return Err(format!("{} has no AllowedOrigin", which()));
        }
        if self.allowed_methods.is_empty() {
            return Err(format!("{} has no AllowedMethod", which()));
        }
        if let Some(o) = self
            .allowed_origins
            .iter()
            .find(|o| o.is_empty() || o.matches('*').count() > 1)
        {
            return Err(format!(
                "{}: origin {o:?} is empty or has more than one `*`",
                which()
            ));
        }
        if let Some(m) = self
            .allowed_methods
            .iter()
            .find(|m| matches!(m, CorsMethod::Other(_)))
        {
            return Err(format!(
                "{}: method {m} is not one of GET, PUT, POST, DELETE, HEAD",
                which()
            ));
        }
        if self.expose_headers.iter().any(|h| h.contains('*')) {
            return Err(format!("{}: ExposeHeader cannot be a wildcard", which()));
        }
        Ok(())
    }
}

impl CorsConfiguration {
    /// A configuration of these rules (in order) without `ResponseVary`.
    pub fn new(rules: impl IntoIterator<Item = CorsRule>) -> Self {
        CorsConfiguration {
            rules: rules.into_iter().collect(),
            response_vary: None,
        }
    }

    /// Sets `<ResponseVary>`.
    pub fn response_vary(mut self, vary: bool) -> Self {
        self.response_vary = Some(vary);
        self
    }

    /// Checks what COS documents before sending: 1 to 100 rules, each with an origin and a
    /// method, at most one `*` an origin, only COS's five methods, no wildcard ExposeHeader.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |reason: String| ModelError::InvalidParameter {
            parameter: "CORSConfiguration",
            reason,
        };
        if self.rules.is_empty() {
            return Err(invalid("at least one CORSRule is needed".into()));
        }
        if self.rules.len() > MAX_CORS_RULES {
            return Err(invalid(format!(
                "{} rules; COS keeps at most {MAX_CORS_RULES}",
                self.rules.len()
            )));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            rule.check(i + 1).map_err(invalid)?;
        }
        Ok(())
    }

    /// The XML document, in the documented element order.
    pub fn to_xml(&self) -> Result<String, ModelError> {
        crate::xml::to_string("CORSConfiguration", self).map_err(ModelError::Body)
    }

    /// Reads the XML document (any child order, with or without a declaration).
    pub fn from_xml(xml: &str) -> Result<Self, String> {
        crate::xml::from_str(xml)
    }
}

/// `Option<bool>` as `true`/`false`, read leniently.
mod optional_bool {
    use super::*;

    pub(super) fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => crate::xml::lenient_bool::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        crate::xml::lenient_bool::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Two rules shaped like the PUT doc's example (shared/spec/cors.md §9).
    fn doc_example() -> CorsConfiguration {
        let expose = |r: CorsRule| {
            r.expose_header("Content-Length")
                .expose_header("ETag")
                .expose_header("x-cos-meta-author")
                .max_age_seconds(600)
        };
        CorsConfiguration::new([
            expose(
                CorsRule::new("*", CorsMethod::Get)
                    .method(CorsMethod::Head)
                    .allowed_header("Range")
                    .allowed_header("x-cos-server-side-encryption-customer-key-MD5"),
            ),
            expose(
                CorsRule::new("https://example.com", CorsMethod::Put)
                    .id("example-id")
                    .origin("https://example.net")
                    .method(CorsMethod::Get)
                    .allowed_header("*"),
            ),
        ])
    }

    #[test]
    fn writes_documented_order() {
        let xml = doc_example().response_vary(true).to_xml().unwrap();
        assert!(xml.starts_with(crate::xml::DECLARATION));
        assert!(xml.contains(
            "<CORSRule><ID>example-id</ID><AllowedOrigin>https://example.com</AllowedOrigin><AllowedOrigin>https://example.net</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Length</ExposeHeader>"
        ));
        assert!(xml.ends_with("</CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>"));
        assert_eq!(
            CorsConfiguration::from_xml(&xml).unwrap(),
            doc_example().response_vary(true)
        );
    }

    #[test]
    fn reads_what_sdks_send() {
        // cos-nodejs-sdk-v5 3.0.0 (captured, cors.md §2.6): MaxAgeSeconds first, no declaration.
        let node = "<CORSConfiguration><CORSRule><MaxAgeSeconds>5</MaxAgeSeconds><AllowedOrigin>*</AllowedOrigin><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><ExposeHeader>ETag</ExposeHeader><ExposeHeader>Date</ExposeHeader></CORSRule><CORSRule><ID>x</ID><AllowedOrigin>https://a.com</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>";
        let c = CorsConfiguration::from_xml(node).unwrap();
        assert_eq!(c.rules.len(), 2);
        assert_eq!(c.rules[0].max_age_seconds, Some(5));
        assert_eq!(
            c.rules[0].allowed_methods,
            [CorsMethod::Get, CorsMethod::Put]
        );
        assert_eq!(c.rules[0].expose_headers, ["ETag", "Date"]);
        assert_eq!(c.rules[1].id.as_deref(), Some("x"));
        assert!(c.rules[1].allowed_headers.is_empty());
        assert_eq!(c.response_vary, Some(true));
        assert!(c.validate().is_ok());
        let python = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://www.qq.com</AllowedOrigin></CORSRule><ResponseVary>False</ResponseVary></CORSConfiguration>";
        let c = CorsConfiguration::from_xml(python).unwrap();
        assert_eq!(c.rules[0].allowed_origins, ["http://www.qq.com"]);
        assert_eq!(c.response_vary, Some(false));
    }

    #[test]
    fn validation_follows_the_documented_limits() {
        let rule = || CorsRule::new("https://a.com", CorsMethod::Get);
        assert!(CorsConfiguration::new([rule()]).validate().is_ok());
        assert!(CorsConfiguration::new([]).validate().is_err());
        assert!(
            CorsConfiguration::new(vec![rule(); 101])
                .validate()
                .is_err()
        );
        assert!(CorsConfiguration::new(vec![rule(); 100]).validate().is_ok());
        let bad = [
            CorsRule::new("http*://*.a.com", CorsMethod::Get),
            CorsRule::new("https://a.com", CorsMethod::from("PATCH")),
            rule().expose_header("*"),
            CorsRule {
                allowed_origins: vec![],
                ..rule()
            },
            CorsRule {
                allowed_methods: vec![],
                ..rule()
            },
        ];
        for r in bad {
            let err = CorsConfiguration::new([r.clone()]).validate().unwrap_err();
            assert!(
                err.to_string().contains("CORSConfiguration"),
                "{err} for {r:?}"
            );
        }
    }

    fn value() -> impl Strategy<Value = String> {
        "[A-Za-z0-9*:/._-]{1,20}"
    }

    proptest! {
        #[test]
        fn round_trips_verbatim(
            rules in proptest::collection::vec(
                (proptest::option::of(value()),
                 proptest::collection::vec(value(), 1..4),
                 proptest::collection::vec(proptest::sample::select(CorsMethod::known().to_vec()), 1..5),
                 proptest::collection::vec(value(), 0..4),
                 proptest::collection::vec(value(), 0..4),
                 proptest::option::of(0u64..100_000)),
                1..5),
            vary in proptest::option::of(any::<bool>()),
        ) {
            let config = CorsConfiguration {
                rules: rules.into_iter().map(|(id, o, m, h, e, age)| CorsRule {
                    id, allowed_origins: o, allowed_methods: m, allowed_headers: h,
                    expose_headers: e, max_age_seconds: age,
                }).collect(),
                response_vary: vary,
            };
            let xml = config.to_xml().unwrap();
            prop_assert_eq!(CorsConfiguration::from_xml(&xml).unwrap(), config);
        }
    }
}
