//! The audit trail: each change writes its events with the change, naming the
//! actor, surface and request; tenant admins read them, filtered and paged.

use portcullis::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, spawn_app},
    oauth::create_user,
};

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/manage/v1/audit-events{query}"),
            token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn changes_are_audited_with_actor_surface_and_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("Audited").await;
    let other = app.create_tenant("Other").await;
    let backend_token = app.client_token(&tenant, "users:write tenant:manage").await;

    // Through the account surface, by the tenant's backend, with a request id.
    let response = app
        .client
        .post(app.url("/api/v2/account/create/"))
        .bearer_auth(&backend_token)
        .header("x-request-id", "audit-req-1")
        .json(&json!({"username": "carol", "email": "carol@example.com", "password": "Correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    // A refused duplicate writes nothing.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v2/account/create/",
            &backend_token,
            Some(json!({"username": "carol", "email": "c2@example.com", "password": "Correct-horse-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let created = events(&app, &backend_token, "?type=user.created").await;
    assert_eq!(created.len(), 1, "{created:?}");
    let event = &created[0];
    assert_eq!(event["actor"], "client");
    assert_eq!(event["surface"], "account");
    assert_eq!(event["request_id"], "audit-req-1");
    assert_eq!(event["detail"], json!({"username": "carol"}));
    let carol_subject = event["subject"].as_str().unwrap().to_owned();
    assert!(carol_subject.starts_with("user:"));

    // An admin user changes carol's roles and deletes her, through the admin API.
    create_user(&app, &tenant, "boss", vec![Role::Admin]).await;
    let (_, tokens) = app
        .password_grant(
            &tenant,
            "boss",
            "Correct-horse-1",
            Some("users:write users:read"),
        )
        .await;
    let boss_token = tokens["access_token"].as_str().unwrap().to_owned();
    let admin_users = events(&app, &backend_token, "?type=role.granted").await;
    assert_eq!(
        admin_users[0]["actor"], "cli",
        "created outside any request"
    );
    let (_, listed) = app
        .call(Method::GET, "/admin/users/?q=carol", &boss_token, None)
        .await;
    let carol_id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(format!("user:{carol_id}"), carol_subject);
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/admin/users/{carol_id}"),
            &boss_token,
            Some(json!({"roles": ["editor"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = events(&app, &backend_token, "?type=user.updated").await;
    assert_eq!(updated[0]["detail"], json!({"changed": ["roles"]}));
    assert_eq!(updated[0]["surface"], "admin");
    let boss_actor = updated[0]["actor"].as_str().unwrap().to_owned();
    assert!(boss_actor.starts_with("user:") && boss_actor != carol_subject);
    let granted = events(&app, &backend_token, "?type=role.granted&limit=1").await;
    assert_eq!(granted[0]["detail"], json!({"role": "editor"}));
    assert_eq!(granted[0]["subject"], carol_subject.as_str());

    // A failed login, for a user that exists and one that does not.
    for username in ["boss", "ghost"] {
        let (status, _) = app.password_grant(&tenant, username, "nope", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let issued = events(&app, &backend_token, "?type=token.issued").await;
    assert_eq!(
        issued.len(),
        1,
        "client_credentials tokens are not recorded"
    );
    assert_eq!(issued[0]["subject"], boss_actor.as_str());
    assert_eq!(issued[0]["actor"], "client");
    let failed = events(&app, &backend_token, "?type=login.failed").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["detail"], json!({"username": "ghost"}));
    assert_eq!(failed[0]["subject"], Value::Null);
    assert_eq!(failed[1]["subject"], boss_actor.as_str());
    assert_eq!(failed[0]["surface"], "oauth");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/admin/users/{carol_id}"),
            &boss_token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = events(&app, &backend_token, "?type=user.deleted").await;
    assert_eq!(deleted[0]["subject"], carol_subject.as_str());

    // The tenant's backend revokes the admin's access token.
    let response = app
        .client
        .post(app.url("/oauth/revoke"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[("token", boss_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let revoked = events(&app, &backend_token, "?type=token.revoked").await;
    assert_eq!(revoked[0]["actor"], "client");
    assert_eq!(revoked[0]["detail"]["token_type"], "access_token");

    // Newest first, paged, filtered by time; unknown types refused.
    let all = events(&app, &backend_token, "").await;
    assert_eq!(all[0]["type"], "token.revoked");
    assert!(all.len() >= 7);
    assert_eq!(
        events(&app, &backend_token, "?skip=1&limit=1").await[0],
        all[1]
    );
    assert!(
        events(&app, &backend_token, "?since=2999-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        events(&app, &backend_token, "?until=2999-01-01T00:00:00Z")
            .await
            .len(),
        all.len()
    );
    let (status, _) = app
        .call(
            Method::GET,
            "/manage/v1/audit-events?type=made.up",
            &backend_token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Another tenant sees none of it.
    let other_token = app.client_token(&other, "tenant:manage").await;
    assert!(events(&app, &other_token, "").await.is_empty());
}
db_test!(changes_are_audited_with_actor_surface_and_request);
