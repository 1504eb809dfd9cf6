//! A JSON request payload that documents the schema of `T` but hands the handler the
//! raw `serde_json::Value`, so each surface can report every problem in its own
//! format (poem-openapi's own parse errors are plain text and name no field).

use std::marker::PhantomData;

use poem::{Request, RequestBody, Result, error::ResponseError, http::StatusCode};
use poem_openapi::{
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::Type,
};
use serde_json::Value;

/// Larger request bodies are refused before they are parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `application/json` or any `application/*+json`.
pub fn is_json(content_type: &str) -> bool {
    matches!(content_type.parse::<mime::Mime>(), Ok(mime)
        if mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")))
}

/// The body, at most [`MAX_BODY_BYTES`] of it.
pub async fn read_limited(body: &mut RequestBody) -> Result<Vec<u8>> {
    Ok(body
        .take()?
        .into_bytes_limit(MAX_BODY_BYTES)
        .await?
        .to_vec())
}

pub struct RawJson<T> {
    /// The parsed document; `Value::Null` for an empty body.
    pub value: Value,
    _schema: PhantomData<fn() -> T>,
}

/// The body is not well-formed JSON.
#[derive(Debug, thiserror::Error)]
#[error("malformed JSON at line {line} column {column}: {reason}")]
pub struct MalformedJson {
    pub reason: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset of the error in the body.
    pub offset: usize,
}

impl ResponseError for MalformedJson {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

impl<T: Type> Payload for RawJson<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        is_json(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> ParsePayload for RawJson<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = read_limited(body).await?;
        let value = if data.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|err| malformed(&data, &err))?
        };
        Ok(Self {
            value,
            _schema: PhantomData,
        })
    }
}

impl_apirequest_for_payload!(RawJson<T>, T: Type);

fn malformed(data: &[u8], err: &serde_json::Error) -> MalformedJson {
    MalformedJson {
        reason: err.to_string(),
        line: err.line(),
        column: err.column(),
        offset: byte_offset(data, err.line(), err.column()),
    }
}

/// serde_json reports 1-based line and column; turn them into a byte offset.
fn byte_offset(data: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = data
        .split_inclusive(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(<[u8]>::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(data.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_bytes_across_lines() {
        let data = b"{\n  \"a\": ,\n}";
        let err = serde_json::from_slice::<Value>(data).unwrap_err();
        let found = malformed(data, &err);
        assert_eq!(found.line, 2);
        assert_eq!(&data[found.offset..found.offset + 1], b",");
    }
}
