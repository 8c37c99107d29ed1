//! [`AuthorizationFields`]: the `q-*` fields of an Authorization string or pre-signed query.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::VerifyError;
use crate::{KeyTime, SIGN_ALGORITHM};

/// The parsed fields of a COS v5 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationFields {
    /// `q-ak`.
    pub access_key_id: String,
    /// `q-sign-time`.
    pub sign_time: KeyTime,
    /// `q-key-time`.
    pub key_time: KeyTime,
    /// `q-header-list`, lowercased.
    pub header_list: Vec<String>,
    /// `q-url-param-list`, lowercased.
    pub url_param_list: Vec<String>,
    /// `q-signature`.
    pub signature: String,
}

const FIELDS: [&str; 7] = [
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

fn list(text: &str) -> Vec<String> {
    text.split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_lowercase())
        .collect()
}

impl AuthorizationFields {
    /// Parses `q-sign-algorithm=sha1&q-ak=…&…&q-signature=…` (any field order; unknown
    /// fields ignored).
    ///
    /// ```
    /// let f = cos_sign::verify::AuthorizationFields::parse(
    ///     "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=ab",
    /// ).unwrap();
    /// assert_eq!((f.access_key_id.as_str(), f.header_list.len(), f.url_param_list.len()), ("AKID", 1, 0));
    /// ```
    pub fn parse(authorization: &str) -> Result<Self, VerifyError> {
        let pairs = authorization
            .trim()
            .split('&')
            .map(|kv| kv.split_once('=').unwrap_or((kv, "")));
        Self::from_pairs(pairs)
    }

    /// Reads the fields from (name, value) pairs, e.g. a pre-signed URL's decoded query.
    /// Pairs that are not `q-*` fields are ignored.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, VerifyError> {
        let mut values: [Option<&str>; 7] = [None; 7];
        for (name, value) in pairs {
            if let Some(i) = FIELDS.iter().position(|f| f.eq_ignore_ascii_case(name))
                && values[i].replace(value).is_some()
            {
                return Err(VerifyError::Malformed(alloc::format!(
                    "`{}` given twice",
                    FIELDS[i]
                )));
            }
        }
        let get = |i: usize| {
            values[i].ok_or_else(|| VerifyError::Malformed(alloc::format!("no `{}`", FIELDS[i])))
        };
        let algorithm = get(0)?;
        if !algorithm.eq_ignore_ascii_case(SIGN_ALGORITHM) {
            return Err(VerifyError::Malformed(alloc::format!(
                "unsupported q-sign-algorithm `{algorithm}`"
            )));
        }
        let time = |i: usize| -> Result<KeyTime, VerifyError> {
            let text = get(i)?;
            let key_time: KeyTime = text
                .parse()
                .map_err(|e| VerifyError::Malformed(alloc::format!("`{}`: {e}", FIELDS[i])))?;
            if key_time.end < key_time.start {
                return Err(VerifyError::Malformed(alloc::format!(
                    "`{}` ends before it starts",
                    FIELDS[i]
                )));
            }
            Ok(key_time)
        };
        let access_key_id = get(1)?;
        if access_key_id.is_empty() {
            return Err(VerifyError::Malformed("empty `q-ak`".into()));
        }
        Ok(Self {
            access_key_id: access_key_id.to_string(),
            sign_time: time(2)?,
            key_time: time(3)?,
            header_list: list(get(4)?),
            url_param_list: list(get(5)?),
            signature: get(6)?.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;3&q-header-list=Host;range&q-url-param-list=uploads&q-signature=00";

    #[test]
    fn parses_every_field() {
        let f = AuthorizationFields::parse(GOOD).unwrap();
        assert_eq!(f.access_key_id, "AKID");
        assert_eq!(f.sign_time, KeyTime::new(1, 2));
        assert_eq!(f.key_time, KeyTime::new(1, 3));
        assert_eq!(f.header_list, ["host", "range"]);
        assert_eq!(f.url_param_list, ["uploads"]);
        assert_eq!(f.signature, "00");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "q-sign-algorithm=sha256&q-ak=A&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0",
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-signature=0",
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time=12&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0",
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time=3;2&q-key-time=3;2&q-header-list=&q-url-param-list=&q-signature=0",
            "q-sign-algorithm=sha1&q-ak=&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0",
            "q-sign-algorithm=sha1&q-ak=A&q-ak=B&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0",
        ] {
            assert!(
                matches!(
                    AuthorizationFields::parse(bad),
                    Err(VerifyError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
