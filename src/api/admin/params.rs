//! Path and query parameters that reach the handler as the text the client sent,
//! whatever it is, while the spec documents their real type and bounds: the
//! handler then reports bad values as pydantic would (`uuid_parsing`,
//! `int_parsing`, `less_than_equal`, ...), which poem-openapi's own parameter
//! errors cannot.

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseFromParameter, ParseResult},
};
use serde_json::json;

use super::requests::{DEFAULT_LIMIT, MAX_LIMIT, MAX_SKIP};
use crate::api::scalar_type::scalar_type;

macro_rules! raw_param {
    ($(#[$doc:meta])* $name:ident, $schema_name:literal, $schema:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub String);

        scalar_type!($name, $schema_name, MetaSchemaRef::Inline(Box::new($schema)));

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Ok(Self(value.to_owned()))
            }
        }
    };
}

/// An integer from 0 to `maximum`, as documented.
fn bounded_integer(default: i64, maximum: i64) -> MetaSchema {
    MetaSchema {
        default: Some(json!(default)),
        minimum: Some(0.0),
        maximum: Some(maximum as f64),
        ..MetaSchema::new("integer")
    }
}

raw_param!(
    /// A UUID, as sent.
    RawUuid,
    "raw_uuid",
    MetaSchema::new_with_format("string", "uuid")
);
raw_param!(
    /// How many items to skip, as sent.
    RawSkip,
    "raw_skip",
    bounded_integer(0, MAX_SKIP)
);
raw_param!(
    /// How many items at most, as sent.
    RawLimit,
    "raw_limit",
    bounded_integer(DEFAULT_LIMIT, MAX_LIMIT)
);
