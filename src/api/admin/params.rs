//! Path and query parameters that reach the handler as the text the client sent,
//! whatever it is, while the spec documents their real type: the handler then
//! reports bad values as pydantic would (`uuid_parsing`, `int_parsing`, ...),
//! which poem-openapi's own parameter errors cannot.

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseFromParameter, ParseResult},
};

use crate::api::scalar_type::scalar_type;

macro_rules! raw_param {
    ($(#[$doc:meta])* $name:ident, $ty:literal, $format:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub String);

        scalar_type!(
            $name,
            concat!("raw_", $ty),
            MetaSchemaRef::Inline(Box::new(match $format {
                Some(format) => MetaSchema::new_with_format($ty, format),
                None => MetaSchema::new($ty),
            }))
        );

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Ok(Self(value.to_owned()))
            }
        }
    };
}

raw_param!(
    /// A UUID, as sent.
    RawUuid,
    "string",
    Some("uuid")
);
raw_param!(
    /// An integer, as sent.
    RawInteger,
    "integer",
    None
);
