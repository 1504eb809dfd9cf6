//! poem-openapi's `Type` for a wire type of our own that is one scalar value:
//! its schema name and schema, and the rest of the trait as every scalar has it.

/// `scalar_type!(Type, name, schema_ref)`: implements `poem_openapi::types::Type`
/// for `Type`, named `name` (a `&'static str`) with the schema `schema_ref` (a
/// `MetaSchemaRef`).
macro_rules! scalar_type {
    ($ty:ty, $name:expr, $schema:expr) => {
        impl poem_openapi::types::Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
                $schema
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
    };
}
pub(crate) use scalar_type;
