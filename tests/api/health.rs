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
        json!({"status": "ready", "checks": {"database": "ok", "rate_limiter": "disabled"}})
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
        json!({"status": "not ready", "checks": {"database": "unreachable", "rate_limiter": "disabled"}})
    );
}
db_test!(readyz_is_503_when_the_database_is_gone);

/// `/metrics` speaks Prometheus text with bounded labels: requests by surface,
/// route and status, latency histograms, registrations, the hashing pool and the
/// database pool. (The recorder is the process's, shared by the tests.)
async fn metrics_describe_the_traffic(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("Metrics").await;
    assert_eq!(
        app.sign_up(&tenant, "counted").await.status(),
        StatusCode::OK
    );
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for expected in [
        r#"portcullis_http_requests_total{surface="signup",method="POST",route="/sign-up",status="200"}"#,
        r#"portcullis_http_request_duration_seconds_bucket{surface="signup",method="POST",route="/sign-up",le="0.5"}"#,
        r#"portcullis_registrations_total{surface="signup",outcome="created"}"#,
        "portcullis_hashing_wait_seconds_bucket",
        "portcullis_hashing_in_flight",
        "portcullis_db_pool_connections",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains(tenant.client_id()), "no per-tenant labels");
}
db_test!(metrics_describe_the_traffic);

/// Route labels are the router's templates, never the request's text: paths
/// nothing authenticates cannot mint series.
async fn route_labels_never_carry_request_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let marks: Vec<String> = (0..3)
        .map(|n| format!("zz{n}{}", "q".repeat(2000)))
        .collect();
    for mark in &marks {
        let response = app
            .client
            .get(app.url(&format!("/admin/users/{mark}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for mark in &marks {
        assert!(!text.contains(mark.as_str()), "request text in a label");
    }
    assert!(
        text.contains(r#"route="/admin/users/{user_id}",status="401""#),
        "the template is the label:\n{text}"
    );
}
db_test!(route_labels_never_carry_request_text);

/// The series operators alert on exist from the start, at 0 until their first
/// event, rather than appearing only then.
async fn alerting_series_exist_before_their_first_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "portcullis_hashing_shed_total ",
        "portcullis_login_lockouts_total ",
        "portcullis_rate_limit_redis_failures_total ",
        "portcullis_rate_limit_fallback ",
    ] {
        assert!(
            text.lines().any(|line| line.starts_with(series)),
            "{series}missing from:\n{text}"
        );
    }
}
db_test!(alerting_series_exist_before_their_first_event);
