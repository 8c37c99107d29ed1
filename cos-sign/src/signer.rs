//! [`sign`] and [`Signer`]: the COS v5 request signature (shared/spec/cos-protocol.md,
//! "Algorithm, step by step").

use alloc::string::String;
use zeroize::Zeroizing;

use crate::canonical::Sorted;
use crate::hash::{self, HmacSha1, KeyedWindow, SignKeySteps, Wiped};
use crate::key_time::KeyTimeText;
use crate::signature::Signature;
use crate::{Credentials, HeaderPolicy, KeyTime, SIGN_ALGORITHM, SignError, SignableRequest};

/// Signs `request` with `credentials` for the window `key_time`, signing the headers `policy`
/// picks and every query parameter.
///
/// The same result as `Signer::new(credentials, key_time)?.sign(request, policy)`; keep a
/// [`Signer`] to sign several requests in one window.
pub fn sign(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> Result<Signature, SignError> {
    let key_time_text = checked_text(key_time)?;
    // Keying with the SecretKey (two independent compressions) is issued now, the rest of the
    // SignKey's compressions interleaved with the HttpString's SHA-1 (see `SignKeySteps`).
    let steps = SignKeySteps::start(credentials.secret_key(), key_time_text);
    sign_request(
        WindowKey::Pending { key_time, steps },
        credentials,
        request,
        |_| true,
        |name| policy.signs(name),
    )
}

/// The `start;end` text of a window that does not end before it starts.
fn checked_text(key_time: KeyTime) -> Result<KeyTimeText, SignError> {
    if key_time.end < key_time.start {
        return Err(SignError::InvalidKeyTime {
            start: key_time.start,
            end: key_time.end,
        });
    }
    Ok(key_time.text())
}

/// A window's key time and SignKey.
#[derive(Clone)]
struct Window {
    key_time: KeyTime,
    key_time_text: KeyTimeText,
    sign_key: Wiped<40>,
}

/// The key a signature is computed with: a [`Signer`]'s, or one still being derived.
// `Pending` is large on purpose: it lives on the stack for one signature, and boxing it would
// add an allocation per signature.
#[allow(clippy::large_enum_variant)]
enum WindowKey<'a> {
    /// A [`Signer`]'s window and the HMAC keyed with its SignKey.
    Ready(&'a Window, &'a HmacSha1),
    /// A one-off signature's window, its SignKey under way.
    Pending {
        key_time: KeyTime,
        steps: SignKeySteps,
    },
}

/// Signs requests for one [`KeyTime`] with one set of credentials, computing the SignKey (and
/// the HMAC state keyed by it) once.
///
/// ```
/// use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, Signer};
/// let credentials = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let signer = Signer::new(&credentials, KeyTime::new(1700000000, 1700003600))?;
/// let headers = [("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
/// let req = SignableRequest::new("POST", "/obj").with_query(&[("uploads", "")]).with_headers(&headers);
/// let sig = signer.sign(&req, &HeaderPolicy::Default)?;
/// assert_eq!(sig.signature(), "3798940ab297efce6507dcc34d513a98a0a9b459");
/// # Ok::<(), cos_sign::SignError>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    credentials: Credentials,
    window: Window,
    keyed: HmacSha1,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("key_time", &self.window.key_time)
            .field("sign_key", &format_args!("[redacted]"))
            .finish()
    }
}

