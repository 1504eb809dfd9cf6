//! The audit trail: each change writes its events with the change, naming the
//! actor, surface and request; tenant admins read them, filtered and paged.

use portcullis::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, spawn_app},
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
    app.create_user(&tenant, "boss", vec![Role::Admin]).await;
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

/// Every change to what a tenant manages is audited: its policy, invite and
/// promo codes, tags and custom fields; a deleted tag's holders each get a
/// `user.updated`.
async fn catalog_and_policy_changes_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("Audited").await;
    let token = app.client_token(&tenant, "users:write tenant:manage").await;
    let call = |method: Method, path: &'static str, body: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let (status, body) = app.call(method, path, &token, Some(body)).await;
            assert!(status.is_success(), "{path}: {status} {body}");
            body
        }
    };
    call(
        Method::PATCH,
        "/manage/v1/tenant/policy",
        json!({"invite_only": false, "promo_codes_enabled": true}),
    )
    .await;
    let invite = call(
        Method::POST,
        "/manage/v1/invite-codes",
        json!({"max_uses": 2}),
    )
    .await;
    let promo = call(
        Method::POST,
        "/manage/v1/promo-codes",
        json!({"code": "SPRING"}),
    )
    .await;
    let tag = call(Method::POST, "/manage/v1/tags", json!({"name": "vip"})).await;
    let field = call(
        Method::POST,
        "/manage/v1/custom-fields",
        json!({"name": "plan", "type": "string"}),
    )
    .await;
    let (status, sso) = app
        .call(
            Method::POST,
            "/api/v2/sso/signup/",
            &token,
            Some(json!({"username": "tagged", "tags": [tag["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sso}");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/manage/v1/promo-codes/{}", promo["id"]),
            Some(json!({"active": false})),
        ),
        (
            Method::PATCH,
            format!("/manage/v1/tags/{}", tag["id"]),
            Some(json!({"name": "gold"})),
        ),
        (
            Method::PATCH,
            format!("/manage/v1/custom-fields/{}", field["id"]),
            Some(json!({"required": true})),
        ),
        (
            Method::DELETE,
            format!("/manage/v1/invite-codes/{}", invite["id"]),
            None,
        ),
        (
            Method::DELETE,
            format!("/manage/v1/tags/{}", tag["id"]),
            None,
        ),
        (
            Method::DELETE,
            format!("/manage/v1/custom-fields/{}", field["id"]),
            None,
        ),
    ] {
        let (status, body) = app.call(method, &path, &token, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
    }

    let all = events(&app, &token, "?after=0&limit=1000").await;
    let kinds: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "policy.updated",
            "invite.created",
            "promo.created",
            "tag.created",
            "field.created",
            "user.created",
            "promo.updated",
            "tag.renamed",
            "field.updated",
            "invite.revoked",
            "tag.deleted",
            "user.updated",
            "field.deleted",
        ]
    );
    assert_eq!(
        all[0]["detail"],
        json!({"changed": ["invite_only", "promo_codes_enabled"]})
    );
    assert_eq!(all[6]["detail"], json!({"changed": ["active"]}));
    let holder = &all[11];
    assert_eq!(holder["subject"], all[5]["subject"], "the tag's holder");
    assert_eq!(holder["detail"]["changed"], json!(["tags"]));
}
db_test!(catalog_and_policy_changes_are_audited);

/// A reader following `after=<id>` while registrations commit sees every event
/// exactly once, in order: within a tenant, ids follow the order of commits.
async fn an_audit_cursor_skips_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("Followed").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    let mut sign_ups = tokio::task::JoinSet::new();
    for n in 0..24 {
        let request = app.client.post(app.url("/sign-up")).json(&json!({
            "username": format!("user{n}"),
            "password": "password",
            "client_id": tenant.client_id(),
        }));
        sign_ups.spawn(async move { request.send().await.unwrap().status() });
    }
    let mut seen: Vec<i64> = Vec::new();
    let mut cursor = 0;
    loop {
        let done = sign_ups.is_empty();
        let page = events(&app, &token, &format!("?after={cursor}&limit=5")).await;
        for event in &page {
            let id = event["id"].as_i64().unwrap();
            assert!(id > cursor, "ascending after the cursor");
            seen.push(id);
            cursor = id;
        }
        if done && page.is_empty() {
            break;
        }
        while let Some(Some(status)) = sign_ups.try_join_next().map(Result::ok) {
            assert_eq!(status, StatusCode::OK);
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut all: Vec<i64> = events(&app, &token, "?limit=1000")
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all.len(), 24);
    assert_eq!(seen, all, "the cursor saw every event once");
}
db_test!(an_audit_cursor_skips_nothing);
