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

use super::{pydantic::Errors, python_json};
use crate::api::json_body::{is_json, read_limited};

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

/// Why a body gives no JSON value to validate.
#[derive(Debug)]
pub enum Unusable {
    /// Bytes that are not UTF-8: FastAPI answers 400 at once.
    Undecodable,
    /// Malformed JSON: 422 `json_invalid`, answered before anything else.
    Malformed(Errors),
    /// No body: a `missing` error, reported with the request's other errors.
    Missing(Errors),
}

impl Body {
    /// The JSON value to validate, or why there is none.
    pub fn into_value(self) -> Result<Value, Unusable> {
        let mut errors = Errors::default();
        match self {
            Body::Json(Value::Null) | Body::Missing => {
                // A JSON `null` is no body to FastAPI.
                errors.push(
                    "missing",
                    json!(["body"]),
                    "Field required".to_owned(),
                    Value::Null,
                    None,
                );
                Err(Unusable::Missing(errors))
            }
            Body::Json(value) => Ok(value),
            Body::Text(text) => Ok(Value::String(text)),
            Body::Malformed { message, position } => {
                errors.push(
                    "json_invalid",
                    json!(["body", position]),
                    "JSON decode error".to_owned(),
                    json!({}),
                    Some(json!({"error": message})),
                );
                Err(Unusable::Malformed(errors))
            }
            Body::Undecodable => Err(Unusable::Undecodable),
        }
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
