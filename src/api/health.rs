//! Liveness and readiness probes.

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json},
};
use serde_json::{Value, json};

use crate::{context::AppContext, ratelimit::LimiterState, store};

/// The process is up and serving HTTP.
#[handler]
pub fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can do its work: the database answers. The rate limiter's state is
/// reported too; Redis being away makes the instance not ready only when
/// `fail_mode = "closed"`, as it then refuses limited requests.
#[handler]
pub async fn readyz(ctx: Data<&AppContext>) -> (StatusCode, Json<Value>) {
    let database = match store::ping(&ctx.db).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed: database");
            false
        }
    };
    let limiter = ctx.limits.state().await;
    let limiter_ready = limiter != LimiterState::Fallback || ctx.limits.fails_open_or_local();
    let ready = database && limiter_ready;
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": {
            "database": if database { "ok" } else { "unreachable" },
            "rate_limiter": limiter.as_str(),
        },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
