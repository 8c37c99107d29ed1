//! [`Signature`]: a computed signature with its Authorization value, its pre-signed query form
//! and every intermediate value (for debugging `SignatureDoesNotMatch`).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;
use zeroize::Zeroizing;

use crate::hash::{Wiped, hex_str};
use crate::{KeyTime, SECURITY_TOKEN_NAME, SIGN_ALGORITHM};

/// A computed COS request signature.
///
/// The HttpString, StringToSign and Authorization share one allocation. `Debug` shows the
/// public parts and the intermediate strings but redacts the SignKey and the session token.
#[derive(Clone)]
pub struct Signature {
    /// HttpString, then StringToSign, then Authorization.
    pub(crate) buf: String,
    pub(crate) http_end: usize,
    pub(crate) string_to_sign_end: usize,
    /// Ranges of `buf`.
    pub(crate) secret_id: Range<usize>,
    pub(crate) key_time_text: Range<usize>,
    pub(crate) header_list: Range<usize>,
    pub(crate) url_param_list: Range<usize>,
    pub(crate) key_time: KeyTime,
    pub(crate) sign_key: Wiped<40>,
    pub(crate) security_token: Option<Zeroizing<String>>,
}

impl Signature {
    /// The `Authorization` header value:
    /// `q-sign-algorithm=sha1&q-ak=…&q-sign-time=…&q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…`.
    pub fn authorization(&self) -> &str {
        &self.buf[self.string_to_sign_end..]
    }

    /// `q-signature`: 40 lowercase hex digits.
    pub fn signature(&self) -> &str {
        &self.buf[self.buf.len() - 40..]
    }

    /// `q-ak`: the SecretId.
    pub fn secret_id(&self) -> &str {
        &self.buf[self.secret_id.clone()]
    }

    /// `q-header-list`: the signed header names, `;`-separated, sorted.
    pub fn header_list(&self) -> &str {
        &self.buf[self.header_list.clone()]
    }

    /// `q-url-param-list`: the signed parameter names, `;`-separated, sorted.
    pub fn url_param_list(&self) -> &str {
        &self.buf[self.url_param_list.clone()]
    }

    /// The validity window (`q-sign-time` = `q-key-time`).
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// The window as `start;end`.
    pub fn key_time_text(&self) -> &str {
        &self.buf[self.key_time_text.clone()]
    }

    /// The HttpString (the SDKs' FormatString) that was hashed:
    /// `method\npath\nHttpParameters\nHttpHeaders\n`. COS returns its own as `FormatString`
    /// in a `SignatureDoesNotMatch` body.
    pub fn http_string(&self) -> &str {
        &self.buf[..self.http_end]
    }

    /// The StringToSign: `sha1\n<KeyTime>\n<hex SHA-1 of the HttpString>\n`.
    pub fn string_to_sign(&self) -> &str {
        &self.buf[self.http_end..self.string_to_sign_end]
    }

    /// The SignKey (hex HMAC-SHA1 of the KeyTime under the SecretKey). It signs anything in
    /// this window: treat it as a secret.
    pub fn sign_key(&self) -> &str {
        hex_str(&self.sign_key)
    }

    /// Is `x-cos-security-token` among the signed query parameters?
    fn token_is_signed(&self) -> bool {
        self.url_param_list()
            .split(';')
            .any(|n| n == SECURITY_TOKEN_NAME)
    }

    /// The pre-signed URL form: the `q-*` pairs in Authorization order, values NOT
    /// percent-encoded, then `x-cos-security-token` when the credentials carry a token and the
    /// request did not already sign it as a query parameter (which it then must still carry).
    /// Append the request's own query parameters after these.
    pub fn presigned_query(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::with_capacity(8);
        pairs.push(("q-sign-algorithm".into(), SIGN_ALGORITHM.into()));
        pairs.push(("q-ak".into(), self.secret_id().into()));
        pairs.push(("q-sign-time".into(), self.key_time_text().into()));
        pairs.push(("q-key-time".into(), self.key_time_text().into()));
        pairs.push(("q-header-list".into(), self.header_list().into()));
        pairs.push(("q-url-param-list".into(), self.url_param_list().into()));
        pairs.push(("q-signature".into(), self.signature().into()));
        if let Some(token) = &self.security_token
            && !self.token_is_signed()
        {
            pairs.push((SECURITY_TOKEN_NAME.into(), String::from(token.as_str())));
        }
        pairs
    }

    /// [`presigned_query`](Self::presigned_query) as query text with every value
    /// `UrlEncode`d (`;` → `%3B`, as the documentation, Go and Python do).
    pub fn presigned_query_string(&self) -> String {
        let mut out = String::with_capacity(self.authorization().len() + 64);
        for (i, (name, value)) in self.presigned_query().iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            crate::encode::uri_encode_into(&mut out, value);
        }
        out
    }

    /// The merged pre-signed form: the single pair `("sign", authorization)` (value not
    /// percent-encoded). COS accepts it like the separate `q-*` pairs.
    pub fn merged_query(&self) -> (String, String) {
        ("sign".into(), self.authorization().into())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("authorization", &self.authorization())
            .field("http_string", &self.http_string())
            .field("string_to_sign", &self.string_to_sign())
            .field("sign_key", &format_args!("[redacted]"))
            .field(
                "security_token",
                &self
                    .security_token
                    .as_ref()
                    .map(|_| format_args!("[redacted]")),
            )
            .finish()
    }
}
