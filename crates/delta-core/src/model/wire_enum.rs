//! `wire_enum!`: string enums as Delta writes them, in two flavours.
//!
//! * strict (`enum Side { Buy = "buy", .. }`): an unknown value is a decode error naming the accepted
//!   values. Used where a new value would change meaning (sides, order types, states).
//! * open (`enum ContractType open { .. }`): an unknown value is kept verbatim in `Other(String)`, so a
//!   listing never fails because Delta added a value (contract types, statuses, ledger entries).
//!
//! Both serialize as the JSON string and provide `as_str` and `Display`.

macro_rules! wire_enum {
    // Both flavours write their wire text through `as_str`.
    (@as_text $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value Delta documents, as written on the wire.
            pub const WIRE_VALUES: &'static [&'static str] = &[$($text),+];

            /// The value as Delta writes it.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Parses the wire text; `None` for a value this client does not know.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        wire_enum!(@as_text $name);

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "one of {:?}", $name::WIRE_VALUES)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        $name::parse(text).ok_or_else(|| E::unknown_variant(text, $name::WIRE_VALUES))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident open {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value Delta documents, as written on the wire.
            pub const WIRE_VALUES: &'static [&'static str] = &[$($text),+];

            /// The value as Delta writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }

            /// Maps the wire text to a variant; unknown text becomes `Other`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            /// True for a value this client does not know.
            pub fn is_other(&self) -> bool {
                matches!(self, Self::Other(_))
            }
        }

        wire_enum!(@as_text $name);

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        Ok($name::from_wire(text))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    wire_enum! {
        /// Strict test enum.
        enum Strict {
            /// A.
            A = "a",
            /// B.
            B = "b_b",
        }
    }

    wire_enum! {
        /// Open test enum.
        enum Open open {
            /// A.
            A = "a",
        }
    }

    #[test]
    fn strict_values_round_trip_and_unknowns_fail() {
        assert_eq!(serde_json::from_str::<Strict>("\"b_b\"").unwrap(), Strict::B);
        assert_eq!(serde_json::to_string(&Strict::A).unwrap(), "\"a\"");
        let error = serde_json::from_str::<Strict>("\"c\"").unwrap_err().to_string();
        assert!(error.contains("unknown variant `c`") && error.contains("b_b"), "{error}");
        assert!(serde_json::from_str::<Strict>("1").is_err());
    }

    #[test]
    fn open_values_keep_unknowns() {
        assert_eq!(serde_json::from_str::<Open>("\"a\"").unwrap(), Open::A);
        let other = serde_json::from_str::<Open>("\"new_kind\"").unwrap();
        assert_eq!(other, Open::Other("new_kind".into()));
        assert!(other.is_other());
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"new_kind\"");
        assert_eq!(Open::A.to_string(), "a");
        assert_eq!(Open::WIRE_VALUES, ["a"]);
    }
}
