//! `SigningInput`: what a built request carries for the signer.

/// The decoded path and query of a built request, exactly as they are to be signed.
///
/// Every request built by an [`Operation`](crate::Operation) carries one in its
/// `http::Extensions`; cos-transport hands it to cos-sign. `path` is `/` + the raw key (path
/// style: `/<bucket>/<key>`); the query pairs are decoded, a parameter without a value has the
/// value `""`, in the order they appear in the URI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigningInput {
    /// The decoded path to sign.
    pub path: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
}

impl SigningInput {
    /// The query pairs as borrowed pairs (cos-sign's `SignableRequest::query` shape).
    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        self.query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The signing input a built request carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<&SigningInput> {
        request.extensions().get::<SigningInput>()
    }
}
