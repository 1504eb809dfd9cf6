//! `POST /sign-up` as the public sign-up API document gives it.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, json_body, spawn_app},
};

async fn registers_a_user_with_the_seed_body_and_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("demo").await;

    let response = app.sign_up(&tenant, "username").await;

    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(
        headers["x-runtime"]
            .to_str()
            .unwrap()
            .parse::<f64>()
            .is_ok()
    );
    let request_id = headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok());
    let body = json_body(response).await;
    let id = body["user"]["id"].as_i64().expect("integer id");
    assert_eq!(body, json!({"user": {"id": id, "username": "username"}}));
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(registers_a_user_with_the_seed_body_and_headers);

async fn echoes_a_sane_request_id_and_replaces_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let send = |id: &'static str| {
        app.client
            .get(app.url("/healthz"))
            .header("X-Request-Id", id)
            .send()
    };
    let echoed = send("abc-123").await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    let replaced = send("bad id with spaces").await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id with spaces");
}
db_test!(echoes_a_sane_request_id_and_replaces_others);

async fn unknown_or_malformed_client_id_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    for client_id in ["abcdefghijklmnopqrstuvwxyz234567", "not-a-client-id"] {
        let response = app
            .post_signup(&json!({"username": "u", "password": "p", "client_id": client_id}))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            json_body(response).await,
            json!({"errors": {"client_id": ["is invalid"]}})
        );
    }
}
db_test!(unknown_or_malformed_client_id_is_401);

async fn tenant_with_public_signup_disabled_is_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("closed").await;
    // The first sign-up caches the tenant; the policy change must still apply at once.
    assert_eq!(app.sign_up(&tenant, "early").await.status(), StatusCode::OK);
    app.set_policy(&mut tenant, "public_signup_enabled", "false")
        .await;

    let response = app.sign_up(&tenant, "alice").await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"client_id": ["does not accept public sign-ups"]}})
    );
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(tenant_with_public_signup_disabled_is_403);

async fn taken_username_is_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("demo").await;
    assert_eq!(app.sign_up(&tenant, "alice").await.status(), StatusCode::OK);

    let response = app.sign_up(&tenant, "alice").await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"username": ["has already been taken"]}})
    );
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(taken_username_is_422);

async fn unicode_variants_collide_in_case_insensitive_tenants(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("demo").await;
    for (first, second) in [
        ("Alice", "alice"),
        ("ｆｏｏ", "FOO"),
        // NFC and NFD spellings of "café"
        ("caf\u{e9}", "cafe\u{301}"),
    ] {
        assert_eq!(app.sign_up(&tenant, first).await.status(), StatusCode::OK);
        let response = app.sign_up(&tenant, second).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{second} should collide with {first}"
        );
    }
    // Compatibility forms that NFKC would fold are refused outright, so no
    // NFKC-equivalent pair can ever coexist.
    let response = app.sign_up(&tenant, "ﬁsh").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"username": ["is invalid"]}})
    );
    assert_eq!(app.sign_up(&tenant, "用户").await.status(), StatusCode::OK);
}
db_test!(unicode_variants_collide_in_case_insensitive_tenants);

async fn case_preserving_tenants_keep_case_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("strict-case").await;
    app.set_policy(&mut tenant, "username_case_insensitive", "false")
        .await;
    assert_eq!(app.sign_up(&tenant, "Alice").await.status(), StatusCode::OK);
    assert_eq!(app.sign_up(&tenant, "alice").await.status(), StatusCode::OK);
    // Width variants still collide (PRECIS maps them in both profiles).
    assert_eq!(
        app.sign_up(&tenant, "ａｌｉｃｅ").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
db_test!(case_preserving_tenants_keep_case_apart);

/// The domain decides which spellings are one name; the unique indexes must not
/// merge more (MySQL's default collations fold accents and `ß`/`ss`).
async fn the_database_merges_no_names_the_domain_keeps_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("folding").await;
    for (first, second) in [
        ("straße", "strasse"),
        ("josé", "jose"),
        ("müller", "muller"),
    ] {
        assert_eq!(app.sign_up(&tenant, first).await.status(), StatusCode::OK);
        assert_eq!(
            app.sign_up(&tenant, second).await.status(),
            StatusCode::OK,
            "{second} was merged with {first}"
        );
    }
    assert_eq!(app.user_count(&tenant).await, 6);
    // Emails too: these two differ only where a folding collation would not.
    let other = app.create_tenant("emails").await;
    app.create_user(&other, "fuß", vec![]).await;
    app.create_user(&other, "fuss", vec![]).await;
    assert_eq!(app.user_count(&other).await, 2);
}
db_test!(the_database_merges_no_names_the_domain_keeps_apart);

