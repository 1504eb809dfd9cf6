//! One bound on every request body, in front of every route: a body declared
//! larger is refused unread, and a body of unknown length is read up to the bound
//! and refused past it, so no request ever buffers more than the bound, whichever
//! surface, extractor or handler reads it later, and before anyone authenticates.

use std::{sync::Arc, time::Duration};

use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    error::ReadBodyError,
    http::{HeaderValue, header},
};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::edge_answer;

/// Larger request bodies are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A user import carries up to 1,000 users (`domain::users::import::MAX_BATCH`).
pub const IMPORT_BODY_BYTES: usize = 4 * 1024 * 1024;
pub const IMPORT_PATH: &str = "/manage/v1/users/import";
/// The largest bound of any route.
pub const LARGEST_BODY_BYTES: usize = IMPORT_BODY_BYTES;

/// The bound of the body sent to `path`.
fn bound(path: &str) -> usize {
    if path == IMPORT_PATH {
        IMPORT_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// What a refused body may still send, read and dropped, before the answer:
/// a client that is still sending when the connection closes may never see the
/// 413 (a lingering close, as nginx does it). Bounded in bytes and time.
const DRAIN_BYTES: u64 = 4 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

pub async fn limit<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let bound = bound(req.uri().path());
    let mut reader = req.take_body().into_async_read();
    if declared.is_some_and(|length| length > bound as u64) {
        drain(&mut reader).await;
        return Ok(too_large(req.uri().path(), bound));
    }
    // One byte past the bound tells a body too large. (No buffer of our own:
    // this future is moved whole into boxes, so it is kept small.)
    let mut body = Vec::new();
    (&mut reader)
        .take(bound as u64 + 1)
        .read_to_end(&mut body)
        .await
        .map_err(ReadBodyError::Io)?;
    if body.len() > bound {
        drain(&mut reader).await;
        return Ok(too_large(req.uri().path(), bound));
    }
    req.set_body(body);
    Ok(ep.get_response(req).await.into_response())
}

/// The 413, on a connection that closes after it.
fn too_large(path: &str, bound: usize) -> Response {
    let mut response = edge_answer::too_large(path, bound);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads and drops what is left of a refused body, within the bounds.
async fn drain(reader: &mut (impl AsyncRead + Unpin)) {
    let (mut rest, mut sink) = (reader.take(DRAIN_BYTES), tokio::io::sink());
    let dropped = tokio::io::copy(&mut rest, &mut sink);
    let _ = tokio::time::timeout(DRAIN_TIME, dropped).await;
}
