//! Assertions about COS answers: an error has the expected status and code and carries a
//! request id, whether it came through the Client or a plain HTTP exchange.

use std::fmt::Debug;

use cos_model::{CosError, ErrorCode};

use crate::SuiteError;
use crate::plain_http::PlainResponse;

/// Expects `result` to be COS's `status` + `code` error with a request id; returns it.
pub fn expect_cos_error<T: Debug>(
    result: Result<T, cos_transport::Error>,
    status: u16,
    code: ErrorCode,
    what: &str,
) -> Result<CosError, SuiteError> {
    let error = match result {
        Ok(value) => {
            return Err(SuiteError::check(format!(
                "{what}: succeeded ({value:?}), but COS answers {status} {code}"
            )));
        }
        Err(error) => error,
    };
    let Some(cos) = error.cos() else {
        return Err(SuiteError::check(format!(
            "{what}: failed without a COS error (want {status} {code}): {error}"
        )));
    };
    check_cos(cos, status, &code, what)?;
    Ok(cos.clone())
}

/// Expects a plain response to be COS's `status` + `code` error with a request id.
pub fn expect_plain_error(
    response: &PlainResponse,
    status: u16,
    code: ErrorCode,
    what: &str,
) -> Result<CosError, SuiteError> {
    if response.status.as_u16() != status {
        return Err(SuiteError::check(format!(
            "{what}: HTTP {}, want {status} {code}; body: {}",
            response.status,
            response.text()
        )));
    }
    let Some(cos) = response.cos_error() else {
        return Err(SuiteError::check(format!(
            "{what}: HTTP {} without an <Error> body (want {code}): {:?}",
            response.status,
            response.text()
        )));
    };
    check_cos(&cos, status, &code, what)?;
    if response.request_id().is_none_or(str::is_empty) {
        return Err(SuiteError::check(format!(
            "{what}: no x-cos-request-id header"
        )));
    }
    Ok(cos)
}

/// Expects a plain response to be a success (2xx) with a request id.
pub fn expect_plain_success(response: &PlainResponse, what: &str) -> Result<(), SuiteError> {
    if !response.status.is_success() {
        return Err(SuiteError::check(format!(
            "{what}: HTTP {}, want 2xx; body: {}",
            response.status,
            response.text()
        )));
    }
    if response.request_id().is_none_or(str::is_empty) {
        return Err(SuiteError::check(format!(
            "{what}: no x-cos-request-id header"
        )));
    }
    Ok(())
}

fn check_cos(cos: &CosError, status: u16, code: &ErrorCode, what: &str) -> Result<(), SuiteError> {
    if cos.status.as_u16() != status || &cos.code != code {
        return Err(SuiteError::check(format!(
            "{what}: got {} {} ({:?}), want {status} {code}",
            cos.status.as_u16(),
            cos.code,
            cos.message
        )));
    }
    if cos.request_id.as_deref().is_none_or(str::is_empty) {
        return Err(SuiteError::check(format!(
            "{what}: the {code} error carries no request id"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, HeaderValue, StatusCode};

    fn response(status: u16, code: &str, with_id: bool) -> PlainResponse {
        let mut headers = HeaderMap::new();
        if with_id {
            headers.insert("x-cos-request-id", HeaderValue::from_static("rid-1"));
        }
        let body = format!(
            "<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code><Message>m</Message><RequestId>rid-1</RequestId></Error>"
        );
        PlainResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: Bytes::from(body),
        }
    }

    #[test]
    fn plain_error_matches_status_code_and_request_id() {
        let ok = response(404, "NoSuchKey", true);
        assert!(expect_plain_error(&ok, 404, ErrorCode::NoSuchKey, "get").is_ok());
        assert!(expect_plain_error(&ok, 404, ErrorCode::NoSuchBucket, "get").is_err());
        assert!(expect_plain_error(&ok, 403, ErrorCode::NoSuchKey, "get").is_err());
        let no_id = response(404, "NoSuchKey", false);
        assert!(expect_plain_error(&no_id, 404, ErrorCode::NoSuchKey, "get").is_err());
    }
}
