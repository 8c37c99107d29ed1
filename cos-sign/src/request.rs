//! [`SignableRequest`]: the borrowed view of a request that the signer reads.

/// The parts of an HTTP request that a COS signature covers, borrowed.
///
/// ```
/// let req = cos_sign::SignableRequest {
///     method: "PUT",
///     path: "/folder/big file.bin",
///     query: &[("partNumber", "1"), ("uploadId", "abc")],
///     headers: &[("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")],
/// };
/// assert_eq!(req.header("host"), Some("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignableRequest<'a> {
    /// The HTTP method, any case (signed lowercased).
    pub method: &'a str,
    /// The DECODED path exactly as signed: `/` + the raw object key (`/<bucket>/<key>` for
    /// path-style URLs, `/` for bucket operations). Not percent-encoded.
    pub path: &'a str,
    /// Query parameters, names and values DECODED; a parameter without a value (`?uploads`)
    /// has the value `""`. Every parameter is signed.
    pub query: &'a [(&'a str, &'a str)],
    /// Request headers as sent; the [`HeaderPolicy`](crate::HeaderPolicy) picks the signed ones.
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> SignableRequest<'a> {
    /// A request without query or headers.
    pub const fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            query: &[],
            headers: &[],
        }
    }

    /// Sets the query pairs.
    #[must_use]
    pub const fn with_query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    /// Sets the header pairs.
    #[must_use]
    pub const fn with_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, v)| v)
    }

    /// The first query parameter named `name` (case-insensitive).
    pub fn query_param(&self, name: &str) -> Option<&'a str> {
        self.query
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, v)| v)
    }
}
