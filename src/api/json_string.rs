//! A JSON string, and only a string. poem-openapi's `String` also takes a number or
//! a boolean and turns it into text, so `{"name": 8042}` passed for a `type:
//! string` field (found by schemathesis); request bodies decoded with
//! poem-openapi's `Json` use this instead.

use std::ops::Deref;

use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON};
use serde_json::Value;

use super::scalar_type::scalar_type;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonString(pub String);

impl JsonString {
    /// A list of them as plain strings.
    pub fn strings(list: Vec<JsonString>) -> Vec<String> {
        list.into_iter().map(String::from).collect()
    }
}

impl From<JsonString> for String {
    fn from(text: JsonString) -> Self {
        text.0
    }
}

impl Deref for JsonString {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

scalar_type!(JsonString, String::name(), String::schema_ref());

impl ParseFromJSON for JsonString {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for JsonString {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ParseFromJSON;
    use serde_json::json;

    use super::JsonString;

    #[test]
    fn only_strings_are_strings() {
        assert_eq!(
            JsonString::parse_from_json(Some(json!("tag"))).ok(),
            Some(JsonString("tag".to_owned()))
        );
        for value in [
            json!(8042),
            json!(true),
            json!(null),
            json!(["a"]),
            json!({}),
        ] {
            assert!(JsonString::parse_from_json(Some(value)).is_err());
        }
        assert!(JsonString::parse_from_json(None).is_err());
    }
}
