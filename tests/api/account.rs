//! The community API v2 account surface: both seed editions, invite and promo
//! codes (including the race for a single-use code), custom fields, errors.

use chrono::{Duration, Utc};
use portcullis::{auth::secrets::hash_secret, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{
        Backend, TestApp, TestTenant, assert_problem, error_codes, json_body, pairs, spawn_app,
    },
};

async fn create(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v2/account/create/"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The `(field, code)` pairs of a 400 problem.
async fn problems(response: reqwest::Response) -> Vec<(String, String)> {
    error_codes(&assert_problem(response, StatusCode::BAD_REQUEST).await)
}

async fn setup(backend: Backend) -> (TestApp, TestTenant, String) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("community").await;
    let token = app.client_token(&tenant, "users:write").await;
    (app, tenant, token)
}

async fn both_seed_editions(backend: Backend) {
    let (app, mut tenant, token) = setup(backend).await;
    // Seed 001 (the default): email and a strong password are required.
    let response = create(
        &app,
        &token,
        json!({"username": "alice_01", "email": "alice@example.com", "password": "Str0ng-pass"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(response).await;
    assert!(user["id"].as_i64().unwrap() > 0);
    assert_eq!(user["username"], "alice_01");
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["status"], "active");
    assert_eq!(user["ext_id"], Value::Null);
    assert_eq!(user["tags"], json!([]));
    assert!(user["date_joined"].is_string());

    assert_eq!(
        problems(create(&app, &token, json!({"username": "bob"})).await).await,
        pairs(&[("email", "required"), ("password", "required")])
    );
    assert_eq!(
        problems(
            create(
                &app,
                &token,
                json!({"username": "bad name", "email": "x", "password": "alllowercase"})
            )
            .await
        )
        .await,
        pairs(&[
            ("username", "invalid"),
            ("email", "invalid"),
            ("password", "too_weak")
        ])
    );
    assert_eq!(
        problems(
            create(
                &app,
                &token,
                json!({"username": "ALICE_01", "email": "Alice@Example.com", "password": "Str0ng-pass"})
            )
            .await
        )
        .await,
        pairs(&[("username", "unique"), ("email", "unique")])
    );

    // Seed 000: neither is required; without a password the user is pending.
    app.set_policy(&mut tenant, "require_email", "false").await;
    app.set_policy(&mut tenant, "require_password", "false")
        .await;
    let response = create(&app, &token, json!({"username": "carol"})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(response).await;
    assert_eq!(user["status"], "pending");
    assert_eq!(user["email"], Value::Null);

    // The documented path with its trailing slash and without both work.
    let response = app
        .client
        .post(app.url("/api/v2/account/create"))
        .bearer_auth(&token)
        .json(&json!({"username": "dave"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.user_count(&tenant).await, 3);
}
db_test!(both_seed_editions);

async fn auth_and_malformed_requests(backend: Backend) {
    let (app, tenant, _) = setup(backend).await;
    let reader = app.client_token(&tenant, "users:read").await;
    let response = create(&app, &reader, json!({"username": "x"})).await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
    let response = app
        .client
        .post(app.url("/api/v2/account/create/"))
        .json(&json!({"username": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let writer = app.client_token(&tenant, "users:write").await;
    let response = app
        .client
        .post(app.url("/api/v2/account/create/"))
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST).await;
    let response = app
        .client
        .post(app.url("/api/v2/account/create/"))
        .bearer_auth(&writer)
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(auth_and_malformed_requests);

async fn invite_codes(backend: Backend) {
    let (app, mut tenant, token) = setup(backend).await;
    app.set_policy(&mut tenant, "invite_only", "true").await;
    let now = Utc::now();
    let db = &app.ctx.db;
    let id = tenant.tenant.id;
    store::codes::create_invite(db, id, &hash_secret("TWICE"), 2, None, now)
        .await
        .unwrap();
    store::codes::create_invite(
        db,
        id,
        &hash_secret("OLD"),
        5,
        Some(now - Duration::hours(1)),
        now,
    )
    .await
    .unwrap();
    let body = |name: &str, code: Option<&str>| {
        let mut body = json!({"username": name, "email": format!("{name}@example.com"), "password": "Str0ng-pass"});
        if let Some(code) = code {
            body["invite_code"] = json!(code);
        }
        body
    };
    assert_eq!(
        problems(create(&app, &token, body("u1", None)).await).await,
        pairs(&[("invite_code", "required")])
    );
    assert_eq!(
        problems(create(&app, &token, body("u1", Some("NOPE"))).await).await,
        pairs(&[("invite_code", "invalid")])
    );
    assert_eq!(
        problems(create(&app, &token, body("u1", Some("OLD"))).await).await,
        pairs(&[("invite_code", "expired")])
    );
    for name in ["u1", "u2"] {
        let response = create(&app, &token, body(name, Some("TWICE"))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(
        problems(create(&app, &token, body("u3", Some("TWICE"))).await).await,
        pairs(&[("invite_code", "expired")])
    );
    // Another tenant's code is unknown here.
    let other = app.create_tenant("other").await;
    store::codes::create_invite(db, other.tenant.id, &hash_secret("THEIRS"), 5, None, now)
        .await
        .unwrap();
    assert_eq!(
        problems(create(&app, &token, body("u3", Some("THEIRS"))).await).await,
        pairs(&[("invite_code", "invalid")])
    );
    assert_eq!(app.user_count(&tenant).await, 2);
}
db_test!(invite_codes);

async fn a_single_use_invite_admits_exactly_one_of_ten(backend: Backend) {
    let (app, mut tenant, token) = setup(backend).await;
    app.set_policy(&mut tenant, "invite_only", "true").await;
    store::codes::create_invite(
        &app.ctx.db,
        tenant.tenant.id,
        &hash_secret("ONCE"),
        1,
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..10 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v2/account/create/"),
            token.clone(),
        );
        attempts.spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"username": format!("racer{n}"), "email": format!("racer{n}@example.com"), "password": "Str0ng-pass", "invite_code": "ONCE"}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses: Vec<StatusCode> = attempts.join_all().await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::BAD_REQUEST)
            .count(),
        9
    );
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(a_single_use_invite_admits_exactly_one_of_ten);

async fn promo_codes(backend: Backend) {
    let (app, mut tenant, token) = setup(backend).await;
    let now = Utc::now();
    let promo = |code: &'static str, max: Option<i32>, from: Option<i64>, until: Option<i64>| {
        store::codes::NewPromoCode {
            code,
            limits: portcullis::domain::values::PromoLimits {
                max_redemptions: max,
                valid_from: from.map(|h| now + Duration::hours(h)),
                valid_until: until.map(|h| now + Duration::hours(h)),
            },
        }
    };
    let db = &app.ctx.db;
    let id = tenant.tenant.id;
    store::codes::create_promo(db, id, promo("ONE", Some(1), None, None), now)
        .await
        .unwrap();
    store::codes::create_promo(db, id, promo("LATER", None, Some(1), None), now)
        .await
        .unwrap();
    store::codes::create_promo(db, id, promo("OVER", None, None, Some(-1)), now)
        .await
        .unwrap();
    let body = |name: &str, code: &str| json!({"username": name, "email": format!("{name}@example.com"), "password": "Str0ng-pass", "promo_code": code});
    // Off by default.
    assert_eq!(
        problems(create(&app, &token, body("p1", "ONE")).await).await,
        pairs(&[("promo_code", "not_allowed")])
    );
    app.set_policy(&mut tenant, "promo_codes_enabled", "true")
        .await;
    assert_eq!(
        create(&app, &token, body("p1", "ONE")).await.status(),
        StatusCode::CREATED
    );
    for (name, code, expected) in [
        ("p2", "ONE", "expired"),
        ("p2", "LATER", "expired"),
        ("p2", "OVER", "expired"),
        ("p2", "MISSING", "invalid"),
    ] {
        assert_eq!(
            problems(create(&app, &token, body(name, code)).await).await,
            pairs(&[("promo_code", expected)]),
            "{code}"
        );
    }
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(promo_codes);

async fn custom_fields_are_validated_and_returned(backend: Backend) {
    use store::custom_fields::NewCustomField;

    let (app, tenant, token) = setup(backend).await;
    let now = Utc::now();
    let field = |name, field_type, required| NewCustomField {
        name,
        field_type,
        required,
        max_length: None,
        pattern: None,
        choices: None,
    };
    let db = &app.ctx.db;
    let id = tenant.tenant.id;
    store::custom_fields::create(db, id, field("company", "string", true), now)
        .await
        .unwrap();
    store::custom_fields::create(db, id, field("age", "integer", false), now)
        .await
        .unwrap();
    store::custom_fields::create(
        db,
        id,
        NewCustomField {
            choices: Some(json!(["free", "pro"])),
            ..field("plan", "enum", false)
        },
        now,
    )
    .await
    .unwrap();
    let base = json!({"username": "meta", "email": "meta@example.com", "password": "Str0ng-pass"});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    assert_eq!(
        problems(
            create(
                &app,
                &token,
                with(json!({"age": "old", "plan": "gold", "nickname": "x"}))
            )
            .await
        )
        .await,
        pairs(&[
            ("age", "invalid"),
            ("plan", "invalid"),
            ("nickname", "not_allowed"),
            ("company", "required")
        ])
    );
    let response = create(
        &app,
        &token,
        with(json!({"company": "Acme", "age": 42, "plan": "pro"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json_body(response).await;
    assert_eq!(user["company"], "Acme");
    assert_eq!(user["age"], 42);
    assert_eq!(user["plan"], "pro");
}
db_test!(custom_fields_are_validated_and_returned);

async fn a_tenants_spec_types_its_custom_fields(backend: Backend) {
    use store::custom_fields::NewCustomField;

    let (app, tenant, _) = setup(backend).await;
    let now = Utc::now();
    for (name, field_type, required) in [("company", "string", true), ("age", "integer", false)] {
        let field = NewCustomField {
            name,
            field_type,
            required,
            max_length: None,
            pattern: None,
            choices: None,
        };
        store::custom_fields::create(&app.ctx.db, tenant.tenant.id, field, now)
            .await
            .unwrap();
    }
    let spec = |query: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/docs/account/openapi.json{query}")))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, generic) = spec(String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(generic["components"]["schemas"]["AccountCreate"]["properties"]["company"].is_null());

    let (status, typed) = spec(format!("?client_id={}", tenant.client_id())).await;
    assert_eq!(status, StatusCode::OK);
    let create = &typed["components"]["schemas"]["AccountCreate"];
    assert_eq!(create["properties"]["company"]["type"], "string");
    assert_eq!(create["properties"]["age"]["type"], "integer");
    assert_eq!(create["additionalProperties"], false);
    assert_eq!(
        create["required"],
        json!(["username", "company", "email", "password"])
    );
    let user = &typed["components"]["schemas"]["User"];
    assert_eq!(user["properties"]["age"]["format"], "int64");

    let (status, _) = spec("?client_id=unknown".to_owned()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
db_test!(a_tenants_spec_types_its_custom_fields);

async fn a_single_use_promo_code_and_an_ext_id_race(backend: Backend) {
    let (app, mut tenant, token) = setup(backend).await;
    app.set_policy(&mut tenant, "promo_codes_enabled", "true")
        .await;
    let promo = store::codes::NewPromoCode {
        code: "FIRST",
        limits: portcullis::domain::values::PromoLimits {
            max_redemptions: Some(1),
            ..Default::default()
        },
    };
    store::codes::create_promo(&app.ctx.db, tenant.tenant.id, promo, Utc::now())
        .await
        .unwrap();
    let race = |path: &'static str, bodies: Vec<Value>| {
        let mut attempts = tokio::task::JoinSet::new();
        for body in bodies {
            let (client, url, token) = (app.client.clone(), app.url(path), token.clone());
            attempts.spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
        attempts.join_all()
    };
    let created = |statuses: Vec<StatusCode>| {
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count()
    };
    let promo_bodies = (0..10)
        .map(|n| {
            json!({"username": format!("promo{n}"), "email": format!("promo{n}@example.com"),
                   "password": "Str0ng-pass", "promo_code": "FIRST"})
        })
        .collect();
    assert_eq!(
        created(race("/api/v2/account/create/", promo_bodies).await),
        1
    );
    let sso_bodies = (0..10)
        .map(|n| json!({"username": format!("ext{n}"), "ext_id": 42}))
        .collect();
    assert_eq!(created(race("/api/v2/sso/signup/", sso_bodies).await), 1);
    assert_eq!(app.user_count(&tenant).await, 2);
}
db_test!(a_single_use_promo_code_and_an_ext_id_race);

/// A tenant's document is public and built on request: each address gets a
/// bounded share of them, answered 429 past it, and a document follows the
/// tenant's fields and policy as they change (built once per version of them).
async fn tenant_documents_are_limited_per_address_and_follow_changes(backend: Backend) {
    let app = TestApp::builder(backend)
        .configure(|config| {
            config.rate_limit.enabled = true;
            config.rate_limit.policies.docs_per_ip = portcullis::ratelimit::Quota::new(3, 3600);
        })
        .spawn()
        .await;
    let mut tenant = app.create_tenant("typed").await;
    let path = format!(
        "/docs/account/openapi.json?client_id={}",
        tenant.client_id()
    );
    let fetch = || app.client.get(app.url(&path)).send();

    let first: Value = fetch().await.unwrap().json().await.unwrap();
    let required = |doc: &Value| doc["components"]["schemas"]["AccountCreate"]["required"].clone();
    assert_eq!(required(&first), json!(["username", "email", "password"]));
    app.set_policy(&mut tenant, "require_email", "false").await;
    let second: Value = fetch().await.unwrap().json().await.unwrap();
    assert_eq!(required(&second), json!(["username", "password"]));
    assert_eq!(fetch().await.unwrap().status(), StatusCode::OK);

    let refused = fetch().await.unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    // The generic document is static and not limited.
    let generic = app
        .client
        .get(app.url("/docs/account/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(generic.status(), StatusCode::OK);
}
db_test!(tenant_documents_are_limited_per_address_and_follow_changes);

/// An invite code that expires while its registration hashes the password is
/// not consumed after its expiry: the code is judged when the user is written.
async fn an_invite_expiring_during_the_hash_admits_nobody(backend: Backend) {
    use std::sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    };
    let offset = Arc::new(AtomicI64::new(0));
    let app = TestApp::builder(backend)
        .configure(|config| {
            config.argon2 = portcullis::config::Argon2Config {
                memory_kib: 32 * 1024,
                iterations: 3,
                parallelism: 1,
            };
        })
        .clock(portcullis::domain::Clock::offset(offset.clone()))
        .spawn()
        .await;
    let tenant = app.create_tenant("community").await;
    let manager = app.client_token(&tenant, "users:write tenant:manage").await;
    let expires_at = (Utc::now() + Duration::seconds(60)).to_rfc3339();
    let (_, invite) = app
        .call(
            reqwest::Method::POST,
            "/manage/v1/invite-codes",
            &manager,
            Some(json!({"expires_at": expires_at})),
        )
        .await;
    let registration = {
        let request = app
            .client
            .post(app.url("/api/v2/account/create/"))
            .bearer_auth(&manager)
            .json(&json!({"username": "late", "email": "late@example.com",
                          "password": "Str0ng-pass", "invite_code": invite["code"]}));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    // The code expires while the password hashes.
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    offset.store(120, Ordering::Relaxed);
    let response = registration.await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        problems(response).await,
        [("invite_code".to_owned(), "expired".to_owned())]
    );
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(an_invite_expiring_during_the_hash_admits_nobody);