/// Is `method` a non-empty HTTP token (RFC 9110 `tchar`s)?
fn is_http_token(method: &str) -> bool {
    !method.is_empty()
        && method.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Text of the Authorization around the variable parts.
const AK: &str = "q-sign-algorithm=sha1&q-ak=";
const SIGN_TIME: &str = "&q-sign-time=";
const KEY_TIME: &str = "&q-key-time=";
const HEADER_LIST: &str = "&q-header-list=";
const PARAM_LIST: &str = "&q-url-param-list=";
const SIGNATURE: &str = "&q-signature=";

impl Signer {
    /// Computes the SignKey of `credentials` for `key_time`.
    ///
    /// Fails with [`SignError::InvalidKeyTime`] when the window ends before it starts.
    pub fn new(credentials: &Credentials, key_time: KeyTime) -> Result<Self, SignError> {
        let key_time_text = checked_text(key_time)?;
        let KeyedWindow { sign_key, keyed } =
            SignKeySteps::start(credentials.secret_key(), key_time_text).finish();
        Ok(Self {
            credentials: credentials.clone(),
            window: Window {
                key_time,
                key_time_text,
                sign_key,
            },
            keyed,
        })
    }

    /// The window this signer signs for.
    pub fn key_time(&self) -> KeyTime {
        self.window.key_time
    }

    /// The credentials this signer signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The SignKey: hex HMAC-SHA1(SecretKey, KeyTime). A secret for the window's duration.
    pub fn sign_key(&self) -> &str {
        hash::hex_str(&self.window.sign_key)
    }

    /// hex HMAC-SHA1(key = SignKey text, `string_to_sign`): the `q-signature` of a request's
    /// StringToSign or a POST policy's.
    pub fn signature_of(&self, string_to_sign: &[u8]) -> String {
        let mut out = String::with_capacity(40);
        hash::push_hex(&mut out, &self.keyed.mac(string_to_sign));
        out
    }

    /// Signs `request`: every query parameter and the headers `policy` picks.
    pub fn sign(
        &self,
        request: &SignableRequest<'_>,
        policy: &HeaderPolicy,
    ) -> Result<Signature, SignError> {
        self.sign_filtered(request, |_| true, |name| policy.signs(name))
    }

    /// Signs `request` with the parameters and headers whose raw names `keep_param` and
    /// `keep_header` accept.
    pub(crate) fn sign_filtered(
        &self,
        request: &SignableRequest<'_>,
        keep_param: impl Fn(&str) -> bool,
        keep_header: impl Fn(&str) -> bool,
    ) -> Result<Signature, SignError> {
        sign_request(
            WindowKey::Ready(&self.window, &self.keyed),
            &self.credentials,
            request,
            keep_param,
            keep_header,
        )
    }
}

/// The signature of `request` under `key`.
fn sign_request(
    key: WindowKey<'_>,
    credentials: &Credentials,
    request: &SignableRequest<'_>,
    keep_param: impl Fn(&str) -> bool,
    keep_header: impl Fn(&str) -> bool,
) -> Result<Signature, SignError> {
    if !is_http_token(request.method) {
        return Err(SignError::InvalidMethod {
            method: request.method.into(),
        });
    }
    if !request.path.starts_with('/') {
        return Err(SignError::InvalidPath {
            path: request.path.into(),
        });
    }
    let mut params = Sorted::for_count(request.query.len());
    params
        .fill(request.query, keep_param)
        .map_err(|name| SignError::DuplicateParameter { name })?;
    let mut headers = Sorted::for_count(request.headers.len());
    headers
        .fill(request.headers, keep_header)
        .map_err(|name| SignError::DuplicateHeader { name })?;
    let key_time_text = match &key {
        WindowKey::Ready(window, _) => window.key_time_text,
        WindowKey::Pending { steps, .. } => steps.key_time_text(),
    };
    let key_time = key_time_text.as_str();
    let secret_id = credentials.secret_id();

    // One buffer for the HttpString, then the StringToSign, then the Authorization, sized
    // for the worst case (every byte escaped) so that it never grows: cheaper than a pass
    // over the text to measure it.
    let http_len = request.method.len()
        + request.path.len()
        + params.pairs_capacity()
        + headers.pairs_capacity()
        + 4;
    let string_to_sign_len = SIGN_ALGORITHM.len() + key_time.len() + 40 + 3;
    let authorization_len = AK.len()
        + secret_id.len()
        + SIGN_TIME.len()
        + KEY_TIME.len()
        + 2 * key_time.len()
        + HEADER_LIST.len()
        + headers.list_capacity()
        + PARAM_LIST.len()
        + params.list_capacity()
        + SIGNATURE.len()
        + 40;
    let mut buf = String::with_capacity(http_len + string_to_sign_len + authorization_len);

    // HttpString = method \n path \n HttpParameters \n HttpHeaders \n
    buf.push_str(request.method);
    buf.make_ascii_lowercase();
    buf.push('\n');
    buf.push_str(request.path);
    buf.push('\n');
    let param_names = params.write_pairs(&mut buf);
    buf.push('\n');
    let header_names = headers.write_pairs(&mut buf);
    buf.push('\n');
    let http_end = buf.len();

    // StringToSign = sha1 \n KeyTime \n hex(SHA1(HttpString)) \n
    let mut owned_keyed = None;
    let (window_key_time, sign_key, keyed, http_sha1) = match key {
        WindowKey::Ready(window, keyed) => (
            window.key_time,
            window.sign_key.clone(),
            keyed,
            hash::sha1(buf.as_bytes()),
        ),
        WindowKey::Pending { key_time, steps } => {
            let (KeyedWindow { sign_key, keyed }, http_sha1) =
                steps.finish_with_sha1(buf.as_bytes());
            let keyed: &HmacSha1 = owned_keyed.insert(keyed);
            (key_time, sign_key, keyed, http_sha1)
        }
    };
    buf.push_str(SIGN_ALGORITHM);
    buf.push('\n');
    buf.push_str(key_time);
    buf.push('\n');
    hash::push_hex(&mut buf, &http_sha1);
    buf.push('\n');
    let string_to_sign_end = buf.len();

    let signature = keyed.mac(&buf.as_bytes()[http_end..]);
    buf.push_str(AK);
    let secret_id_range = span(&mut buf, |b| b.push_str(secret_id));
    buf.push_str(SIGN_TIME);
    let key_time_range = span(&mut buf, |b| b.push_str(key_time));
    buf.push_str(KEY_TIME);
    buf.push_str(key_time);
    buf.push_str(HEADER_LIST);
    let header_list = span(&mut buf, |b| headers.write_list(b, &header_names));
    buf.push_str(PARAM_LIST);
    let url_param_list = span(&mut buf, |b| params.write_list(b, &param_names));
    buf.push_str(SIGNATURE);
    hash::push_hex(&mut buf, &signature);
    debug_assert!(buf.len() <= http_len + string_to_sign_len + authorization_len);

    Ok(Signature {
        buf,
        http_end,
        string_to_sign_end,
        secret_id: secret_id_range,
        key_time_text: key_time_range,
        header_list,
        url_param_list,
        key_time: window_key_time,
        sign_key,
        security_token: credentials
            .security_token()
            .map(|t| Zeroizing::new(String::from(t))),
    })
}

/// Runs `write` on `s` and returns the range it appended.
fn span(s: &mut String, write: impl FnOnce(&mut String)) -> core::ops::Range<usize> {
    let start = s.len();
    write(s);
    start..s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        )
    }

    #[test]
    fn rejects_bad_inputs() {
        let kt = KeyTime::new(1, 2);
        let p = HeaderPolicy::Default;
        let err = sign(&SignableRequest::new("", "/"), &creds(), kt, &p).unwrap_err();
        assert!(matches!(err, SignError::InvalidMethod { .. }));
        let err = sign(&SignableRequest::new("G ET", "/"), &creds(), kt, &p).unwrap_err();
        assert!(matches!(err, SignError::InvalidMethod { .. }));
        let err = sign(&SignableRequest::new("GET", "key"), &creds(), kt, &p).unwrap_err();
        assert_eq!(err, SignError::InvalidPath { path: "key".into() });
        let err = sign(
            &SignableRequest::new("GET", "/"),
            &creds(),
            KeyTime::new(3, 2),
            &p,
        )
        .unwrap_err();
        assert_eq!(err, SignError::InvalidKeyTime { start: 3, end: 2 });
        let headers = [("Host", "a"), ("HOST", "b")];
        let err = sign(
            &SignableRequest::new("GET", "/").with_headers(&headers),
            &creds(),
            kt,
            &p,
        )
        .unwrap_err();
        assert_eq!(
            err,
            SignError::DuplicateHeader {
                name: "host".into()
            }
        );
        let query = [("uploadId", "a"), ("UPLOADID", "b")];
        let err = sign(
            &SignableRequest::new("GET", "/").with_query(&query),
            &creds(),
            kt,
            &p,
        )
        .unwrap_err();
        assert_eq!(
            err,
            SignError::DuplicateParameter {
                name: "uploadid".into()
            }
        );
    }

    #[test]
    fn errors_and_debug_never_show_secrets() {
        let c = creds().with_security_token("TOKEN_SECRET");
        let headers = [("Host", "a"), ("host", "b")];
        let err = sign(
            &SignableRequest::new("GET", "/").with_headers(&headers),
            &c,
            KeyTime::new(1, 2),
            &HeaderPolicy::Default,
        )
        .unwrap_err();
        let text = alloc::format!("{err} {err:?}");
        assert!(
            !text.contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz") && !text.contains("TOKEN_SECRET")
        );
        let signer = Signer::new(&c, KeyTime::new(1, 2)).unwrap();
        let sig = signer
            .sign(&SignableRequest::new("GET", "/"), &HeaderPolicy::Default)
            .unwrap();
        for text in [alloc::format!("{signer:?}"), alloc::format!("{sig:?}")] {
            assert!(!text.contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"), "{text}");
            assert!(!text.contains("TOKEN_SECRET"), "{text}");
            assert!(!text.contains(sig.sign_key()), "{text}");
        }
    }

    #[test]
    fn signer_and_sign_agree() {
        let kt = KeyTime::new(1700000000, 1700003600);
        let signer = Signer::new(&creds(), kt).unwrap();
        let headers = [("Host", "h"), ("Content-Length", "0")];
        let req = SignableRequest::new("put", "/a b").with_headers(&headers);
        let a = signer.sign(&req, &HeaderPolicy::Default).unwrap();
        let b = sign(&req, &creds(), kt, &HeaderPolicy::Default).unwrap();
        assert_eq!(a.authorization(), b.authorization());
        assert_eq!(signer.sign_key(), a.sign_key());
        assert_eq!(
            signer.signature_of(a.string_to_sign().as_bytes()),
            a.signature()
        );
    }
}
