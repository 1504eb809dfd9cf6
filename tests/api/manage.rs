//! Bearer-token checks on a protected surface (`GET /manage/v1/tenant`).

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use portcullis::domain::{Clock, Role};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    db_test,
    helpers::{Backend, TestApp, assert_problem, json_body, spawn_app},
};

async fn get_tenant(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/manage/v1/tenant"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn admins_and_scoped_clients_are_let_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    app.create_user(&tenant, "root", vec![Role::Admin]).await;
    let admin = app.user_token(&tenant, "root").await;
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
    app.create_user(&tenant, "val", vec![Role::Viewer]).await;
    let viewer = app.user_token(&tenant, "val").await;
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
    let app = TestApp::builder(backend)
        .clock(Clock::offset(offset.clone()))
        .spawn()
        .await;
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

async fn a_tenant_manages_its_policy_codes_tags_and_fields(backend: Backend) {
    use reqwest::Method;
    use serde_json::json;

    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("managed").await;
    let manager = app.client_token(&tenant, "tenant:manage users:write").await;

    // Policy: invite-only, with promo codes.
    let (status, body) = app.call(Method::PATCH,
        "/manage/v1/tenant/policy",
        &manager,
        Some(json!({"invite_only": true, "promo_codes_enabled": true, "password_min_length": 10})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["policy"]["invite_only"], true);
    assert_eq!(body["policy"]["password_min_length"], 10);
    let (status, body) = app
        .call(
            Method::PATCH,
            "/manage/v1/tenant/policy",
            &manager,
            Some(json!({"allowed_origins": ["not an origin"]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "allowed_origins");

    // An invite code, shown once, admits one registration.
    let (status, invite) = app
        .call(
            Method::POST,
            "/manage/v1/invite-codes",
            &manager,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    assert_eq!(invite["max_uses"], 1);
    let code = invite["code"].as_str().unwrap().to_owned();
    let (_, listed) = app
        .call(Method::GET, "/manage/v1/invite-codes", &manager, None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("code").is_none(),
        "codes are never shown again"
    );

    // A promo code, a tag and a custom field.
    let (status, promo) = app
        .call(
            Method::POST,
            "/manage/v1/promo-codes",
            &manager,
            Some(json!({"code": "LAUNCH", "max_redemptions": 100})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{promo}");
    let (status, _) = app
        .call(
            Method::POST,
            "/manage/v1/promo-codes",
            &manager,
            Some(json!({"code": "LAUNCH"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "promo codes are unique");
    let (status, tag) = app
        .call(
            Method::POST,
            "/manage/v1/tags",
            &manager,
            Some(json!({"name": "beta"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, field) = app.call(Method::POST,
        "/manage/v1/custom-fields",
        &manager,
        Some(json!({"name": "plan", "type": "enum", "choices": ["free", "pro"], "required": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{field}");
    let (status, problem) = app
        .call(
            Method::POST,
            "/manage/v1/custom-fields",
            &manager,
            Some(json!({"name": "email", "type": "colour"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["code"], "not_allowed");
    assert_eq!(problem["errors"][1]["field"], "type");

    let (_, page) = app
        .call(Method::GET, "/manage/v1/tags?skip=1", &manager, None)
        .await;
    assert_eq!(page, json!([]), "lists are paginated");

    // Tags can be renamed and fields' rules changed (name and type stay).
    let tag_path = format!("/manage/v1/tags/{}", tag["id"]);
    let (status, renamed) = app
        .call(
            Method::PATCH,
            &tag_path,
            &manager,
            Some(json!({"name": "early"})),
        )
        .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (StatusCode::OK, Some("early"))
    );
    let field_path = format!("/manage/v1/custom-fields/{}", field["id"]);
    let (status, changed) = app
        .call(
            Method::PATCH,
            &field_path,
            &manager,
            Some(json!({"required": true, "choices": ["free", "pro", "team"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["choices"], json!(["free", "pro", "team"]));
    let (status, _) = app
        .call(
            Method::PATCH,
            &field_path,
            &manager,
            Some(json!({"choices": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an enum needs choices");

    // All of it applies to registrations through the account surface.
    let register = |username: &str, code: &str| {
        json!({"username": username, "email": format!("{username}@example.com"),
               "password": "Str0ng-pass", "invite_code": code, "promo_code": "LAUNCH", "plan": "pro"})
    };
    let (status, user) = app
        .call(
            Method::POST,
            "/api/v2/account/create/",
            &manager,
            Some(register("first", &code)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["plan"], "pro");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v2/account/create/",
            &manager,
            Some(register("second", &code)),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the single-use code is spent"
    );

    // The username case rule is fixed once there are users.
    let (status, problem) = app
        .call(
            Method::PATCH,
            "/manage/v1/tenant/policy",
            &manager,
            Some(json!({"username_case_insensitive": false})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "username_case_insensitive");

    // Deactivating the promo code, revoking invites, deleting tags and fields.
    let promo_path = format!("/manage/v1/promo-codes/{}", promo["id"]);
    let (status, updated) = app
        .call(
            Method::PATCH,
            &promo_path,
            &manager,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (updated["active"].as_bool(), updated["redemptions"].as_i64()),
        (Some(false), Some(1))
    );
    let invite_path = format!("/manage/v1/invite-codes/{}", invite["id"]);
    let (status, _) = app.call(Method::DELETE, &invite_path, &manager, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.call(Method::DELETE, &invite_path, &manager, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [
        format!("/manage/v1/tags/{}", tag["id"]),
        format!("/manage/v1/custom-fields/{}", field["id"]),
    ] {
        let (status, _) = app.call(Method::DELETE, &path, &manager, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
    }

    // Another tenant sees none of it and can touch none of it.
    let other = app.create_tenant("other").await;
    let theirs = app.client_token(&other, "tenant:manage").await;
    for path in [
        "/manage/v1/invite-codes",
        "/manage/v1/promo-codes",
        "/manage/v1/tags",
        "/manage/v1/custom-fields",
    ] {
        let (status, listed) = app.call(Method::GET, path, &theirs, None).await;
        assert_eq!((status, listed), (StatusCode::OK, json!([])), "{path}");
    }
    let (status, _) = app
        .call(
            Method::PATCH,
            &promo_path,
            &theirs,
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A token without tenant:manage may not manage.
    let writer = app.client_token(&tenant, "users:write").await;
    let (status, _) = app
        .call(Method::GET, "/manage/v1/tags", &writer, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
db_test!(a_tenant_manages_its_policy_codes_tags_and_fields);

/// Found by schemathesis: a body-taking operation without a JSON body was a 500.
async fn operations_with_a_body_answer_415_without_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.client_token(&tenant, "tenant:manage").await;
    for (method, path) in [
        (reqwest::Method::PATCH, "/manage/v1/tenant/policy"),
        (reqwest::Method::POST, "/manage/v1/invite-codes"),
        (reqwest::Method::POST, "/manage/v1/promo-codes"),
        (reqwest::Method::POST, "/manage/v1/tags"),
        (reqwest::Method::PATCH, "/manage/v1/tags/1"),
        (reqwest::Method::POST, "/manage/v1/custom-fields"),
        (reqwest::Method::PATCH, "/manage/v1/custom-fields/1"),
        (reqwest::Method::PATCH, "/manage/v1/promo-codes/1"),
    ] {
        for content_type in [None, Some("text/plain")] {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type).body("x");
            }
            let response = request.bearer_auth(&manager).send().await.unwrap();
            let body = assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
            assert_eq!(
                body["detail"], "the body must be application/json",
                "{path}"
            );
        }
    }
}
db_test!(operations_with_a_body_answer_415_without_json);

/// Found by schemathesis: `{"name": 8042}` made a tag named "8042".
async fn string_fields_take_only_strings(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.client_token(&tenant, "tenant:manage").await;
    for body in [
        serde_json::json!({"name": 8042}),
        serde_json::json!({"name": true}),
    ] {
        let (status, problem) = app
            .call(
                reqwest::Method::POST,
                "/manage/v1/tags",
                &manager,
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("the body does not match its schema: ")
                && detail.contains(r#"Expected input type "string""#),
            "{detail}"
        );
    }
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            "/manage/v1/tenant/policy",
            &manager,
            Some(serde_json::json!({"allowed_origins": [1]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, tags) = app
        .call(reqwest::Method::GET, "/manage/v1/tags", &manager, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tags, serde_json::json!([]));
}
db_test!(string_fields_take_only_strings);

/// Paging parameters out of their bounds get a 400 that names them, never a
/// database error (an offset past `i64` once made the binder panic).
async fn paging_out_of_bounds_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    for (query, parameter) in [
        ("skip=9223372036854775808", "skip"),
        ("skip=2147483648", "skip"),
        ("limit=-133968", "limit"),
        ("limit=1001", "limit"),
    ] {
        for path in ["/manage/v1/tags", "/manage/v1/audit-events"] {
            let response = app
                .client
                .get(app.url(&format!("{path}?{query}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
            assert_eq!(problem["errors"][0]["field"], parameter, "{path}?{query}");
            assert_eq!(problem["errors"][0]["code"], "invalid", "{path}?{query}");
        }
    }
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/manage/v1/tags?skip=2147483647",
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
db_test!(paging_out_of_bounds_is_named);

/// Rate-limit overrides take the configuration file's object form as well as
/// the text form.
async fn rate_limit_overrides_take_both_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    let (status, updated) = app
        .call(
            reqwest::Method::PATCH,
            "/manage/v1/tenant/policy",
            &token,
            Some(serde_json::json!({"rate_limits": {
                "sign_up_per_ip": {"limit": 3, "window_secs": 60},
                "sign_up_per_tenant": "100/60",
                "login_failures": {"limit": 0, "window_secs": 0},
            }})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["policy"]["rate_limits"],
        serde_json::json!({
            "login_failures": {"limit": 0, "window_secs": 0},
            "sign_up_per_ip": {"limit": 3, "window_secs": 60},
            "sign_up_per_tenant": {"limit": 100, "window_secs": 60},
        })
    );
    for bad in [
        serde_json::json!({"rate_limits": {"no_such_policy": {"limit": 3, "window_secs": 60}}}),
        serde_json::json!({"rate_limits": {"sign_up_per_ip": {"limit": 3, "window_secs": 0}}}),
        serde_json::json!({"rate_limits": {"sign_up_per_ip": 3}}),
    ] {
        let (status, _) = app
            .call(
                reqwest::Method::PATCH,
                "/manage/v1/tenant/policy",
                &token,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}
db_test!(rate_limit_overrides_take_both_forms);

/// Releases the requests at the same instant and returns their answers.
async fn at_once(
    app: &TestApp,
    requests: Vec<(reqwest::Method, String, Option<&str>, serde_json::Value)>,
    token: &str,
) -> Vec<(StatusCode, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(requests.len()));
    let mut running = Vec::new();
    for (method, path, if_match, body) in requests {
        let mut request = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(token)
            .json(&body);
        if let Some(version) = if_match {
            request = request.header("if-match", version);
        }
        let barrier = barrier.clone();
        running.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }));
    }
    let mut answers = Vec::new();
    for task in running {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Policy changes merge into the policy as stored: two PATCHes of different
/// keys released at once both land, a change made elsewhere (the CLI) is never
/// written back from a cached copy, and `If-Match` refuses a stale version.
async fn policy_changes_never_lose_each_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    let policy = "/manage/v1/tenant/policy".to_owned();
    for round in 0..6_u64 {
        let answers = at_once(
            &app,
            vec![
                (
                    reqwest::Method::PATCH,
                    policy.clone(),
                    None,
                    serde_json::json!({"password_min_length": 10 + round}),
                ),
                (
                    reqwest::Method::PATCH,
                    policy.clone(),
                    None,
                    serde_json::json!({"require_email": round % 2 == 0}),
                ),
            ],
            &token,
        )
        .await;
        assert!(
            answers.iter().all(|(status, _)| *status == StatusCode::OK),
            "{answers:?}"
        );
        let (_, now) = app
            .call(reqwest::Method::GET, "/manage/v1/tenant", &token, None)
            .await;
        assert_eq!(
            now["policy"]["password_min_length"],
            10 + round,
            "round {round}"
        );
        assert_eq!(
            now["policy"]["require_email"],
            round % 2 == 0,
            "round {round}"
        );
    }

    // The CLI changes one key; a PATCH of another key right after (while this
    // instance still caches the tenant) keeps it.
    app.call(reqwest::Method::GET, "/manage/v1/tenant", &token, None)
        .await;
    let change =
        portcullis::domain::PolicyChange::from_settings([("public_signup_enabled", "false")])
            .unwrap();
    app.ctx
        .tenants
        .change_policy(&tenant.tenant, &change, None, app.ctx.clock.now())
        .await
        .unwrap();
    let (status, after) = app
        .call(
            reqwest::Method::PATCH,
            &policy,
            &token,
            Some(serde_json::json!({"password_min_length": 9})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["policy"]["public_signup_enabled"], false);

    // If-Match: the current ETag passes, a stale one is 412 and changes nothing.
    let response = app
        .client
        .get(app.url("/manage/v1/tenant"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let answers = at_once(
        &app,
        vec![
            (
                reqwest::Method::PATCH,
                policy.clone(),
                Some(etag.as_str()),
                serde_json::json!({"invite_only": true}),
            ),
            (
                reqwest::Method::PATCH,
                policy.clone(),
                Some(etag.as_str()),
                serde_json::json!({"promo_codes_enabled": true}),
            ),
        ],
        &token,
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "one change per version: {answers:?}");
}
db_test!(policy_changes_never_lose_each_other);

/// Promo codes and custom fields change partially, merged into the row as
/// stored: a deactivation and a limit change released at once both land, and
/// `If-Match` refuses a stale version.
async fn catalog_updates_are_partial_and_versioned(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    let (_, promo) = app
        .call(
            reqwest::Method::POST,
            "/manage/v1/promo-codes",
            &token,
            Some(serde_json::json!({"code": "SPRING", "max_redemptions": 3})),
        )
        .await;
    let path = format!("/manage/v1/promo-codes/{}", promo["id"]);
    let answers = at_once(
        &app,
        vec![
            (
                reqwest::Method::PATCH,
                path.clone(),
                None,
                serde_json::json!({"active": false}),
            ),
            (
                reqwest::Method::PATCH,
                path.clone(),
                None,
                serde_json::json!({"max_redemptions": 5}),
            ),
        ],
        &token,
    )
    .await;
    assert!(
        answers.iter().all(|(status, _)| *status == StatusCode::OK),
        "{answers:?}"
    );
    let response = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"3\"");
    let stored = json_body(response).await;
    assert_eq!(
        (
            stored["active"].as_bool(),
            stored["max_redemptions"].as_i64()
        ),
        (Some(false), Some(5))
    );
    let (status, removed) = app
        .call(
            reqwest::Method::PATCH,
            &path,
            &token,
            Some(serde_json::json!({"max_redemptions": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            removed["active"].as_bool(),
            removed["max_redemptions"].is_null()
        ),
        (Some(false), true)
    );
    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .header("if-match", "\"3\"")
        .json(&serde_json::json!({"active": true}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED).await;

    let (_, field) = app
        .call(
            reqwest::Method::POST,
            "/manage/v1/custom-fields",
            &token,
            Some(serde_json::json!({"name": "plan", "type": "enum", "required": true, "choices": ["free", "pro"]})),
        )
        .await;
    let field_path = format!("/manage/v1/custom-fields/{}", field["id"]);
    let (status, changed) = app
        .call(
            reqwest::Method::PATCH,
            &field_path,
            &token,
            Some(serde_json::json!({"choices": ["free", "pro", "team"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["required"], true, "an omitted rule stays");
    let current = app
        .client
        .get(app.url(&field_path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(current.headers()["etag"], "\"2\"");
}
db_test!(catalog_updates_are_partial_and_versioned);

/// Times outside 1970-2038 are kept and compared as given on every database
/// (MariaDB loses a time it is sent as a `TIMESTAMP` there).
async fn times_past_2038_are_kept(backend: Backend) {
    use reqwest::Method;
    use serde_json::json;

    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("far").await;
    let manager = app.client_token(&tenant, "tenant:manage").await;
    let (status, invite) = app
        .call(
            Method::POST,
            "/manage/v1/invite-codes",
            &manager,
            Some(json!({"max_uses": 2, "expires_at": "2999-12-31T23:59:59.123456Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let (_, listed) = app
        .call(Method::GET, "/manage/v1/invite-codes", &manager, None)
        .await;
    assert_eq!(listed[0]["expires_at"], "2999-12-31T23:59:59.123456+00:00");
    let (status, events) = app
        .call(
            Method::GET,
            "/manage/v1/audit-events?until=2999-01-01T00:00:00Z",
            &manager,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(events[0]["type"], "invite.created", "{events}");
}
db_test!(times_past_2038_are_kept);
