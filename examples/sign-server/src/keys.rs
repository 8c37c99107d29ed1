//! Object keys the server chooses: `<prefix>/<yyyymmdd>/<random>.<ext>`, never the client's.

use rand::Rng;

use crate::error::RequestError;

/// The set of file extensions clients may ask for, lowercased.
#[derive(Debug, Clone)]
pub struct ExtensionAllowList(Vec<String>);

impl ExtensionAllowList {
    /// An allow-list from extensions such as `jpg`, `.PNG` (a leading dot and case are ignored).
    pub fn new<I, S>(extensions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list: Vec<String> = extensions
            .into_iter()
            .map(|e| {
                e.as_ref()
                    .trim()
                    .trim_start_matches('.')
                    .to_ascii_lowercase()
            })
            .filter(|e| !e.is_empty())
            .collect();
        list.sort();
        list.dedup();
        Self(list)
    }

    /// Checks a client's extension and returns it normalised (lowercase, no dot).
    pub fn check(&self, requested: Option<&str>) -> Result<String, RequestError> {
        let Some(raw) = requested else {
            return Err(RequestError::MissingExtension);
        };
        let ext = raw.trim_start_matches('.').to_ascii_lowercase();
        // Only plain alphanumeric extensions can be on the list, so this also keeps `/`, `..`
        // and encoded characters out of the key.
        if self.0.contains(&ext) {
            Ok(ext)
        } else {
            Err(RequestError::ExtensionNotAllowed(raw.to_owned()))
        }
    }

    /// The extensions on the list.
    pub fn extensions(&self) -> &[String] {
        &self.0
    }
}

/// Builds `<prefix>/<yyyymmdd>/<32 hex random>.<ext>` for the UTC date of `unix_seconds`.
pub fn generate_key(prefix: &str, unix_seconds: u64, ext: &str) -> String {
    let mut rng = rand::rng();
    let random: u128 = rng.random();
    let date = yyyymmdd(unix_seconds);
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        format!("{date}/{random:032x}.{ext}")
    } else {
        format!("{prefix}/{date}/{random:032x}.{ext}")
    }
}

/// The UTC calendar date of a Unix time as `yyyymmdd`.
fn yyyymmdd(unix_seconds: u64) -> String {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day()),
        // Out of the calendar's range: only reachable with a broken clock; keep keys valid.
        Err(_) => "00000000".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dated_random_and_keep_the_extension() {
        // 2026-11-22T20:00:00Z
        let a = generate_key("/uploads/", 1_795_377_600, "jpg");
        let b = generate_key("/uploads/", 1_795_377_600, "jpg");
        assert!(a.starts_with("uploads/20261122/"), "{a}");
        assert!(a.ends_with(".jpg"));
        assert_eq!(a.len(), "uploads/20261122/".len() + 32 + ".jpg".len());
        assert_ne!(a, b, "two keys must differ");
        assert!(generate_key("", 0, "png").starts_with("19700101/"));
    }

    #[test]
    fn allow_list_normalises_and_refuses_others() {
        let list = ExtensionAllowList::new(["JPG", ".png", "png"]);
        assert_eq!(list.extensions(), ["jpg", "png"]);
        assert_eq!(list.check(Some("jpg")).ok().as_deref(), Some("jpg"));
        assert_eq!(list.check(Some(".PNG")).ok().as_deref(), Some("png"));
        assert!(matches!(
            list.check(Some("exe")),
            Err(RequestError::ExtensionNotAllowed(e)) if e == "exe"
        ));
        assert!(matches!(
            list.check(Some("jpg/../x")),
            Err(RequestError::ExtensionNotAllowed(_))
        ));
        assert!(matches!(
            list.check(None),
            Err(RequestError::MissingExtension)
        ));
    }

    proptest::proptest! {
        #[test]
        fn only_listed_extensions_pass(ext in "\\PC{0,12}") {
            let list = ExtensionAllowList::new(["jpg", "png", "mp4"]);
            match list.check(Some(&ext)) {
                Ok(e) => proptest::prop_assert!(["jpg", "png", "mp4"].contains(&e.as_str())),
                Err(_) => {
                    let n = ext.trim_start_matches('.').to_ascii_lowercase();
                    proptest::prop_assert!(!["jpg", "png", "mp4"].contains(&n.as_str()));
                }
            }
        }
    }
}
