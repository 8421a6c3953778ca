//! One mechanism for a provider's table of wire codes that keeps the codes it does not know.
//!
//! A provider adds a refusal message, a state label or an error number without notice; a
//! decoder that failed on it would break a shop the day it appears. [`wire_enum!`] declares
//! the table as an enum with an `Other` variant holding the raw value, and gives it the same
//! surface everywhere: `from_wire`, `as_str` (or `code` for numbers), `meaning`, `is_known`,
//! `FromStr`, `Display` and serde.

/// Declares a table of wire codes: text codes (`: str`) or integer codes (`: i64`).
///
/// Every variant has a one-line doc comment, which is also its [`meaning`](#method.meaning).
///
/// ```
/// refundkit_core::wire_enum! {
///     /// A refund's state label.
///     pub enum Label: str {
///         /// Refunded.
///         Finished = "finished",
///         /// In progress.
///         Processing = "processing",
///     }
/// }
/// assert_eq!(Label::from_wire("finished"), Label::Finished);
/// assert_eq!(Label::from_wire("on_hold"), Label::Other("on_hold".into()));
/// assert_eq!(Label::from_wire("on_hold").as_str(), "on_hold");
/// assert_eq!(Label::Processing.meaning(), Some("In progress."));
/// assert_eq!("finished".parse::<Label>(), Ok(Label::Finished));
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : str {
            $( #[doc = $doc:literal] $variant:ident = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( #[doc = $doc] $variant, )*
            /// A code outside the table, kept verbatim.
            Other(::std::string::String),
        }

        impl $name {
            /// Every code of the table.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value of a wire code; one outside the table is kept as `Other`.
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }

            /// The code as it travels.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(raw) => raw,
                }
            }

            /// What the code means, for a known code.
            pub fn meaning(&self) -> ::std::option::Option<&'static str> {
                match self {
                    $($name::$variant => ::std::option::Option::Some($doc.trim()),)*
                    $name::Other(_) => ::std::option::Option::None,
                }
            }

            /// Whether the code is in the table.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok($name::from_wire(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as $crate::__serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok($name::from_wire(&raw))
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : i64 {
            $( #[doc = $doc:literal] $variant:ident = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( #[doc = $doc] $variant, )*
            /// A code outside the table, kept.
            Other(i64),
        }

        impl $name {
            /// Every code of the table.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value of a wire code; one outside the table is kept as `Other`.
            pub fn from_wire(raw: i64) -> Self {
                match raw {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other),
                }
            }

            /// The code as it travels.
            pub fn code(self) -> i64 {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(raw) => raw,
                }
            }

            /// What the code means, for a known code.
            pub fn meaning(self) -> ::std::option::Option<&'static str> {
                match self {
                    $($name::$variant => ::std::option::Option::Some($doc.trim()),)*
                    $name::Other(_) => ::std::option::Option::None,
                }
            }

            /// Whether the code is in the table.
            pub fn is_known(self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::num::ParseIntError;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                s.trim().parse::<i64>().map($name::from_wire)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.code(), f)
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <i64 as $crate::__serde::Deserialize>::deserialize(d).map($name::from_wire)
            }
        }
    };
}

#[cfg(test)]
mod tests;
