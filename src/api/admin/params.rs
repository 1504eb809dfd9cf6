//! Path and query parameters that reach the handler as the text the client sent,
//! whatever it is, while the spec documents their real type: the handler then
//! reports bad values as pydantic would (`uuid_parsing`, `int_parsing`, ...),
//! which poem-openapi's own parameter errors cannot.

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseFromParameter, ParseResult, Type},
};

macro_rules! raw_param {
    ($(#[$doc:meta])* $name:ident, $ty:literal, $format:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub String);

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                concat!("raw_", $ty).into()
            }

            fn schema_ref() -> MetaSchemaRef {
                let format: Option<&'static str> = $format;
                MetaSchemaRef::Inline(Box::new(match format {
                    Some(format) => MetaSchema::new_with_format($ty, format),
                    None => MetaSchema::new($ty),
                }))
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

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
