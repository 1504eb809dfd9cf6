//! The admin surface against the recorded answers of the FastAPI original
//! (`tests/fixtures/admin-fastapi-reference.json`, copied from the shared
//! fixtures), byte for byte, and its user administration.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, json_body, spawn_app},
};

const FIXTURE: &str = include_str!("../fixtures/admin-fastapi-reference.json");

/// Cases whose `request` is the raw body text, not a JSON document.
fn raw_body(case: &str) -> Option<&'static str> {
    match case {
        "json_invalid" | "json_invalid_start" | "empty_body" => Some("application/json"),
        "form_body" => Some("application/x-www-form-urlencoded"),
        _ => None,
    }
}

async fn fixture_cases_match_the_fastapi_original(backend: Backend) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let app = spawn_app(backend).await;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["case"].as_str().unwrap();
        // A tenant per case, as the reference ran each case on a fresh database.
        let tenant = app.create_tenant(name).await;
        let token = app.client_token(&tenant, "users:read users:write").await;
        if name == "taken" {
            app.create_user(&tenant, "taken", vec![]).await;
        }
        let method: Method = case["method"].as_str().unwrap().parse().unwrap();
        let path = case["path"].as_str().unwrap();
        let mut request = app.client.request(method, app.url(path));
        if name != "no_token" {
            request = request.bearer_auth(&token);
        }
        request = match (raw_body(name), &case["request"]) {
            (Some(content_type), Value::String(raw)) => request
                .header("content-type", content_type)
                .body(raw.clone()),
            (_, Value::Null) => request,
            (_, body) => request.json(body),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), case["status"], "{name}");
        if let Some(headers) = case["headers"].as_object() {
            for (header, value) in headers {
                assert_eq!(
                    response.headers()[header.as_str()],
                    value.as_str().unwrap(),
                    "{name}"
                );
            }
        }
        let text = response.text().await.unwrap();
        let expected = &case["body"];
        if case["status"] == 201 {
            // Ids and times differ from run to run; everything else must match.
            let mut body: Value = serde_json::from_str(&text).unwrap();
            assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
            let created = body["created_at"].as_str().unwrap().to_owned();
            assert!(
                created.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(&created).is_ok(),
                "{created}"
            );
            body["id"] = expected["id"].clone();
            body["created_at"] = expected["created_at"].clone();
            assert_eq!(
                serde_json::to_string(&body).unwrap(),
                serde_json::to_string(expected).unwrap(),
                "{name}"
            );
        } else {
            assert_eq!(text, serde_json::to_string(expected).unwrap(), "{name}");
        }
    }
}
db_test!(fixture_cases_match_the_fastapi_original);

