//! The query string of a request, decoded into ordered (name, value) pairs.

use crate::names::percent_decode;

/// Decoded query pairs in wire order; a parameter without `=` has the value `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (without `?`). `None` on a bad escape or invalid UTF-8.
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        let mut pairs = Vec::new();
        for item in raw.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (n, v) = item.split_once('=').unwrap_or((item, ""));
            pairs.push((percent_decode(n, true)?, percent_decode(v, true)?));
        }
        Some(Query { pairs })
    }

    /// All pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of `name` (names compared exactly, as COS does for sub-resources).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether the query carries pre-signed authorization (`q-sign-algorithm`, or the merged `sign`).
    pub fn is_presigned(&self) -> bool {
        self.has("q-sign-algorithm") || self.has("q-signature") || self.has("sign")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_and_values() {
        let q = Query::parse(Some("uploads&prefix=a%2Fb%20c&max-keys=10")).unwrap();
        assert_eq!(q.get("uploads"), Some(""));
        assert_eq!(q.get("prefix"), Some("a/b c"));
        assert_eq!(q.get("max-keys"), Some("10"));
        assert!(!q.is_presigned());
        assert!(Query::parse(Some("a=%ZZ")).is_none());
        assert_eq!(Query::parse(None).unwrap().pairs().len(), 0);
    }
}
