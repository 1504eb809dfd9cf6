//! The admin surface's request body, read the way FastAPI reads it: JSON when the
//! content type says so (or says nothing), the raw text otherwise, so that every
//! shape of bad input gets the pydantic error FastAPI would give. The schema of `T`
//! is what the spec documents.

use std::marker::PhantomData;

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaMediaType, MetaRequest, Registry},
    types::Type,
};
use serde_json::{Value, json};

use super::{python_json, validation::Errors};
use crate::api::raw_json::{is_json, read_limited};

/// What the body turned out to be.
#[derive(Debug)]
pub enum Body {
    /// No body at all.
    Missing,
    Json(Value),
    /// JSON that does not parse: Python's message and position.
    Malformed {
        message: &'static str,
        position: usize,
    },
    /// A body sent with a non-JSON content type, as text.
    Text(String),
    /// Bytes that are not UTF-8.
    Undecodable,
}

impl Body {
    /// The JSON value to validate, or FastAPI's error for a body that has none.
    pub fn into_value(self) -> Result<Value, Errors> {
        let mut errors = Errors::default();
        match self {
            // A JSON `null` is no body to FastAPI.
            Body::Missing | Body::Json(Value::Null) => errors.push(
                "missing",
                json!(["body"]),
                "Field required".to_owned(),
                Value::Null,
                None,
            ),
            Body::Json(value) => return Ok(value),
            Body::Text(text) => return Ok(Value::String(text)),
            Body::Malformed { message, position } => errors.push(
                "json_invalid",
                json!(["body", position]),
                "JSON decode error".to_owned(),
                json!({}),
                Some(json!({"error": message})),
            ),
            Body::Undecodable => errors.push(
                "json_invalid",
                json!(["body", 0]),
                "JSON decode error".to_owned(),
                json!({}),
                Some(json!({"error": "the body is not valid UTF-8"})),
            ),
        }
        Err(errors)
    }
}

pub struct FastApiBody<T> {
    pub body: Body,
    _schema: PhantomData<fn() -> T>,
}

impl<'a, T: Type> ApiExtractor<'a> for FastApiBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: T::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let data = read_limited(body).await?;
        Ok(Self {
            body: classify(request.content_type(), &data),
            _schema: PhantomData,
        })
    }
}

fn classify(content_type: Option<&str>, data: &[u8]) -> Body {
    if data.is_empty() {
        return Body::Missing;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return Body::Undecodable;
    };
    // FastAPI reads JSON when the content type says so, or says nothing.
    if !content_type.is_none_or(is_json) {
        return Body::Text(text.to_owned());
    }
    match serde_json::from_str(text) {
        Ok(value) => Body::Json(value),
        Err(_) => {
            let (message, position) = python_json::decode_error(text);
            Body::Malformed { message, position }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_read_as_fastapi_reads_them() {
        assert!(matches!(classify(None, b""), Body::Missing));
        assert!(matches!(classify(None, b"{}"), Body::Json(_)));
        assert!(matches!(
            classify(Some("application/merge-patch+json"), b"[1]"),
            Body::Json(_)
        ));
        assert!(matches!(
            classify(Some("application/x-www-form-urlencoded"), b"a=1"),
            Body::Text(text) if text == "a=1"
        ));
        assert!(matches!(
            classify(Some("application/json"), b"{oops"),
            Body::Malformed { position: 1, .. }
        ));
        assert!(matches!(classify(None, b"\xff"), Body::Undecodable));
    }
}
