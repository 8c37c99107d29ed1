//! Validated names: bucket, region, object key, part number, upload id.
//!
//! Each type checks its value once, at construction (`new`, `FromStr`, `TryFrom`), and can then
//! be used anywhere without further checks. The errors say exactly what is wrong.

mod bucket;
mod key;
mod part;
mod region;
mod upload_id;

pub use bucket::BucketName;
pub use key::ObjectKey;
pub use part::PartNumber;
pub use region::Region;
pub use upload_id::UploadId;

use std::fmt;

/// Which kind of name a [`NameError`](crate::NameError) is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A [`BucketName`].
    Bucket,
    /// A [`Region`].
    Region,
    /// An [`ObjectKey`].
    ObjectKey,
    /// A [`PartNumber`].
    PartNumber,
    /// An [`UploadId`].
    UploadId,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Bucket => "bucket name",
            NameKind::Region => "region",
            NameKind::ObjectKey => "object key",
            NameKind::PartNumber => "part number",
            NameKind::UploadId => "upload id",
        })
    }
}

/// Implements the string conversions shared by the validated string names.
macro_rules! string_name {
    ($ty:ident) => {
        impl $ty {
            /// The validated value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The validated value, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = crate::NameError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = crate::NameError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.0
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_name;

/// The first character of `s` that is not allowed by `ok`, if any.
pub(crate) fn first_bad_char(s: &str, ok: impl Fn(char) -> bool) -> Option<char> {
    s.chars().find(|c| !ok(*c))
}
