//! Liveness and readiness probes.

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json},
};
use serde_json::{Value, json};

use crate::{context::AppContext, store};

/// The process is up and serving HTTP.
#[handler]
pub fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can do its work: the database answers.
#[handler]
pub async fn readyz(ctx: Data<&AppContext>) -> (StatusCode, Json<Value>) {
    match store::ping(&ctx.db).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "checks": {"database": "ok"}})),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not ready", "checks": {"database": "unreachable"}})),
            )
        }
    }
}
