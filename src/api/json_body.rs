//! JSON request bodies that are read (within the body limit) before the handler
//! runs but decoded only when the handler asks, after it has authenticated the
//! caller: a bad token is answered 401 whatever the body holds, and the surface
//! reports every body problem (content type, syntax, schema) in its own format.
//! Each documents the schema of `T`.
//!
//! [`RawJson`] hands over the parsed `serde_json::Value`, for surfaces that check
//! fields themselves; [`JsonBody`] decodes `T` as poem-openapi's `Json` would.

use std::marker::PhantomData;

use poem::{Request, RequestBody, Result, error::ResponseError, http::StatusCode};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    error::{ContentTypeError, ParseRequestPayloadError},
    registry::{MetaMediaType, MetaRequest, Registry},
    types::{ParseFromJSON, Type},
};
use serde_json::Value;

use super::body_limit::LARGEST_BODY_BYTES;

/// `application/json` or any `application/*+json`.
pub fn is_json(content_type: &str) -> bool {
    matches!(content_type.parse::<mime::Mime>(), Ok(mime)
        if mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")))
}

/// The body, within the bound of its route (the body limit in front of every
/// route has refused larger ones already).
pub async fn read_limited(body: &mut RequestBody) -> Result<Vec<u8>> {
    Ok(body
        .take()?
        .into_bytes_limit(LARGEST_BODY_BYTES)
        .await?
        .to_vec())
}

/// The body is not well-formed JSON.
#[derive(Debug, thiserror::Error)]
#[error("malformed JSON at line {line} column {column}: {reason}")]
pub struct MalformedJson {
    pub reason: String,
    pub line: usize,
    pub column: usize,
}

impl ResponseError for MalformedJson {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

/// A body read but not yet decoded.
struct Unread {
    content_type: Option<String>,
    data: Vec<u8>,
}

impl Unread {
    async fn read(request: &Request, body: &mut RequestBody) -> Result<Self> {
        Ok(Self {
            content_type: request.content_type().map(str::to_owned),
            data: read_limited(body).await?,
        })
    }

    /// The parsed document (`Value::Null` for an empty body), if the content
    /// type says JSON.
    fn value(&self) -> Result<Value> {
        match self.content_type.as_deref() {
            Some(content_type) if is_json(content_type) => {}
            Some(content_type) => {
                return Err(ContentTypeError::NotSupported {
                    content_type: content_type.to_owned(),
                }
                .into());
            }
            None => return Err(ContentTypeError::ExpectContentType.into()),
        }
        if self.data.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.data).map_err(|err| malformed(&err).into())
    }
}

/// The body as a JSON value, for handlers that read the fields themselves.
pub struct RawJson<T> {
    body: Unread,
    _schema: PhantomData<fn() -> T>,
}

impl<T> RawJson<T> {
    pub fn value(&self) -> Result<Value> {
        self.body.value()
    }
}

/// The body decoded as `T` (what poem-openapi's `Json<T>` would give).
pub struct JsonBody<T> {
    body: Unread,
    _schema: PhantomData<fn() -> T>,
}

impl<T: ParseFromJSON> JsonBody<T> {
    /// The document itself, for a handler that reads it as `T` documents it.
    pub fn value(&self) -> Result<Value> {
        self.body.value()
    }

    pub fn decode(&self) -> Result<T> {
        let value = self.body.value()?;
        T::parse_from_json(Some(value)).map_err(|err| {
            ParseRequestPayloadError {
                reason: err.into_message(),
            }
            .into()
        })
    }
}

/// Implements poem-openapi's extractor for a deferred body type documented with
/// `content_type`: no check runs before the handler.
macro_rules! deferred_body {
    ($ty:ident, $content_type:literal) => {
        impl<'a, T: Type> ApiExtractor<'a> for $ty<T> {
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
                        content_type: $content_type,
                        schema: T::schema_ref(),
                    }],
                    required: true,
                })
            }

            async fn from_request(
                request: &'a Request,
                body: &mut RequestBody,
                _param_opts: ExtractParamOptions<Self::ParamType>,
            ) -> Result<Self> {
                Ok(Self {
                    body: Unread::read(request, body).await?,
                    _schema: PhantomData,
                })
            }
        }
    };
}

deferred_body!(RawJson, "application/json");
deferred_body!(JsonBody, "application/json; charset=utf-8");

fn malformed(err: &serde_json::Error) -> MalformedJson {
    MalformedJson {
        reason: err.to_string(),
        line: err.line(),
        column: err.column(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unread(content_type: Option<&str>, data: &'static [u8]) -> Unread {
        Unread {
            content_type: content_type.map(str::to_owned),
            data: data.to_vec(),
        }
    }

    #[test]
    fn bodies_are_judged_only_when_decoded() {
        let json = Some("application/json");
        assert_eq!(unread(json, b"").value().unwrap(), Value::Null);
        assert_eq!(
            unread(json, b"[1]").value().unwrap(),
            serde_json::json!([1])
        );
        let err = unread(json, b"{\n  \"a\": ,\n}").value().unwrap_err();
        let malformed = err.downcast_ref::<MalformedJson>().unwrap();
        assert_eq!((malformed.line, malformed.column), (2, 8));
        assert!(
            unread(Some("text/plain"), b"{}")
                .value()
                .unwrap_err()
                .is::<ContentTypeError>()
        );
        assert!(
            unread(None, b"{}")
                .value()
                .unwrap_err()
                .is::<ContentTypeError>()
        );
    }
}
