//! Helpers for the operation tests: response heads from status and header pairs.

use crate::ResponseHead;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// A head with `status` and the headers.
pub(crate) fn head(status: u16, headers: &[(&str, &str)]) -> ResponseHead {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_bytes(v.as_bytes()).unwrap(),
        );
    }
    ResponseHead::new(StatusCode::from_u16(status).unwrap(), h)
}

/// A 200 head with the headers.
pub(crate) fn ok_head(headers: &[(&str, &str)]) -> ResponseHead {
    head(200, headers)
}
