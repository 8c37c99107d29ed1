//! [`Credentials`]: a SecretId, its SecretKey and an optional STS session token, with the
//! secrets wiped from memory on drop and kept out of `Debug`.

use alloc::string::String;
use core::fmt;
use zeroize::Zeroizing;

/// A COS key pair (`SecretId`/`SecretKey`), optionally with the session token of temporary
/// (STS) credentials.
///
/// The secret key and the token are zeroized when dropped and print as `[redacted]` in
/// `Debug`; the SecretId is not secret (it travels in every Authorization as `q-ak`).
///
/// ```
/// let c = cos_sign::Credentials::new("AKIDexample", "secret").with_security_token("token");
/// assert_eq!(c.secret_id(), "AKIDexample");
/// assert!(!format!("{c:?}").contains("secret\""));
/// assert!(format!("{c:?}").contains("[redacted]"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    secret_id: String,
    secret_key: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// A permanent key pair.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: Zeroizing::new(secret_key.into()),
            security_token: None,
        }
    }

    /// Adds the session token of temporary credentials (`x-cos-security-token`).
    #[must_use]
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Zeroizing::new(token.into()));
        self
    }

    /// The SecretId (`q-ak`).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey. Handle with care: never log it.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The session token, when these are temporary credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref().map(String::as_str)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &format_args!("[redacted]"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::new("AKIDid", "the-secret-key").with_security_token("the-token");
        let dbg = format!("{c:?}");
        assert!(dbg.contains("AKIDid"));
        assert!(!dbg.contains("the-secret-key"));
        assert!(!dbg.contains("the-token"));
        assert_eq!(dbg.matches("[redacted]").count(), 2);
        let plain = format!("{:?}", Credentials::new("a", "b"));
        assert!(plain.contains("security_token: None"));
    }

    #[test]
    fn accessors_return_what_was_given() {
        let c = Credentials::new("id", "key");
        assert_eq!(
            (c.secret_id(), c.secret_key(), c.security_token()),
            ("id", "key", None)
        );
        let c = c.with_security_token("tok");
        assert_eq!(c.security_token(), Some("tok"));
        assert_eq!(c.clone().secret_key(), "key");
    }
}
