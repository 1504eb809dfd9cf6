//! `POST /manage/v1/users/import`: a user base with its passwords or hashes,
//! all or nothing or row by row, conflicts failed, skipped or updated.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, TestTenant, USER_PASSWORD, assert_problem, spawn_app},
};

const PATH: &str = "/manage/v1/users/import";

/// bcrypt's own output (Python `bcrypt` 5.0.0, in `tests/fixtures/hashes`).
const BCRYPT: (&str, &str) = (
    "correct horse battery staple",
    "$2b$04$K3JQMo6md1z98h6Idf/wMeys9x7kt0atkSr/3wXlOZGrwJOgfFoAO",
);

async fn import(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, PATH, token, Some(body)).await
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["status"].as_str().unwrap())
        .collect()
}

async fn manager(app: &TestApp, tenant: &TestTenant) -> String {
    app.client_token(tenant, "tenant:manage").await
}

async fn imports_users_who_then_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("migrated").await;
    let token = manager(&app, &tenant).await;
    let (status, answer) = import(
        &app,
        &token,
        json!({"users": [
            {"username": "plain", "email": "plain@example.com", "password": USER_PASSWORD,
             "roles": ["editor"], "created_at": "2019-05-01T10:00:00Z"},
            {"username": "hashed", "password_hash": BCRYPT.1, "ext_id": 77},
            {"username": "waiting", "email": "waiting@example.com"},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (&answer["created"], &answer["failed"]),
        (&json!(3), &json!(0))
    );
    assert_eq!(statuses(&answer), ["created", "created", "created"]);
    assert_eq!(answer["results"][1]["index"], 1);
    assert!(answer["results"][2]["id"].is_i64());

    let (status, body) = app
        .password_grant(&tenant, "plain", USER_PASSWORD, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.password_grant(&tenant, "hashed", BCRYPT.0, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .password_grant(&tenant, "waiting", USER_PASSWORD, None)
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a pending user has no password"
    );

    let (_, events) = app
        .call(
            Method::GET,
            "/manage/v1/audit-events?type=user.imported",
            &token,
            None,
        )
        .await;
    assert_eq!(events.as_array().unwrap().len(), 3, "{events}");
    assert_eq!(events[0]["detail"]["batch_size"], 3);
    assert_eq!(events[0]["actor"], "client");
}
db_test!(imports_users_who_then_sign_in);

async fn one_bad_row_stops_an_atomic_import_and_only_itself_otherwise(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("migrated").await;
    let token = manager(&app, &tenant).await;
    let users = json!([
        {"username": "first", "password": USER_PASSWORD},
        {"username": "second", "email": "not an email", "password_hash": "$1$md5$crypt"},
        {"username": "third", "password_hash": BCRYPT.1},
    ]);
    let (status, answer) = import(&app, &token, json!({"users": users})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(statuses(&answer), ["rolled_back", "failed", "rolled_back"]);
    let errors = &answer["results"][1]["errors"];
    let fields: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password_hash"], "{errors}");
    assert_eq!(answer["created"], 0);
    assert_eq!(app.user_count(&tenant).await, 0);

    let (_, answer) = import(&app, &token, json!({"users": users, "atomic": false})).await;
    assert_eq!(statuses(&answer), ["created", "failed", "created"]);
    assert_eq!(
        (&answer["created"], &answer["failed"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(app.user_count(&tenant).await, 2);
}
db_test!(one_bad_row_stops_an_atomic_import_and_only_itself_otherwise);

async fn conflicts_fail_skip_or_update(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("migrated").await;
    let other = app.create_tenant("other").await;
    let alice = app.create_user(&tenant, "alice", vec![]).await;
    let others_alice = app.create_user(&other, "alice", vec![]).await;
    let token = manager(&app, &tenant).await;
    let row = json!({"username": "Alice", "email": "new@example.com", "password_hash": BCRYPT.1});

    let (_, answer) = import(&app, &token, json!({"users": [row]})).await;
    assert_eq!(statuses(&answer), ["failed"]);
    assert_eq!(answer["results"][0]["errors"][0]["field"], "username");
    assert_eq!(answer["results"][0]["errors"][0]["code"], "unique");

    let (_, answer) = import(&app, &token, json!({"users": [row], "on_conflict": "skip"})).await;
    assert_eq!(statuses(&answer), ["skipped"]);
    assert_eq!(answer["results"][0]["id"], alice.id);

    let (_, answer) = import(
        &app,
        &token,
        json!({"users": [row], "on_conflict": "update"}),
    )
    .await;
    assert_eq!(statuses(&answer), ["updated"], "{answer}");
    assert_eq!(answer["results"][0]["id"], alice.id);
    let (status, _) = app.password_grant(&tenant, "alice", BCRYPT.0, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the imported hash replaced the password"
    );
    // Another tenant's alice is not touched.
    let (status, _) = app
        .password_grant(&other, "alice", USER_PASSWORD, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.user_count(&other).await, 1);
    assert!(others_alice.id != alice.id);

    // The same username twice in one call: the second fails.
    let (_, answer) = import(
        &app,
        &token,
        json!({"atomic": false, "users": [
            {"username": "bob", "ext_id": 5}, {"username": "BOB"}, {"username": "carol", "ext_id": 5},
        ]}),
    )
    .await;
    assert_eq!(
        statuses(&answer),
        ["created", "failed", "failed"],
        "{answer}"
    );
    assert_eq!(answer["results"][2]["errors"][0]["field"], "ext_id");
}
db_test!(conflicts_fail_skip_or_update);

async fn a_firebase_export_imports_with_its_hash_config(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("from-firebase").await;
    let token = manager(&app, &tenant).await;
    // Firebase's published test vector (github.com/firebase/scrypt).
    let (status, answer) = import(
        &app,
        &token,
        json!({
            "hash_config": {
                "base64_signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
                "base64_salt_separator": "Bw==",
                "rounds": 8,
                "mem_cost": 14
            },
            "users": [{
                "username": "user1",
                "password_salt": "42xEC+ixf3L2lw==",
                "password_hash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
            }]
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(statuses(&answer), ["created"], "{answer}");
    let (status, body) = app
        .password_grant(&tenant, "user1", "user1password", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
db_test!(a_firebase_export_imports_with_its_hash_config);

async fn more_than_a_thousand_users_is_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("big").await;
    let token = manager(&app, &tenant).await;
    let users: Vec<Value> = (0..1001)
        .map(|i| json!({"username": format!("u{i}")}))
        .collect();
    let response = app
        .client
        .post(app.url(PATH))
        .bearer_auth(&token)
        .json(&json!({"users": users}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(problem["status"], 413);
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(more_than_a_thousand_users_is_413);

/// An update changes only what the row gives: a row with a new password hash
/// keeps the user's email, ext_id, roles and status.
async fn an_update_keeps_what_the_row_leaves_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("migrated").await;
    let token = manager(&app, &tenant).await;
    let (_, answer) = import(
        &app,
        &token,
        json!({"users": [{"username": "dora", "email": "dora@example.com", "ext_id": 9,
                          "roles": ["editor"], "password": USER_PASSWORD}]}),
    )
    .await;
    assert_eq!(statuses(&answer), ["created"], "{answer}");
    let (_, answer) = import(
        &app,
        &token,
        json!({"on_conflict": "update", "users": [{"username": "dora", "password_hash": BCRYPT.1}]}),
    )
    .await;
    assert_eq!(statuses(&answer), ["updated"], "{answer}");
    let users = portcullis::store::imports::export_page(&app.ctx.db, tenant.tenant.id, 0, 10)
        .await
        .unwrap();
    let dora = &users[0];
    assert_eq!(dora.email.as_deref(), Some("dora@example.com"));
    assert_eq!(dora.ext_id, Some(9));
    assert_eq!(dora.roles.len(), 1);
    assert_eq!(dora.status, "active");
    assert_eq!(dora.password_hash.as_deref(), Some(BCRYPT.1));
}
db_test!(an_update_keeps_what_the_row_leaves_out);

/// Strings are strings: a number or a boolean where the document says string
/// is a 400 naming the field, and nothing is imported.
async fn string_fields_take_only_strings(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("strict").await;
    let token = manager(&app, &tenant).await;
    for body in [
        json!({"users": [{"username": 5}]}),
        json!({"users": [{"username": "ann", "password_hash": false}]}),
        json!({"users": [], "hash_config": {"base64_signer_key": "a2V5", "base64_salt_separator": false, "rounds": 8, "mem_cost": 14}}),
    ] {
        let (status, problem) = import(&app, &token, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
    }
    assert_eq!(app.user_count(&tenant).await, 0);
}
db_test!(string_fields_take_only_strings);

/// `on_conflict` is one of three words; anything else is a 400 naming it.
async fn an_unknown_conflict_choice_is_a_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("strict").await;
    let token = manager(&app, &tenant).await;
    let (status, problem) = import(
        &app,
        &token,
        json!({"users": [{"username": "ann"}], "on_conflict": "merge"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "on_conflict");
    let (status, answer) = import(
        &app,
        &token,
        json!({"users": [{"username": "ann"}], "on_conflict": null, "atomic": null}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "null is the default: {answer}");
    assert_eq!(statuses(&answer), ["created"]);
}
db_test!(an_unknown_conflict_choice_is_a_400);