async fn create(app: &crate::helpers::TestApp, token: &str, body: Value) -> Value {
    let (status, user) = app
        .call(Method::POST, "/admin/users/", token, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    user
}

async fn users_are_listed_read_changed_and_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    // Granting `admin` takes the right to manage the tenant.
    let token = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;
    let alice = create(
        &app,
        &token,
        json!({"username": "alice", "password": "password1", "email": "alice@example.com", "role": "admin"}),
    )
    .await;
    let bob = create(
        &app,
        &token,
        json!({"username": "bob", "password": "password2"}),
    )
    .await;
    let carol = create(
        &app,
        &token,
        json!({"username": "carol", "password": "password3", "email": "CAROL@example.com", "role": "editor"}),
    )
    .await;
    let id = |user: &Value| user["id"].as_str().unwrap().to_owned();

    // Listing: stable order, pagination, filters, prefix search.
    let names = |users: &Value| {
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for (query, expected) in [
        ("", vec!["alice", "bob", "carol"]),
        ("?skip=1&limit=1", vec!["bob"]),
        ("?limit=0", vec![]),
        ("?role=editor", vec!["carol"]),
        ("?role=viewer", vec!["bob"]),
        ("?q=ca", vec!["carol"]),
        ("?q=Alice", vec!["alice"]),
        ("?q=carol%40", vec!["carol"]),
        ("?q=%25", vec![]),
        ("?status=active&role=admin", vec!["alice"]),
        ("?status=disabled", vec![]),
    ] {
        let (status, users) = app
            .call(Method::GET, &format!("/admin/users/{query}"), &token, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(names(&users), expected, "{query}");
    }
    let (status, errors) = app
        .call(
            Method::GET,
            "/admin/users/?status=gone&skip=-1",
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors["detail"][0]["type"], "greater_than_equal");
    assert_eq!(errors["detail"][0]["loc"], json!(["query", "skip"]));
    assert_eq!(errors["detail"][1]["type"], "literal_error");
    assert_eq!(errors["detail"][1]["loc"], json!(["query", "status"]));

    // Reading one.
    let (status, read) = app
        .call(
            Method::GET,
            &format!("/admin/users/{}", id(&bob)),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, bob);

    // Changing: email, roles, status via is_active, then status.
    let path = format!("/admin/users/{}", id(&bob));
    let (status, changed) = app.call(Method::PATCH,
        &path,
        &token,
        Some(
            json!({"email": "bob@example.com", "roles": ["editor", "viewer"], "is_active": false}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["email"], "bob@example.com");
    assert_eq!(changed["roles"], json!(["editor", "viewer"]));
    assert_eq!(changed["status"], "disabled");
    assert_eq!(changed["is_active"], false);
    let (_, changed) = app
        .call(
            Method::PATCH,
            &path,
            &token,
            Some(json!({"status": "active", "email": null})),
        )
        .await;
    assert_eq!(changed["status"], "active");
    assert_eq!(changed["email"], Value::Null);
    assert_eq!(changed["roles"], json!(["editor", "viewer"]));

    // A taken email is a conflict, and bad fields are pydantic errors, all at once.
    let (status, conflict) = app
        .call(
            Method::PATCH,
            &path,
            &token,
            Some(json!({"email": "carol@EXAMPLE.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict, json!({"detail": "Email already exists"}));
    let (status, errors) = app.call(Method::PATCH,
        &path,
        &token,
        Some(json!({"email": "nope", "password": "short", "roles": ["admin", "root"], "status": "gone", "is_active": "maybe"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let kinds: Vec<(&str, Value)> = errors["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["loc"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("value_error", json!(["body", "email"])),
            ("string_too_short", json!(["body", "password"])),
            ("literal_error", json!(["body", "roles", 1])),
            ("literal_error", json!(["body", "status"])),
            ("bool_parsing", json!(["body", "is_active"])),
        ]
    );

    // Deleting; then it is gone.
    let response = app
        .client
        .delete(app.url(&format!("/admin/users/{}", id(&carol))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.unwrap(), "");
    for method in [Method::GET, Method::DELETE, Method::PATCH] {
        let (status, body) = app
            .call(
                method,
                &format!("/admin/users/{}", id(&carol)),
                &token,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({"detail": "User not found"}));
    }
    assert_eq!(app.user_count(&tenant).await, 2);
    let _ = alice;
}
db_test!(users_are_listed_read_changed_and_deleted);

async fn other_tenants_users_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let mine = app.create_tenant("mine").await;
    let theirs = app.create_tenant("theirs").await;
    let their_token = app.client_token(&theirs, "users:read users:write").await;
    let their_user = create(
        &app,
        &their_token,
        json!({"username": "victim", "password": "password1"}),
    )
    .await;
    let my_token = app.client_token(&mine, "users:read users:write").await;
    let path = format!("/admin/users/{}", their_user["id"].as_str().unwrap());
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let (status, body) = app
            .call(
                method.clone(),
                &path,
                &my_token,
                Some(json!({"status": "disabled"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(body, json!({"detail": "User not found"}));
    }
    let (_, listed) = app
        .call(Method::GET, "/admin/users/", &my_token, None)
        .await;
    assert_eq!(listed, json!([]));
    // The same username is free in another tenant.
    create(
        &app,
        &my_token,
        json!({"username": "victim", "password": "password1"}),
    )
    .await;
    let (_, still) = app.call(Method::GET, &path, &their_token, None).await;
    assert_eq!(still["status"], "active");
}
db_test!(other_tenants_users_are_not_found);

async fn only_tenant_admins_get_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let reader = app.client_token(&tenant, "users:read").await;
    let (status, _) = app.call(Method::GET, "/admin/users/", &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .call(
            Method::POST,
            "/admin/users/",
            &reader,
            Some(json!({"username": "someone", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Not enough permissions"}));

    // A user token: admins may, editors may not.
    app.create_user(&tenant, "boss", vec![portcullis::domain::Role::Admin])
        .await;
    app.create_user(&tenant, "ed", vec![portcullis::domain::Role::Editor])
        .await;
    let boss = app.user_token(&tenant, "boss").await;
    let (status, _) = app.call(Method::GET, "/admin/users/", &boss, None).await;
    assert_eq!(status, StatusCode::OK);
    let editor = app.user_token(&tenant, "ed").await;
    let (status, _) = app.call(Method::GET, "/admin/users/", &editor, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An invalid token is 401 with the RFC 6750 error; a missing one plain `Bearer`.
    let response = app
        .client
        .get(app.url("/admin/users/"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Not authenticated"})
    );
    let response = app
        .client
        .get(app.url("/admin/users/some-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}
db_test!(only_tenant_admins_get_in);

async fn both_slash_forms_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:read users:write").await;
    let (status, user) = app
        .call(
            Method::POST,
            "/admin/users",
            &token,
            Some(json!({"username": "noslash", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = user["id"].as_str().unwrap();
    for path in [format!("/admin/users/{id}"), format!("/admin/users/{id}/")] {
        let (status, read) = app.call(Method::GET, &path, &token, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(read["id"], id);
    }
    for path in [
        "/admin/users",
        "/admin/users/",
        "/admin/users?limit=5",
        "/admin/users/?limit=5",
    ] {
        let (status, users) = app.call(Method::GET, path, &token, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(users.as_array().map(Vec::len), Some(1), "{path}");
    }
}
db_test!(both_slash_forms_work);

async fn logins_and_status_changes_show_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:read users:write").await;
    // A user registered without a password is pending until an admin sets one.
    let pending = app.create_pending_user(&tenant, "pat").await;
    let path = format!("/admin/users/{}", pending.uuid);
    let (_, read) = app.call(Method::GET, &path, &token, None).await;
    assert_eq!(
        (read["status"].as_str(), read["is_active"].as_bool()),
        (Some("pending"), Some(false))
    );
    assert_eq!(read["last_login_at"], Value::Null);

    let password_login = || {
        app.client
            .post(app.url("/oauth/token"))
            .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
            .form(&[
                ("grant_type", "password"),
                ("username", "pat"),
                ("password", "new-password-1"),
            ])
            .send()
    };
    assert_eq!(
        password_login().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let (_, activated) = app
        .call(
            Method::PATCH,
            &path,
            &token,
            Some(json!({"password": "new-password-1"})),
        )
        .await;
    assert_eq!(activated["status"], "active");
    assert_eq!(password_login().await.unwrap().status(), StatusCode::OK);
    let (_, read) = app.call(Method::GET, &path, &token, None).await;
    assert!(
        read["last_login_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z')),
        "{read}"
    );

    // Disabled users cannot log in.
    app.call(
        Method::PATCH,
        &path,
        &token,
        Some(json!({"is_active": false})),
    )
    .await;
    let refused = password_login().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(refused).await["error"], "invalid_grant");
}
db_test!(logins_and_status_changes_show_up);

async fn admin_changes_take_effect_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("app").await;
    // Changing an admin's account takes the right to manage the tenant.
    let token = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;
    let (boss_token, boss_refresh) = app.admin_tokens(&tenant).await;
    let (status, users) = app
        .call(Method::GET, "/admin/users/?q=boss", &boss_token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/admin/users/{}", users[0]["id"].as_str().unwrap());

    // A new password ends the boss's logins; disabling them ends their access.
    let (status, _) = app
        .call(
            Method::PATCH,
            &path,
            &token,
            Some(json!({"password": "another-pass-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let refreshed = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", boss_refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::PATCH,
            &path,
            &token,
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(Method::GET, "/admin/users/", &boss_token, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Administrators need no invite code, even in an invite-only tenant.
    app.set_policy(&mut tenant, "invite_only", "true").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/admin/users/",
            &token,
            Some(json!({"username": "invited", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
db_test!(admin_changes_take_effect_at_once);

async fn hostile_bodies_are_refused_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:write").await;
    let send = |body: String| {
        app.client
            .post(app.url("/admin/users/"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let null = send("null".to_owned()).await.unwrap();
    assert_eq!(null.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        null.text().await.unwrap(),
        r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#
    );
    let deep = send("[".repeat(60_000)).await.unwrap();
    assert_eq!(deep.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_body(deep).await["detail"][0]["type"], "json_invalid");
    let huge = send(format!("{{\"username\": \"{}\"}}", "a".repeat(100_000)))
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        huge.text().await.unwrap(),
        r#"{"detail":"Payload Too Large"}"#
    );
    let binary = app
        .client
        .post(app.url("/admin/users/"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![0xff_u8, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(binary.status(), StatusCode::BAD_REQUEST);
    // FastAPI decodes the body before it looks at the token.
    let malformed = app
        .client
        .post(app.url("/admin/users/"))
        .bearer_auth("not.a.token")
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Path and body problems come together, path first.
    let (status, errors) = app
        .call(
            Method::PATCH,
            "/admin/users/not-a-uuid",
            &token,
            Some(json!({"roles": ["z"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let kinds: Vec<&str> = errors["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["uuid_parsing", "literal_error"]);
    // The server is still there.
    let (status, _) = app
        .call(
            Method::POST,
            "/admin/users/",
            &token,
            Some(json!({"username": "survivor", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
db_test!(hostile_bodies_are_refused_cleanly);

/// Only who may manage the tenant grants `admin` or touches an admin's account:
/// a `users:write` token could otherwise make an admin (or set an admin's
/// password) and sign in as them with `tenant:manage`.
async fn users_write_tokens_cannot_make_or_touch_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let writer = app.client_token(&tenant, "users:read users:write").await;
    let forbidden = json!({"detail": "Not enough permissions"});

    let (status, body) = app
        .call(
            Method::POST,
            "/admin/users/",
            &writer,
            Some(json!({"username": "mallory", "password": "password1", "role": "admin"})),
        )
        .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));
    let editor = create(
        &app,
        &writer,
        json!({"username": "eve", "password": "password1", "role": "editor"}),
    )
    .await;
    let eve = format!("/admin/users/{}", editor["id"].as_str().unwrap());
    let (status, body) = app
        .call(
            Method::PATCH,
            &eve,
            &writer,
            Some(json!({"roles": ["admin"]})),
        )
        .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));

    app.create_user(&tenant, "boss", vec![portcullis::domain::Role::Admin])
        .await;
    let (_, found) = app
        .call(Method::GET, "/admin/users/?q=boss", &writer, None)
        .await;
    let boss = format!("/admin/users/{}", found[0]["id"].as_str().unwrap());
    for change in [
        json!({"password": "taken-over-1"}),
        json!({"email": "me@evil.example"}),
    ] {
        let (status, body) = app.call(Method::PATCH, &boss, &writer, Some(change)).await;
        assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));
    }
    let (status, body) = app.call(Method::DELETE, &boss, &writer, None).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));
    // The admin's password is still theirs: no `tenant:manage` was gained.
    let (status, _) = app
        .password_grant(&tenant, "boss", "taken-over-1", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, users) = app.call(Method::GET, "/admin/users/", &writer, None).await;
    let roles: Vec<&Value> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["roles"])
        .collect();
    assert_eq!(roles, [&json!(["editor"]), &json!(["admin"])]);

    // A token that may manage the tenant may do all of it.
    let manager = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &eve,
            &manager,
            Some(json!({"roles": ["admin"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(Method::DELETE, &boss, &manager, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
db_test!(users_write_tokens_cannot_make_or_touch_admins);

/// Usernames of any script, as the original's length-only rule allows them
/// (`ééé` is created there); spaces and controls are refused with pydantic's
/// pattern error, and compatibility forms with the username rule's value error.
async fn usernames_of_any_script_are_created(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:write").await;
    for username in ["ééé", "用户名", "Ωmega-7"] {
        let user = create(
            &app,
            &token,
            json!({"username": username, "password": "password1"}),
        )
        .await;
        assert_eq!(user["username"], username);
    }
    let (status, errors) = app
        .call(
            Method::POST,
            "/admin/users/",
            &token,
            Some(json!({"username": "two words", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors["detail"][0]["type"], "string_pattern_mismatch");
    assert_eq!(
        errors["detail"][0]["ctx"]["pattern"],
        r"^[^\s\x00-\x1f\x7f-\x9f]+$"
    );
    let (status, errors) = app
        .call(
            Method::POST,
            "/admin/users/",
            &token,
            Some(json!({"username": "ﬁsh", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors["detail"][0]["type"], "value_error");
    // Width and case forms still collide.
    let (status, _) = app
        .call(
            Method::POST,
            "/admin/users/",
            &token,
            Some(json!({"username": "ÉÉÉ", "password": "password1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}
db_test!(usernames_of_any_script_are_created);

/// Paging offsets are bounded as the document states, with pydantic's error.
async fn paging_offsets_are_bounded(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:read").await;
    for skip in ["2147483648", "9223372036854775808"] {
        let (status, errors) = app
            .call(
                Method::GET,
                &format!("/admin/users/?skip={skip}"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            errors,
            json!({"detail": [{
                "type": "less_than_equal",
                "loc": ["query", "skip"],
                "msg": "Input should be less than or equal to 2147483647",
                "input": skip,
                "ctx": {"le": 2147483647_i64},
            }]})
        );
    }
    let (status, _) = app
        .call(Method::GET, "/admin/users/?skip=2147483647", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}
db_test!(paging_offsets_are_bounded);

/// A password change on a pending user decides "pending becomes active" on the
/// user as they are when it writes, not as they were before its hash: a
/// disable that lands meanwhile is not undone.
async fn a_disable_landing_during_a_password_change_stays(backend: Backend) {
    let app = TestApp::builder(backend)
        // A hash that takes a while, so the disable lands while it runs.
        .configure(|config| {
            config.argon2 = portcullis::config::Argon2Config {
                memory_kib: 32 * 1024,
                iterations: 3,
                parallelism: 1,
            };
        })
        .spawn()
        .await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:read users:write").await;
    for round in 0..3 {
        let pending = app
            .create_pending_user(&tenant, &format!("pat{round}"))
            .await;
        let path = format!("/admin/users/{}", pending.uuid);
        let password_change = {
            let request = app
                .client
                .patch(app.url(&path))
                .bearer_auth(&token)
                .json(&json!({"password": "first-password-1"}));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        let (status, _) = app
            .call(
                Method::PATCH,
                &path,
                &token,
                Some(json!({"status": "disabled"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(password_change.await.unwrap(), StatusCode::OK);
        let (_, user) = app.call(Method::GET, &path, &token, None).await;
        assert_eq!(
            user["status"], "disabled",
            "round {round}: the disable was lost"
        );
    }
}
db_test!(a_disable_landing_during_a_password_change_stays);

/// Bad emails are refused in email-validator's own words, as the FastAPI
/// original (pydantic's `EmailStr`) words them.
async fn bad_emails_get_email_validators_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "users:write").await;
    for (email, reason) in [
        (
            "a@@example.com",
            "The part after the @-sign contains invalid characters: '@'.",
        ),
        ("not-an-email", "An email address must have an @-sign."),
        ("@example.com", "There must be something before the @-sign."),
        (
            "a..b@example.com",
            "An email address cannot have two periods in a row.",
        ),
        (
            "a@example",
            "The part after the @-sign is not valid. It should have a period.",
        ),
        (
            "a@[127.0.0.1]",
            "A bracketed IP address after the @-sign is not allowed here.",
        ),
    ] {
        let (status, errors) = app
            .call(
                Method::POST,
                "/admin/users/",
                &token,
                Some(json!({"username": "mailer", "password": "password1", "email": email})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        assert_eq!(
            errors["detail"][0],
            json!({
                "type": "value_error",
                "loc": ["body", "email"],
                "msg": format!("value is not a valid email address: {reason}"),
                "input": email,
                "ctx": {"reason": reason},
            }),
            "{email}"
        );
    }
    // Valid ones are normalized as pydantic normalizes them (domain lowercased).
    let user = create(
        &app,
        &token,
        json!({"username": "mailer", "password": "password1", "email": "Jane@EXAMPLE.com"}),
    )
    .await;
    assert_eq!(user["email"], "Jane@example.com");
}
db_test!(bad_emails_get_email_validators_words);
