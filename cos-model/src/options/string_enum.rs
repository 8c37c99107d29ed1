//! `string_enum!`: an enum of the string values COS writes in a header or an XML element,
//! with an `Other` catch-all, case-insensitive parsing, `Display` and serde as a string.

/// Defines a `#[non_exhaustive]` enum of known string values plus `Other(String)`.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$d:meta])* $v:ident = $t:literal, )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$d])* $v, )*
            /// A value this crate does not know, verbatim.
            Other(String),
        }

        impl $name {
            /// The value as COS writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$v => $t, )*
                    $name::Other(s) => s,
                }
            }

            /// Every known value.
            pub fn known() -> &'static [$name] {
                &[$( $name::$v, )*]
            }
        }

        impl From<&str> for $name {
            /// Known values match case-insensitively; anything else is `Other`.
            fn from(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($t) { return $name::$v; } )*
                $name::Other(s.to_owned())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }
    };
}

pub(super) use string_enum;
