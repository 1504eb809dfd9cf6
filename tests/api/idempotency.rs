//! `Idempotency-Key` on the registration routes: a retry with the same key and
//! body gets the first answer and registers nobody twice; another body with the
//! key is refused; requests released at once with one key create one user.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, spawn_app},
};

async fn send(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let mut request = app
        .client
        .post(app.url(path))
        .header("idempotency-key", key)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (response.status(), response.json().await.unwrap(), replayed)
}

async fn a_retry_gets_the_first_answer_on_every_registration_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:read users:write").await;
    let routes: [(&str, Option<&str>, Value, Value); 4] = [
        (
            "/sign-up",
            None,
            json!({"username": "u1", "password": "password", "client_id": tenant.client_id()}),
            json!({"username": "u1b", "password": "password", "client_id": tenant.client_id()}),
        ),
        (
            "/api/v2/account/create/",
            Some(&token),
            json!({"username": "u2", "email": "u2@example.com", "password": "Str0ng-pass"}),
            json!({"username": "u2b", "email": "u2b@example.com", "password": "Str0ng-pass"}),
        ),
        (
            "/api/v2/sso/signup/",
            Some(&token),
            json!({"username": "u3", "ext_id": 3}),
            json!({"username": "u3b", "ext_id": 4}),
        ),
        (
            "/admin/users/",
            Some(&token),
            json!({"username": "user4", "password": "password1"}),
            json!({"username": "user4b", "password": "password1"}),
        ),
    ];
    for (n, (path, token, body, other)) in routes.iter().enumerate() {
        let key = format!("key-{n}");
        let (status, first, replayed) = send(&app, path, *token, &key, body).await;
        assert!(status.is_success() && !replayed, "{path}: {status} {first}");
        let (again, second, replayed) = send(&app, path, *token, &key, body).await;
        assert_eq!((again, &second, replayed), (status, &first, true), "{path}");
        let (mismatch, refusal, _) = send(&app, path, *token, &key, other).await;
        assert_eq!(
            mismatch,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {refusal}"
        );
    }
    assert_eq!(app.user_count(&tenant).await, 4, "nobody registered twice");
    // The first answers were made in their requests' audit context.
    let manager = app.client_token(&tenant, "tenant:manage").await;
    let (status, events) = app
        .call(
            reqwest::Method::GET,
            "/manage/v1/audit-events?type=user.created",
            &manager,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let surfaces: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            assert!(event["request_id"].is_string(), "{event}");
            event["surface"].as_str().unwrap()
        })
        .collect();
    assert_eq!(surfaces.len(), 4, "{events}");
    for surface in ["signup", "account", "sso", "admin"] {
        assert!(surfaces.contains(&surface), "{surface} in {surfaces:?}");
    }

    // The key is the tenant's own: another tenant's same key is another request.
    let other = app.create_tenant("other").await;
    let body = json!({"username": "u1", "password": "password", "client_id": other.client_id()});
    let (status, _, replayed) = send(&app, "/sign-up", None, "key-0", &body).await;
    assert_eq!((status, replayed), (StatusCode::OK, false));
}
db_test!(a_retry_gets_the_first_answer_on_every_registration_route);

async fn requests_released_at_once_with_one_key_create_one_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let body = json!({"username": "once", "password": "password", "client_id": tenant.client_id()});
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut sent = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url("/sign-up"))
            .header("idempotency-key", "\"same-key\"")
            .json(&body);
        let barrier = barrier.clone();
        sent.spawn(async move {
            barrier.wait().await;
            request.send().await.unwrap().status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = sent.join_next().await {
        statuses.push(status.unwrap().as_u16());
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
    assert_eq!(app.user_count(&tenant).await, 1);
    // Refusals are not kept: a bad key is refused at once.
    let (status, _, _) = send(&app, "/sign-up", None, &"k".repeat(300), &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
db_test!(requests_released_at_once_with_one_key_create_one_user);
