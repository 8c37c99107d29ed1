//! User metadata (`x-cos-meta-*`): COS's size limits and the check of names and sizes
//! (shared/spec/cos-protocol.md, "Limits").

use crate::ModelError;

/// The largest single `x-cos-meta-*` header, in bytes (name and value).
pub const MAX_METADATA_ENTRY: usize = 2 * 1024;
/// The largest total of `x-cos-meta-*` headers, in bytes.
pub const MAX_METADATA_TOTAL: usize = 4 * 1024;

/// Checks the names and sizes of `x-cos-meta-<name>: <value>` pairs.
pub(super) fn check(metadata: &[(String, String)]) -> Result<(), ModelError> {
    let mut total = 0;
    for (name, value) in metadata {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ModelError::InvalidHeader {
                name: format!("x-cos-meta-{name}"),
                reason: "metadata names are ASCII letters, digits, '-' and '_'".to_owned(),
            });
        }
        let size = "x-cos-meta-".len() + name.len() + value.len();
        if size > MAX_METADATA_ENTRY {
            return Err(ModelError::InvalidHeader {
                name: format!("x-cos-meta-{name}"),
                reason: format!("{size} bytes, COS allows {MAX_METADATA_ENTRY}"),
            });
        }
        total += size;
    }
    if total > MAX_METADATA_TOTAL {
        return Err(ModelError::InvalidParameter {
            parameter: "x-cos-meta-*",
            reason: format!("{total} bytes of metadata, COS allows {MAX_METADATA_TOTAL}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, value: impl Into<String>) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.into())]
    }

    #[test]
    fn metadata_checks() {
        assert!(check(&one("Author", "Zhang San 张三")).is_ok());
        assert!(check(&one("a b", "x")).is_err());
        assert!(check(&one("", "x")).is_err());
        assert!(check(&one("big", "x".repeat(2100))).is_err());
        let many: Vec<_> = (0..3)
            .map(|i| (format!("m{i}"), "x".repeat(1500)))
            .collect();
        assert!(check(&many).is_err());
    }
}
