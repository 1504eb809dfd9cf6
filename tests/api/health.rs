use reqwest::StatusCode;
use serde_json::json;

use crate::{
    db_test,
    helpers::{Backend, json_body, spawn_app},
};

async fn healthz_and_readyz_report_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(json_body(health).await, json!({"status": "ok"}));
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        json_body(ready).await,
        json!({"status": "ready", "checks": {"database": "ok", "rate_limiter": "local"}})
    );
}
db_test!(healthz_and_readyz_report_ok);

async fn readyz_is_503_when_the_database_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    app.ctx.db.clone().close().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        json_body(ready).await,
        json!({"status": "not ready", "checks": {"database": "unreachable", "rate_limiter": "local"}})
    );
}
db_test!(readyz_is_503_when_the_database_is_gone);
