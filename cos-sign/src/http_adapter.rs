//! Feature `http`: [`OwnedSignableRequest`], the signer's view of an `http::request::Parts`
//! (path and query decoded from the URI, header values as text).

use alloc::string::String;
use alloc::vec::Vec;

use crate::encode::uri_decode;
use crate::{Credentials, HeaderPolicy, KeyTime, SignError, SignableRequest, Signature, sign};

/// An owned [`SignableRequest`] taken from `http::request::Parts`.
///
/// The path signed is the URI's path, percent-decoded: right for virtual-host URLs. For
/// path-style URLs (`/<bucket>/<key>`) that is also what COS signs. Query pairs are split on
/// `&` and the first `=` and percent-decoded (`+` stays `+`).
///
/// ```
/// let (parts, ()) = http::Request::put("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b?partNumber=1&uploads")
///     .header("host", "b-1250000000.cos.ap-guangzhou.myqcloud.com")
///     .body(())
///     .unwrap()
///     .into_parts();
/// let owned = cos_sign::OwnedSignableRequest::from_parts(&parts)?;
/// assert_eq!(owned.path, "/a b");
/// assert_eq!(owned.query, vec![("partNumber".to_string(), "1".to_string()), ("uploads".to_string(), String::new())]);
/// owned.with_request(|req| assert_eq!(req.header("HOST"), Some("b-1250000000.cos.ap-guangzhou.myqcloud.com")));
/// # Ok::<(), cos_sign::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedSignableRequest {
    /// The method.
    pub method: String,
    /// The decoded path.
    pub path: String,
    /// Decoded query pairs, in URI order.
    pub query: Vec<(String, String)>,
    /// Header pairs, in map order.
    pub headers: Vec<(String, String)>,
}

impl OwnedSignableRequest {
    /// Takes the method, URI and headers of `parts`.
    ///
    /// Fails on a header value that is not UTF-8 or a URI that does not percent-decode to UTF-8.
    pub fn from_parts(parts: &http::request::Parts) -> Result<Self, SignError> {
        let path = uri_decode(parts.uri.path())?;
        let path = if path.is_empty() {
            String::from("/")
        } else {
            path
        };
        let mut query = Vec::new();
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                query.push((uri_decode(name)?, uri_decode(value)?));
            }
        }
        let mut headers = Vec::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            let value = value.to_str().map_err(|_| SignError::NonUtf8Header {
                name: String::from(name.as_str()),
            })?;
            headers.push((String::from(name.as_str()), String::from(value)));
        }
        Ok(Self {
            method: String::from(parts.method.as_str()),
            path,
            query,
            headers,
        })
    }

    /// Runs `f` on the borrowed view of this request.
    pub fn with_request<R>(&self, f: impl FnOnce(&SignableRequest<'_>) -> R) -> R {
        let query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(&SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &query,
            headers: &headers,
        })
    }

    /// Signs this request (see [`sign`]).
    pub fn sign(
        &self,
        credentials: &Credentials,
        key_time: KeyTime,
        policy: &HeaderPolicy,
    ) -> Result<Signature, SignError> {
        self.with_request(|req| sign(req, credentials, key_time, policy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_n3_from_http_parts() {
        let (parts, ()) = http::Request::put(
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/folder/big%20file.bin?partNumber=1&uploadId=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        )
        .header("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
        .header("Content-Length", "1048576")
        .header("User-Agent", "cos-rs")
        .body(())
        .unwrap()
        .into_parts();
        let owned = OwnedSignableRequest::from_parts(&parts).unwrap();
        let credentials = Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        );
        let sig = owned
            .sign(
                &credentials,
                KeyTime::new(1700000000, 1700003600),
                &HeaderPolicy::Default,
            )
            .unwrap();
        assert_eq!(sig.signature(), "7f46a9119c691b29713a1bcc172148a9b9ae7084");
    }

    #[test]
    fn rejects_non_utf8_header_and_bad_escape() {
        let (parts, ()) = http::Request::get("/x")
            .header(
                "x-cos-meta-a",
                http::HeaderValue::from_bytes(b"\xff").unwrap(),
            )
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(
            OwnedSignableRequest::from_parts(&parts),
            Err(SignError::NonUtf8Header {
                name: "x-cos-meta-a".into()
            })
        );
        let (parts, ()) = http::Request::get("/x%ZZ").body(()).unwrap().into_parts();
        assert!(matches!(
            OwnedSignableRequest::from_parts(&parts),
            Err(SignError::UndecodableUri(_))
        ));
    }
}
