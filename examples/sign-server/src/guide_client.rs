//! A reference client of the direct-upload guide: what a mini program does with this server's
//! answers (ask for a grant, then PUT or POST the file straight to COS). The end-to-end tests and
//! `cargo xtask demo` play the mini program with it; plain HTTP, as the emulator speaks.

use bytes::Bytes;
use cos_transport::{Body, HyperTransport, Transport};
use serde_json::Value;

/// Grants and COS error bodies are small; a larger answer is a fault, not data.
const ANSWER_LIMIT: u64 = 1 << 20;

/// An HTTP answer, kept whole (signing answers and COS errors are small).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (a grant, or the server's `{"error": …}`).
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The `<Code>` of a COS error body, if there is one.
    pub fn cos_code(&self) -> Option<String> {
        let text = std::str::from_utf8(&self.body).ok()?;
        let start = text.find("<Code>")? + "<Code>".len();
        let end = start + text[start..].find("</Code>")?;
        Some(text[start..end].to_owned())
    }
}

/// Why the client could not get an answer at all.
#[derive(Debug, thiserror::Error)]
pub enum GuideClientError {
    /// The request could not be built (a bad URL or header in a grant).
    #[error("bad request: {0}")]
    Request(#[from] http::Error),
    /// The HTTP client could not be set up.
    #[error("HTTP client: {0}")]
    Setup(#[from] cos_transport::HyperBuildError),
    /// Sending or receiving failed.
    #[error("HTTP exchange failed: {0}")]
    Http(#[from] cos_transport::TransportError),
    /// A grant lacked a field the guide's client reads.
    #[error("the grant has no string field `{0}`")]
    MissingField(&'static str),
}

/// Plays the mini program: fetches grants with its login token and uploads with them.
#[derive(Clone)]
pub struct GuideClient {
    signing_server: String,
    login_token: String,
    http: HyperTransport,
}

impl std::fmt::Debug for GuideClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuideClient")
            .field("signing_server", &self.signing_server)
            .field("login_token", &"[redacted]")
            .finish()
    }
}

/// The multipart boundary of the form; it cannot occur in the fields we send.
const BOUNDARY: &str = "----cosrsGuideClientBoundary7MA4YWxkTrZu0gW";

impl GuideClient {
    /// A client of the signing server at `signing_server` (`http://host:port`).
    pub fn new(
        signing_server: impl Into<String>,
        login_token: impl Into<String>,
    ) -> Result<Self, GuideClientError> {
        Ok(Self {
            signing_server: signing_server.into(),
            login_token: login_token.into(),
            http: HyperTransport::builder().build()?,
        })
    }

    /// Sends any request and reads the whole answer.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Answer, GuideClientError> {
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.into()))?;
        let response = self.http.send(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect_limited(ANSWER_LIMIT).await?;
        Ok(Answer { status, body })
    }

    /// `GET <server><path_and_query>` with the login token, e.g. `/put-auth?ext=jpg`.
    pub async fn ask(&self, path_and_query: &str) -> Result<Answer, GuideClientError> {
        let url = format!("{}{path_and_query}", self.signing_server);
        let bearer = format!("Bearer {}", self.login_token);
        self.send("GET", &url, &[("authorization", &bearer)], Bytes::new())
            .await
    }

    /// `POST <server><path_and_query>` with the login token and no body (`/sts` takes both
    /// methods, as the guide's `sts.php` does).
    pub async fn ask_post(&self, path_and_query: &str) -> Result<Answer, GuideClientError> {
        let url = format!("{}{path_and_query}", self.signing_server);
        let bearer = format!("Bearer {}", self.login_token);
        self.send("POST", &url, &[("authorization", &bearer)], Bytes::new())
            .await
    }

    /// The guide's PUT: `PUT url` with the grant's `Authorization` and `x-cos-security-token`.
    pub async fn put(
        &self,
        grant: &Value,
        url: &str,
        body: impl Into<Bytes>,
    ) -> Result<Answer, GuideClientError> {
        let authorization = field(grant, "authorization")?;
        let token = field(grant, "securityToken")?;
        let mut headers = vec![("authorization", authorization)];
        if !token.is_empty() {
            headers.push(("x-cos-security-token", token));
        }
        self.send("PUT", url, &headers, body).await
    }

    /// The guide's POST form to the grant's `url`: `key`, `success_action_status=200`,
    /// `Content-Type`, the q-* fields, `policy`, the token, and the `file` last.
    pub async fn post(
        &self,
        grant: &Value,
        key: &str,
        file_name: &str,
        file: &[u8],
    ) -> Result<Answer, GuideClientError> {
        let mut fields = vec![
            ("key", key),
            ("success_action_status", "200"),
            ("Content-Type", ""),
            ("q-sign-algorithm", field(grant, "qSignAlgorithm")?),
            ("q-ak", field(grant, "qAk")?),
            ("q-key-time", field(grant, "qKeyTime")?),
            ("q-signature", field(grant, "qSignature")?),
            ("policy", field(grant, "policy")?),
        ];
        let token = field(grant, "securityToken")?;
        if !token.is_empty() {
            fields.push(("x-cos-security-token", token));
        }
        let mut body = Vec::with_capacity(file.len() + 2048);
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        // A quote or line break in the name would break the part header; mini programs send a
        // plain temp-file name anyway.
        let file_name: String = file_name
            .chars()
            .filter(|c| !matches!(c, '"' | '\r' | '\n'))
            .collect();
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.send(
            "POST",
            field(grant, "url")?,
            &[("content-type", &content_type)],
            body,
        )
        .await
    }
}

fn field<'a>(grant: &'a Value, name: &'static str) -> Result<&'a str, GuideClientError> {
    grant[name]
        .as_str()
        .ok_or(GuideClientError::MissingField(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_codes_are_read_from_error_bodies() {
        let answer = Answer {
            status: 403,
            body: Bytes::from_static(
                b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>AccessDenied</Code></Error>",
            ),
        };
        assert_eq!(answer.cos_code().as_deref(), Some("AccessDenied"));
        let plain = Answer {
            status: 200,
            body: Bytes::new(),
        };
        assert_eq!(plain.cos_code(), None);
    }
}