async fn same_username_in_two_tenants_both_succeed(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.create_tenant("first").await;
    let second = app.create_tenant("second").await;
    assert_eq!(app.sign_up(&first, "alice").await.status(), StatusCode::OK);
    assert_eq!(app.sign_up(&second, "alice").await.status(), StatusCode::OK);
    assert_eq!(app.user_count(&first).await, 1);
    assert_eq!(app.user_count(&second).await, 1);
}
db_test!(same_username_in_two_tenants_both_succeed);

async fn missing_blank_and_mistyped_fields_are_all_listed(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("demo").await;
    let cases = [
        (
            json!({}),
            json!({"errors": {
                "username": ["can't be blank"],
                "password": ["can't be blank"],
                "client_id": ["can't be blank"],
            }}),
        ),
        (
            json!({"username": "  ", "password": null, "client_id": tenant.client_id()}),
            json!({"errors": {"username": ["can't be blank"], "password": ["can't be blank"]}}),
        ),
        (
            json!({"username": 42, "password": "p", "client_id": tenant.client_id()}),
            json!({"errors": {"username": ["is invalid"]}}),
        ),
        (
            json!({"username": "two words", "password": "x".repeat(129), "client_id": tenant.client_id()}),
            json!({"errors": {
                "username": ["is invalid"],
                "password": ["is too long (maximum is 128 characters)"],
            }}),
        ),
    ];
    for (body, expected) in cases {
        let response = app.post_signup(&body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        assert_eq!(json_body(response).await, expected, "{body}");
    }
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(missing_blank_and_mistyped_fields_are_all_listed);

async fn tenant_password_policy_applies(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("strict").await;
    app.set_policy(&mut tenant, "password_min_length", "10")
        .await;

    let response = app.sign_up(&tenant, "alice").await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"password": ["is too short (minimum is 10 characters)"]}})
    );
}
db_test!(tenant_password_policy_applies);

