//! `Idempotency-Key` on the registration routes (the IETF httpapi draft): a
//! client whose request timed out sends it again with the same key and body
//! within 24 hours and gets the first answer, not a second user. A key is its
//! sender's own: one route, one tenant, one token subject (a user, or the
//! tenant's backend; for the public sign-up, the tenant's anonymous callers).
//! The same key with another body is 422, and while the first request runs a
//! second gets 409. Only successes are kept: any other answer lets a retry run
//! afresh. The first request runs to its end even if its client goes away, so
//! its answer is kept for the retry that follows.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::{documented, edge_answer, metrics};
use crate::{
    context::AppContext,
    domain::audit,
    store::idempotency::{self, Claim},
};

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";

/// How long an answer is kept for replay.
const KEPT: Duration = Duration::hours(24);
/// A first request still unanswered after this long died: its key may be taken.
const LEASE: Duration = Duration::minutes(1);

pub async fn replay<E: Endpoint + 'static>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let Some(key) = key_of(&req) else {
        return Ok(ep.get_response(req).await.into_response());
    };
    let path = req.uri().path().to_owned();
    let Ok(key) = key else {
        let message = "the Idempotency-Key must be 1 to 255 visible characters";
        return Ok(answer(&path, StatusCode::BAD_REQUEST, message));
    };
    // The body limit in front has bounded it already.
    let body = req.take_body().into_vec().await?;
    let Some(ctx) = req.data::<AppContext>().cloned() else {
        req.set_body(body);
        return Ok(ep.get_response(req).await.into_response());
    };
    let Some(scope) = scope(&ctx, &req, &path, &body).await else {
        // Nobody the key could belong to: the route answers (401, say).
        req.set_body(body);
        return Ok(ep.get_response(req).await.into_response());
    };
    let mut digest = Sha256::new();
    digest.update(path.trim_end_matches('/').as_bytes());
    digest.update([0]);
    digest.update(&body);
    let fingerprint = hex::encode(digest.finalize());
    let now = ctx.clock.now();
    let claim = idempotency::claim(&ctx.db, &scope, &key, &fingerprint, now, KEPT, LEASE).await;
    match claim {
        Err(err) => {
            tracing::warn!(error = %err, "idempotency key could not be claimed");
            Ok(answer(
                &path,
                StatusCode::SERVICE_UNAVAILABLE,
                "retry shortly",
            ))
        }
        Ok(Claim::InFlight) => Ok(answer(
            &path,
            StatusCode::CONFLICT,
            "a request with this Idempotency-Key is still being processed",
        )),
        Ok(Claim::Mismatch) => Ok(answer(
            &path,
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was used with another request",
        )),
        Ok(Claim::Replay {
            status,
            content_type,
            body,
        }) => {
            let mut response = Response::builder()
                .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .header(REPLAYED, "true");
            if let Some(content_type) = content_type {
                response = response.header(header::CONTENT_TYPE, content_type);
            }
            Ok(response.body(body))
        }
        Ok(Claim::Claimed(claimed_at)) => {
            req.set_body(body);
            // Run to the end even if the client goes away, so that the key is
            // completed or released, in the request's audit context and span.
            let handling = async move {
                let response = ep.get_response(req).await.into_response();
                keep(&ctx, &scope, &key, claimed_at, response).await
            };
            let first = tokio::spawn(
                audit::scope(audit::current(), handling).instrument(tracing::Span::current()),
            );
            first
                .await
                .map_err(|err| poem::Error::new(err, StatusCode::INTERNAL_SERVER_ERROR))?
        }
    }
}

/// Stores a success for replay (and returns it); releases the key otherwise.
async fn keep(
    ctx: &AppContext,
    scope: &str,
    key: &str,
    claimed_at: DateTime<Utc>,
    response: Response,
) -> Result<Response> {
    if !response.status().is_success() {
        if let Err(err) = idempotency::release(&ctx.db, scope, key, claimed_at).await {
            tracing::warn!(error = %err, "idempotency key could not be released");
        }
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = body.into_string().await?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let status = parts.status.as_u16();
    let stored =
        idempotency::complete(&ctx.db, scope, key, claimed_at, status, content_type, &body).await;
    if let Err(err) = stored {
        tracing::warn!(error = %err, "an answer could not be kept for replay");
    }
    Ok(Response::from_parts(parts, body.into()))
}

/// The key of a registration request that carries one: `None` for any other
/// request; an error for a key that is not 1 to 255 visible characters (as a
/// structured-field string it may come quoted).
fn key_of(req: &Request) -> Option<Result<String, ()>> {
    if req.method() != Method::POST {
        return None;
    }
    let template = documented::template(req.uri().path())?;
    if !metrics::is_registration(template) {
        return None;
    }
    let raw = req.headers().get(HEADER)?;
    let key = raw
        .to_str()
        .ok()
        .map(|key| key.trim().trim_matches('"'))
        .filter(|key| (1..=255).contains(&key.len()))
        .filter(|key| key.bytes().all(|b| b.is_ascii_graphic()));
    Some(key.map(str::to_owned).ok_or(()))
}

/// Whose key it is: the route, the tenant and the subject of a valid bearer
/// token, or the route and the tenant the public sign-up names.
async fn scope(ctx: &AppContext, req: &Request, path: &str, body: &[u8]) -> Option<String> {
    let route = documented::template(path)?;
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        let caller = ctx.tokens.caller(token.trim()).await.ok()?;
        return Some(format!("{route} {} {}", caller.tenant_id, caller.subject()));
    }
    let body: serde_json::Value = serde_json::from_slice(body).ok()?;
    let client_id = body.get("client_id")?.as_str()?;
    let tenant = ctx.tenants.by_client_id(client_id).await.ok()??;
    Some(format!("{route} {} anonymous", tenant.id))
}

fn answer(path: &str, status: StatusCode, message: &str) -> Response {
    let mut response = edge_answer::in_surface_format(path, status, message)
        .unwrap_or_else(|| status.into_response());
    if let Ok(value) = HeaderValue::from_str(HEADER) {
        response.headers_mut().insert(header::VARY, value);
    }
    response
}
