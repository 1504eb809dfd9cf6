//! Bearer-token checks on a protected surface (`GET /manage/v1/tenant`).

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use portcullis::domain::{Clock, Password, PasswordPolicy, Role, Username, registration::NewUser};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    db_test,
    helpers::{
        Backend, TestApp, TestTenant, json_body, spawn_app, spawn_app_with_clock, test_config,
    },
};

async fn get_tenant(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/manage/v1/tenant"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn user_token(app: &TestApp, tenant: &TestTenant, username: &str, role: Role) -> String {
    let new_user = NewUser {
        username: Username::parse(username, tenant.tenant.policy.signup_username_rules()).unwrap(),
        email: None,
        password: Some(Password::parse("pw-123456", PasswordPolicy::LENIENT).unwrap()),
        roles: vec![role],
    };
    app.ctx
        .registrar
        .register(&tenant.tenant, new_user)
        .await
        .unwrap();
    let body: Value = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", "pw-123456"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn assert_problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body = json_body(response).await;
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], "about:blank");
    body
}

async fn admins_and_scoped_clients_are_let_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let admin = user_token(&app, &tenant, "root", Role::Admin).await;
    let client = app.client_token(&tenant, "tenant:manage").await;
    for token in [admin, client] {
        let response = get_tenant(&app, Some(&token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["client_id"], tenant.client_id());
        assert_eq!(body["name"], "acme");
        assert_eq!(body["policy"]["public_signup_enabled"], true);
    }
}
db_test!(admins_and_scoped_clients_are_let_in);

async fn the_tenant_always_comes_from_the_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.create_tenant("first").await;
    let second = app.create_tenant("second").await;
    let token = app.client_token(&second, "tenant:manage").await;
    let body = json_body(get_tenant(&app, Some(&token)).await).await;
    assert_eq!(body["client_id"], second.client_id());
    assert_ne!(body["client_id"], first.client_id());
}
db_test!(the_tenant_always_comes_from_the_token);

async fn tokens_without_the_right_are_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let viewer = user_token(&app, &tenant, "val", Role::Viewer).await;
    let reader = app.client_token(&tenant, "users:read").await;
    for token in [viewer, reader] {
        let body =
            assert_problem(get_tenant(&app, Some(&token)).await, StatusCode::FORBIDDEN).await;
        assert_eq!(body["title"], "Forbidden");
    }
}
db_test!(tokens_without_the_right_are_403);

async fn missing_and_invalid_tokens_are_401_with_a_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let valid = app.client_token(&tenant, "tenant:manage").await;
    let tampered = format!("{}x", &valid[..valid.len() - 1]);
    for token in [None, Some("not-a-jwt"), Some(tampered.as_str())] {
        let response = get_tenant(&app, token).await;
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
        );
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}
db_test!(missing_and_invalid_tokens_are_401_with_a_challenge);

async fn expired_tokens_are_401(backend: Backend) {
    let offset = Arc::new(AtomicI64::new(0));
    let app = spawn_app_with_clock(test_config(backend).await, Clock::offset(offset.clone())).await;
    let tenant = app.create_tenant("acme").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    assert_eq!(
        get_tenant(&app, Some(&token)).await.status(),
        StatusCode::OK
    );

    offset.store(901, Ordering::Relaxed);

    let response = get_tenant(&app, Some(&token)).await;
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("expired")
    );
    let body = assert_problem(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["detail"], "the bearer token has expired");
}
db_test!(expired_tokens_are_401);
