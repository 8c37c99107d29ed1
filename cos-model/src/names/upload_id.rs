//! `UploadId`: the identifier COS gives a multipart upload.

use super::{NameKind, first_bad_char, string_name};
use crate::NameError;

/// The id of a multipart upload, as returned by Initiate Multipart Upload, e.g.
/// `1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361`.
///
/// Rules: 1 to 1024 visible ASCII characters (`!`..=`~`, no space). COS's ids are hex; the
/// wider set keeps ids from other servers (emulators) usable. The id is percent-encoded in
/// query strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UploadId(String);

string_name!(UploadId);

impl UploadId {
    /// The longest accepted upload id.
    pub const MAX_LEN: usize = 1024;

    /// Validates `value` as an upload id.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        let value = value.into();
        let kind = NameKind::UploadId;
        if value.is_empty() {
            return Err(NameError::Empty { kind });
        }
        if value.len() > Self::MAX_LEN {
            return Err(NameError::TooLong {
                kind,
                len: value.len(),
                max: Self::MAX_LEN,
            });
        }
        if let Some(ch) = first_bad_char(&value, |c| c.is_ascii_graphic()) {
            return Err(NameError::InvalidChar { kind, value, ch });
        }
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        let id = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
        assert_eq!(UploadId::new(id).unwrap().as_str(), id);
        assert!(matches!(UploadId::new(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            UploadId::new("a b"),
            Err(NameError::InvalidChar { ch: ' ', .. })
        ));
        assert!(matches!(
            UploadId::new("中"),
            Err(NameError::InvalidChar { .. })
        ));
    }
}
