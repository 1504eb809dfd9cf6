//! Cross-cutting HTTP behaviour: request ids, timing, security headers, the
//! router's refusals in each surface's format, access logs.

use std::{sync::Arc, time::Instant};

use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, header},
};
use tracing::Instrument;

use crate::domain::audit::{self, AuditContext};
use uuid::Uuid;

pub const REQUEST_ID: &str = "x-request-id";

/// Wraps every request: takes the caller's `X-Request-Id` when it is sane (or makes
/// one), logs the request in a span carrying that id, and stamps the response.
pub async fn request_context<E: Endpoint>(ep: Arc<E>, req: Request) -> Result<Response> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane_request_id(id))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
        surface = super::metrics::surface(req.uri().path()),
        tenant = tracing::field::Empty,
    );
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let context = AuditContext::anonymous(super::metrics::surface(&path), request_id.clone());
    async move {
        let resp = audit::scope(context, ep.get_response(req))
            .await
            .into_response();
        let mut resp = super::edge_answer::unrouted(&method, &path, resp);
        let elapsed = started.elapsed();
        let headers = resp.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert(REQUEST_ID, value);
        }
        if let Ok(value) = HeaderValue::from_str(&format!("{:.6}", elapsed.as_secs_f64())) {
            headers.insert("x-runtime", value);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        super::metrics::record_request(&method, &path, resp.status(), elapsed);
        tracing::info!(
            status = resp.status().as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request served"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}

/// Up to 128 visible characters of a conservative set, so ids stay safe to log and echo.
fn is_sane_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_filtered() {
        assert!(is_sane_request_id("1441cf93-39c1-4c41-b4ac-a24cc6bd2913"));
        assert!(!is_sane_request_id(""));
        assert!(!is_sane_request_id("with space"));
        assert!(!is_sane_request_id("line\nbreak"));
        assert!(!is_sane_request_id(&"a".repeat(129)));
    }
}