async fn malformed_bodies_get_the_same_error_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |content_type: &'static str, body: &'static str| {
        app.client
            .post(app.url("/sign-up"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        (
            "application/json",
            "{\"username\": ",
            StatusCode::BAD_REQUEST,
            "is not valid JSON (line 1, column 13)",
        ),
        (
            "application/json",
            "[1, 2]",
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        (
            "application/json",
            "",
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        (
            "text/plain",
            "username=a",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ),
    ];
    for (content_type, body, status, message) in cases {
        let response = post(content_type, body).await.unwrap();
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        assert_eq!(
            json_body(response).await,
            json!({"errors": {"base": [message]}})
        );
    }
    let response = app.client.post(app.url("/sign-up")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
db_test!(malformed_bodies_get_the_same_error_shape);

async fn concurrent_identical_sign_ups_create_exactly_one_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("race").await;
    let body =
        json!({"username": "racer", "password": "password", "client_id": tenant.client_id()});
    let requests = (0..20).map(|_| {
        let request = app.client.post(app.url("/sign-up")).json(&body);
        tokio::spawn(async move { request.send().await.unwrap() })
    });
    let mut ok = 0;
    let mut taken = 0;
    for request in requests.collect::<Vec<_>>() {
        let response = request.await.unwrap();
        match response.status() {
            StatusCode::OK => ok += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(
                    json_body(response).await,
                    json!({"errors": {"username": ["has already been taken"]}})
                );
                taken += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((ok, taken), (1, 19));
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(concurrent_identical_sign_ups_create_exactly_one_user);

async fn preflight_is_answered_with_the_seed_allowances(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/sign-up"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(
        headers["access-control-allow-methods"],
        "POST, PUT, DELETE, GET, OPTIONS"
    );
    assert_eq!(
        headers["access-control-allow-headers"],
        "Origin, X-Requested-With, Content-Type, Accept, Authorization, Content-Disposition"
    );
}
db_test!(preflight_is_answered_with_the_seed_allowances);

async fn restricted_origins_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("web").await;
    app.set_policy(&mut tenant, "allowed_origins", "https://app.example")
        .await;
    let sign_up = |origin: &'static str, username: &'static str| {
        app.client
            .post(app.url("/sign-up"))
            .header("Origin", origin)
            .json(&json!({"username": username, "password": "password", "client_id": tenant.client_id()}))
            .send()
    };

    let allowed = sign_up("https://app.example", "alice").await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(allowed.headers()["vary"], "Origin");

    let refused = sign_up("https://evil.example", "mallory").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // The refusal is for the server's eyes: no origin may read it.
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(
        json_body(refused).await,
        json!({"errors": {"origin": ["is not allowed"]}})
    );
    assert_eq!(app.user_count(&tenant).await, 1);
}
db_test!(restricted_origins_are_enforced);

async fn a_full_hashing_queue_sheds_load_with_503_and_loses_nothing(backend: Backend) {
    let app = TestApp::builder(backend)
        .configure(|config| {
            config.argon2 = portcullis::config::Argon2Config::default();
            config.hashing.slots = 1;
            config.hashing.queue_depth = 1;
        })
        .spawn()
        .await;
    let tenant = app.create_tenant("flood").await;

    let requests: Vec<_> = (0..16)
        .map(|i| {
            let request = app.client.post(app.url("/sign-up")).json(&json!({
                "username": format!("user{i}"),
                "password": "password",
                "client_id": tenant.client_id(),
            }));
            tokio::spawn(async move { request.send().await.unwrap() })
        })
        .collect();
    let mut created = HashSet::new();
    let mut shed = 0;
    for request in requests {
        let response = request.await.unwrap();
        match response.status() {
            StatusCode::OK => {
                let body: Value = response.json().await.unwrap();
                created.insert(body["user"]["username"].as_str().unwrap().to_owned());
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(response.headers()["retry-after"], "1");
                assert_eq!(
                    json_body(response).await,
                    json!({"errors": {"base": ["too many sign-ups in progress, retry shortly"]}})
                );
                shed += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        shed > 0,
        "16 concurrent hashes on 1 slot + 1 queue place must shed"
    );
    assert!(!created.is_empty());
    assert_eq!(app.user_count(&tenant).await, created.len() as u64);
}
db_test!(a_full_hashing_queue_sheds_load_with_503_and_loses_nothing);

async fn shutdown_drains_in_flight_sign_ups(backend: Backend) {
    let app = TestApp::builder(backend)
        // Slow enough that the request is still hashing when shutdown starts.
        .configure(|config| {
            config.argon2 = portcullis::config::Argon2Config {
                iterations: 20,
                ..portcullis::config::Argon2Config::default()
            };
        })
        .spawn()
        .await;
    let tenant = app.create_tenant("drain").await;
    let request = app.client.post(app.url("/sign-up")).json(&json!({
        "username": "late", "password": "password", "client_id": tenant.client_id(),
    }));
    let in_flight = tokio::spawn(async move { request.send().await });
    // Shut down only once the sign-up is hashing.
    let hasher = app.ctx.hasher.clone();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while hasher.in_flight() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the sign-up reaches the hashing pool");
    let db = app.ctx.db.clone();
    let tenant_id = tenant.tenant.id;
    app.stop().await;

    let response = in_flight
        .await
        .unwrap()
        .expect("in-flight request completes");
    assert_eq!(response.status(), StatusCode::OK);
    let users = portcullis::store::tenants::count_users(&db, tenant_id)
        .await
        .unwrap();
    assert_eq!(users, 1);
}
db_test!(shutdown_drains_in_flight_sign_ups);

/// An invite-only tenant takes no public sign-ups: `/sign-up` has no field for a
/// code, so it is closed rather than open to anyone.
async fn invite_only_tenants_close_the_public_sign_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("club").await;
    app.set_policy(&mut tenant, "invite_only", "true").await;
    let response = app.sign_up(&tenant, "crasher").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"client_id": ["takes sign-ups by invitation only"]}})
    );
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(invite_only_tenants_close_the_public_sign_up);

/// New tenants ask for 8 characters, as NIST SP 800-63B does for passwords users
/// choose; the seed's example password still passes, and a tenant may lower it.
async fn passwords_need_eight_characters_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("app").await;
    let short = app
        .post_signup(
            &json!({"username": "shorty", "password": "1234567", "client_id": tenant.client_id()}),
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_body(short).await,
        json!({"errors": {"password": ["is too short (minimum is 8 characters)"]}})
    );
    assert_eq!(
        app.sign_up(&tenant, "seedling").await.status(),
        StatusCode::OK
    );
    app.set_policy(&mut tenant, "password_min_length", "4")
        .await;
    let lowered = app
        .post_signup(
            &json!({"username": "shorty", "password": "1234", "client_id": tenant.client_id()}),
        )
        .await;
    assert_eq!(lowered.status(), StatusCode::OK);
}
db_test!(passwords_need_eight_characters_by_default);

/// Sign-ups closed while a sign-up's password hashes: the insert re-reads the
/// rules under the tenant's lock, so the sign-up is refused (503, to be
/// retried, when the retry meets the closed door) and nobody is registered.
async fn a_sign_up_racing_its_closure_registers_nobody(backend: Backend) {
    let app = TestApp::builder(backend)
        .configure(|config| {
            config.argon2 = portcullis::config::Argon2Config {
                memory_kib: 32 * 1024,
                iterations: 3,
                parallelism: 1,
            };
        })
        .spawn()
        .await;
    let tenant = app.create_tenant("closing").await;
    let manager = app.client_token(&tenant, "tenant:manage").await;
    let signing_up = {
        let request = app.client.post(app.url("/sign-up")).json(&json!({
            "username": "late", "password": "password", "client_id": tenant.client_id()
        }));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            "/manage/v1/tenant/policy",
            &manager,
            Some(json!({"public_signup_enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let response = signing_up.await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.user_count(&tenant).await, 0);
    let retried = app.sign_up(&tenant, "late").await;
    assert_eq!(retried.status(), StatusCode::FORBIDDEN);
}
db_test!(a_sign_up_racing_its_closure_registers_nobody);
