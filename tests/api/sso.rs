//! The community API v2 SSO surface: sign-up with ext_id, role and tags, and
//! tokens for a user without their password.

use chrono::Utc;
use portcullis::store;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, error_codes, json_body, pairs, spawn_app},
};

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(reqwest::Method::POST, path, token, Some(body))
        .await
}

async fn signup_with_ext_id_role_and_tags(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("sso").await;
    let other = app.create_tenant("other").await;
    let now = Utc::now();
    let vip = store::tags::create(&app.ctx.db, tenant.tenant.id, "vip", now)
        .await
        .unwrap();
    let theirs = store::tags::create(&app.ctx.db, other.tenant.id, "theirs", now)
        .await
        .unwrap();
    let writer = app.client_token(&tenant, "users:write").await;

    let (status, user) = post(
        &app,
        "/api/v2/sso/signup/",
        &writer,
        json!({"ext_id": 1001, "username": "sso_user", "role": "editor", "tags": [vip.id]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["ext_id"], 1001);
    assert_eq!(user["username"], "sso_user");
    assert_eq!(user["email"], Value::Null);
    assert_eq!(user["role"], "editor");
    assert_eq!(user["tags"], json!([vip.id]));

    // Duplicate ext_id, another tenant's tag, an unknown role, a weak password.
    let (status, problem) = post(
        &app,
        "/api/v2/sso/signup/",
        &writer,
        json!({"ext_id": 1001, "username": "second", "role": "root", "tags": [theirs.id], "password": "weak"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_codes(&problem),
        pairs(&[("password", "too_short"), ("role", "invalid")])
    );
    let (_, problem) = post(
        &app,
        "/api/v2/sso/signup/",
        &writer,
        json!({"ext_id": 1001, "username": "second", "tags": [theirs.id]}),
    )
    .await;
    assert_eq!(
        error_codes(&problem),
        pairs(&[("ext_id", "unique"), ("tags", "invalid")])
    );

    // Granting admin needs tenant:manage (or an admin user).
    let (_, problem) = post(
        &app,
        "/api/v2/sso/signup/",
        &writer,
        json!({"username": "boss", "role": "admin"}),
    )
    .await;
    assert_eq!(error_codes(&problem), pairs(&[("role", "not_allowed")]));
    let manager = app.client_token(&tenant, "users:write tenant:manage").await;
    let (status, _) = post(
        &app,
        "/api/v2/sso/signup",
        &manager,
        json!({"username": "boss", "role": "admin", "extra": 1}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let (status, boss) = post(
        &app,
        "/api/v2/sso/signup",
        &manager,
        json!({"username": "boss", "role": "admin"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(boss["role"], "admin");
    assert_eq!(app.user_count(&tenant).await, 2);
}
db_test!(signup_with_ext_id_role_and_tags);

async fn a_backend_gets_tokens_for_its_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("sso").await;
    let writer = app.client_token(&tenant, "users:write").await;
    let manager = app.client_token(&tenant, "users:write tenant:manage").await;
    let (_, user) = post(
        &app,
        "/api/v2/sso/signup/",
        &manager,
        json!({"ext_id": 77, "username": "sso_admin", "role": "admin"}),
    )
    .await;
    let id = user["id"].as_i64().unwrap();

    for body in [json!({"ext_id": 77}), json!({"user_id": id})] {
        let response = app
            .client
            .post(app.url("/api/v2/sso/token/"))
            .bearer_auth(&writer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let tokens = json_body(response).await;
        assert_eq!(tokens["token_type"], "Bearer");
        // The user is an admin, but a backend holding users:write hands out no more.
        assert_eq!(tokens["scope"], "users:write");
        assert!(
            tokens["refresh_token"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        // The user's token works on a protected surface: they are an admin.
        let access = tokens["access_token"].as_str().unwrap();
        let (status, created) = post(
            &app,
            "/api/v2/sso/signup/",
            access,
            json!({"username": format!("made_by_{}", body.as_object().unwrap().keys().next().unwrap())}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }

    // Unknown users, both or neither id, and user tokens are refused.
    let (status, _) = post(&app, "/api/v2/sso/token/", &writer, json!({"ext_id": 78})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = post(
        &app,
        "/api/v2/sso/token/",
        &writer,
        json!({"ext_id": 77, "user_id": id}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&problem), pairs(&[("ext_id", "not_allowed")]));
    let (status, _) = post(&app, "/api/v2/sso/token/", &writer, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let other = app.create_tenant("other").await;
    let their_writer = app.client_token(&other, "users:write").await;
    let (status, _) = post(
        &app,
        "/api/v2/sso/token/",
        &their_writer,
        json!({"user_id": id}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another tenant's user is unknown"
    );
}
db_test!(a_backend_gets_tokens_for_its_users);

/// Found by schemathesis: `null` passed for fields the spec does not mark nullable.
async fn null_is_accepted_only_where_documented(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let token = app.client_token(&tenant, "users:write").await;

    let (status, body) = post(
        &app,
        "/api/v2/sso/signup/",
        &token,
        json!({"username": "nulls", "password": null, "ext_id": null, "email": null, "role": null, "tags": null}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&body), pairs(&[("password", "invalid")]));

    let (status, body) = post(
        &app,
        "/api/v2/sso/signup/",
        &token,
        json!({"username": "nulls", "ext_id": null, "email": null, "role": null, "tags": null}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = post(
        &app,
        "/api/v2/sso/token/",
        &token,
        json!({"user_id": null, "ext_id": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&body), pairs(&[("user_id", "invalid")]));

    let (status, body) = post(
        &app,
        "/api/v2/account/create/",
        &token,
        json!({"username": "nulls2", "email": "n@example.com", "password": "Correct-Horse-9", "invite_code": null}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&body), pairs(&[("invite_code", "invalid")]));
}
db_test!(null_is_accepted_only_where_documented);

/// A token capped by `/api/v2/sso/token` (here to `users:write`) may not regain
/// what the cap removed: though its user is an admin, it grants no `admin`.
async fn capped_admin_tokens_cannot_grant_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("sso").await;
    let writer = app.client_token(&tenant, "users:write").await;
    let manager = app.client_token(&tenant, "users:write tenant:manage").await;
    let (_, admin) = post(
        &app,
        "/api/v2/sso/signup/",
        &manager,
        json!({"ext_id": 5, "username": "head", "role": "admin"}),
    )
    .await;
    assert_eq!(admin["role"], "admin");
    let (status, tokens) = post(&app, "/api/v2/sso/token/", &writer, json!({"ext_id": 5})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["scope"], "users:write");
    let capped = tokens["access_token"].as_str().unwrap();
    let (status, problem) = post(
        &app,
        "/api/v2/sso/signup/",
        capped,
        json!({"username": "deputy", "role": "admin"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&problem), pairs(&[("role", "not_allowed")]));
    let (status, _) = post(
        &app,
        "/api/v2/sso/signup/",
        capped,
        json!({"username": "deputy", "role": "editor"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}
db_test!(capped_admin_tokens_cannot_grant_admin);
