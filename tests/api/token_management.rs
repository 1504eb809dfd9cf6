//! Introspection (RFC 7662), revocation (RFC 7009) and public clients.

use oauth2::{
    AccessToken, ClientId, IntrospectionUrl, ResourceOwnerPassword, ResourceOwnerUsername,
    TokenIntrospectionResponse, TokenResponse, TokenUrl, basic::BasicClient,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, TestTenant, json_body, spawn_app, test_config},
    oauth::{http, oauth_client},
};

/// Posts a form to `path` with the tenant's Basic credentials.
async fn post_as(
    app: &TestApp,
    tenant: &TestTenant,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn introspect(app: &TestApp, tenant: &TestTenant, token: &str) -> Value {
    let response = post_as(app, tenant, "/oauth/introspect", &[("token", token)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

async fn revoke(app: &TestApp, tenant: &TestTenant, token: &str) -> reqwest::Response {
    post_as(app, tenant, "/oauth/revoke", &[("token", token)]).await
}

async fn manage_status(app: &TestApp, token: &str) -> StatusCode {
    app.client
        .get(app.url("/manage/v1/tenant"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn introspection_shows_a_client_only_its_own_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let other = app.create_tenant("other").await;
    let (access, refresh) = app.admin_tokens(&tenant).await;

    // The oauth2 crate's introspection client reads our answer.
    let introspected = oauth_client(&app, &tenant)
        .set_introspection_url(IntrospectionUrl::new(app.url("/oauth/introspect")).unwrap())
        .introspect(&AccessToken::new(access.clone()))
        .request_async(&http())
        .await
        .unwrap();
    assert!(introspected.active());
    assert_eq!(
        introspected.client_id().map(|c| c.as_str()),
        Some(tenant.client_id())
    );
    assert_eq!(
        introspected.scopes().map(|s| s.len()),
        Some(3),
        "{introspected:?}"
    );
    assert!(
        introspected
            .exp()
            .is_some_and(|exp| exp > chrono::Utc::now())
    );

    let body = introspect(&app, &tenant, &access).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["aud"], tenant.client_id());
    assert_eq!(body["iss"], app.ctx.tokens.issuer());
    assert!(body["jti"].is_string());
    let user_id = body["sub"].as_str().unwrap().to_owned();

    let body = introspect(&app, &tenant, &refresh).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "refresh_token");
    assert_eq!(body["sub"], user_id);
    assert_eq!(body["scope"], "users:read users:write tenant:manage");

    // Another tenant learns nothing, not even that the tokens exist.
    for token in [&access, &refresh] {
        assert_eq!(
            introspect(&app, &other, token).await,
            json!({"active": false})
        );
    }
    for garbage in ["", "nope", "a.b.c", "0123abcd"] {
        assert_eq!(
            introspect(&app, &tenant, garbage).await,
            json!({"active": false})
        );
    }

    // Introspection needs the client's secret.
    let anonymous = app
        .client
        .post(app.url("/oauth/introspect"))
        .form(&[
            ("token", access.as_str()),
            ("client_id", tenant.client_id()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    assert_eq!(json_body(anonymous).await["error"], "invalid_client");
    let missing = post_as(
        &app,
        &tenant,
        "/oauth/introspect",
        &[("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(missing).await["error"], "invalid_request");
}
db_test!(introspection_shows_a_client_only_its_own_tokens);

async fn revoked_access_tokens_are_refused_everywhere(backend: Backend) {
    let mut config = test_config(backend).await;
    // Instances that share their users share one issuer.
    config.tokens.issuer = Some("http://id.example.test".to_owned());
    let app = TestApp::builder(backend)
        .config(config.clone())
        .spawn()
        .await;
    let peer = TestApp::builder(backend).config(config).spawn().await;
    let tenant = app.create_tenant("app").await;
    let other = app.create_tenant("other").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    assert_eq!(manage_status(&app, &token).await, StatusCode::OK);
    assert_eq!(manage_status(&peer, &token).await, StatusCode::OK);

    // Another client may not revoke it.
    let foreign = revoke(&app, &other, &token).await;
    assert_eq!(foreign.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(foreign).await["error"], "unauthorized_client");
    assert_eq!(manage_status(&app, &token).await, StatusCode::OK);

    let revoked = revoke(&app, &tenant, &token).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(revoked.text().await.unwrap(), "");
    assert_eq!(manage_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, &tenant, &token).await,
        json!({"active": false})
    );

    // The other instance refuses it once it has synced the deny list.
    peer.ctx.tokens.revocations().sync().await.unwrap();
    assert_eq!(manage_status(&peer, &token).await, StatusCode::UNAUTHORIZED);

    // Revoking again, or revoking something unknown, is not an error (RFC 7009 2.2).
    for again in [token.as_str(), "unknown", "x.y.z"] {
        assert_eq!(revoke(&app, &tenant, again).await.status(), StatusCode::OK);
    }
    let unauthenticated = app
        .client
        .post(app.url("/oauth/revoke"))
        .basic_auth(tenant.client_id(), Some("wrong"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

    // Other tokens of the tenant are unaffected.
    let fresh = app.client_token(&tenant, "tenant:manage").await;
    assert_eq!(manage_status(&app, &fresh).await, StatusCode::OK);
}
db_test!(revoked_access_tokens_are_refused_everywhere);

async fn revoking_a_refresh_token_ends_the_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let (_, first) = app.admin_tokens(&tenant).await;
    let client = oauth_client(&app, &tenant);
    let rotated = client
        .exchange_refresh_token(&oauth2::RefreshToken::new(first.clone()))
        .request_async(&http())
        .await
        .unwrap();
    let second = rotated.refresh_token().unwrap().secret().clone();
    assert_eq!(introspect(&app, &tenant, &first).await["active"], false);
    assert_eq!(introspect(&app, &tenant, &second).await["active"], true);

    assert_eq!(
        revoke(&app, &tenant, &second).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        introspect(&app, &tenant, &second).await,
        json!({"active": false})
    );
    let refused = post_as(
        &app,
        &tenant,
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", &second)],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(refused).await["error"], "invalid_grant");
}
db_test!(revoking_a_refresh_token_ends_the_login);

async fn public_clients_need_no_secret_for_user_grants(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("spa").await;
    app.create_user(&tenant, "alice", vec![]).await;
    let public = BasicClient::new(ClientId::new(tenant.client_id().to_owned()))
        .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap());
    let http = crate::oauth::http();
    let username = ResourceOwnerUsername::new("alice".to_owned());
    let password = ResourceOwnerPassword::new("Correct-horse-1".to_owned());
    let login = || {
        public
            .exchange_password(&username, &password)
            .request_async(&http)
    };

    // A confidential tenant must present its secret.
    match login().await {
        Err(oauth2::RequestTokenError::ServerResponse(err)) => {
            assert_eq!(
                err.error(),
                &oauth2::basic::BasicErrorResponseType::InvalidClient
            );
        }
        other => panic!("expected invalid_client, got {other:?}"),
    }

    app.set_policy(&mut tenant, "public_client", "true").await;
    let token = login().await.unwrap();
    let refreshed = public
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap();
    assert!(refreshed.refresh_token().is_some());

    // The tenant's own grant still needs the secret, and a wrong secret still fails.
    let form = |extra: (&'static str, &'static str)| {
        app.client
            .post(app.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", tenant.client_id()),
                extra,
            ])
            .send()
    };
    let anonymous = form(("scope", "users:read")).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(anonymous).await["error"], "unauthorized_client");
    let wrong = form(("client_secret", "wrong")).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // A public client may revoke its tokens by client_id alone.
    let revoked = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[
            (
                "token",
                refreshed.refresh_token().unwrap().secret().as_str(),
            ),
            ("client_id", tenant.client_id()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let again = public
        .exchange_refresh_token(refreshed.refresh_token().unwrap())
        .request_async(&http)
        .await;
    assert!(again.is_err());
}
db_test!(public_clients_need_no_secret_for_user_grants);

async fn tampered_tokens_are_refused(backend: Backend) {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let token = app.client_token(&tenant, "tenant:manage").await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["tid"] = json!(claims["tid"].as_i64().unwrap() + 1);
    let forged_claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let unsigned_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    for forged in [
        format!("{}.{forged_claims}.{}", parts[0], parts[2]),
        format!("{unsigned_header}.{}.", parts[1]),
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            &parts[2][..parts[2].len() - 2]
        ),
        format!("{token}x"),
    ] {
        assert_eq!(
            manage_status(&app, &forged).await,
            StatusCode::UNAUTHORIZED,
            "{forged}"
        );
    }
    assert_eq!(manage_status(&app, &token).await, StatusCode::OK);
}
db_test!(tampered_tokens_are_refused);

/// A public client's secret cannot be kept, so the grant that acts as the
/// tenant itself is closed to it even with the right secret.
async fn public_clients_get_no_client_credentials_even_with_their_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tenant = app.create_tenant("spa").await;
    app.set_policy(&mut tenant, "public_client", "true").await;
    let response = post_as(
        &app,
        &tenant,
        "/oauth/token",
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["error"], "unauthorized_client");
}
db_test!(public_clients_get_no_client_credentials_even_with_their_secret);

/// Introspection gives the bearer check's verdict: a disabled or deleted user's
/// tokens are not active, whatever their expiry says.
async fn introspection_follows_the_users_standing(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let (access, refresh) = app.admin_tokens(&tenant).await;
    assert_eq!(introspect(&app, &tenant, &access).await["active"], true);
    assert_eq!(introspect(&app, &tenant, &refresh).await["active"], true);

    let manager = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;
    let (_, users) = app
        .call(reqwest::Method::GET, "/admin/users/?q=boss", &manager, None)
        .await;
    let boss = format!("/admin/users/{}", users[0]["id"].as_str().unwrap());
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &boss,
            &manager,
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(manage_status(&app, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, &tenant, &access).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&app, &tenant, &refresh).await,
        json!({"active": false})
    );

    let (status, _) = app
        .call(reqwest::Method::DELETE, &boss, &manager, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        introspect(&app, &tenant, &access).await,
        json!({"active": false})
    );
}
db_test!(introspection_follows_the_users_standing);

/// Taking a user's admin role away takes its scopes away at once: introspection
/// reports no scope the user no longer holds, the old access token no longer
/// passes the manage surface, and the login's refresh token is spent.
async fn a_demoted_admin_keeps_no_admin_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let (access, refresh) = app.admin_tokens(&tenant).await;
    assert_eq!(manage_status(&app, &access).await, StatusCode::OK);
    let manager = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;
    let (_, users) = app
        .call(reqwest::Method::GET, "/admin/users/?q=boss", &manager, None)
        .await;
    let boss = format!("/admin/users/{}", users[0]["id"].as_str().unwrap());
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &boss,
            &manager,
            Some(json!({"roles": ["viewer"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let seen = introspect(&app, &tenant, &access).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["scope"], "", "{seen}");
    assert_ne!(manage_status(&app, &access).await, StatusCode::OK);
    let (status, body) = refresh_with(&app, &tenant, &refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}
db_test!(a_demoted_admin_keeps_no_admin_scope);

/// Refreshes of one token released at the same instant: whoever loses finds the
/// reuse and revokes the family, and no token of it works afterwards, the
/// winner's new one included. Repeated, since a race shows itself by chance.
async fn a_refresh_race_leaves_no_token_of_the_family_alive(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    app.create_user(&tenant, "alice", vec![]).await;
    for round in 0..8 {
        let (status, login) = app
            .password_grant(&tenant, "alice", "Correct-horse-1", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{login}");
        let spent = login["refresh_token"].as_str().unwrap().to_owned();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(6));
        let mut refreshes = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (client, url) = (app.client.clone(), app.url("/oauth/token"));
            let (id, secret) = (tenant.client_id().to_owned(), tenant.client_secret.clone());
            let (barrier, spent) = (barrier.clone(), spent.clone());
            refreshes.spawn(async move {
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", spent.as_str()),
                ];
                barrier.wait().await;
                let response = client
                    .post(url)
                    .basic_auth(id, Some(secret))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            });
        }
        let mut issued = Vec::new();
        while let Some(refreshed) = refreshes.join_next().await {
            let (status, body) = refreshed.unwrap();
            match status {
                StatusCode::OK => issued.push(body["refresh_token"].as_str().unwrap().to_owned()),
                StatusCode::BAD_REQUEST => assert_eq!(body["error"], "invalid_grant"),
                other => panic!("round {round}: {other} {body}"),
            }
        }
        assert!(issued.len() <= 1, "round {round}: {} winners", issued.len());
        for token in issued {
            let (status, body) = refresh_with(&app, &tenant, &token).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "round {round}: {body}");
            assert_eq!(introspect(&app, &tenant, &token).await["active"], false);
        }
    }
}
db_test!(a_refresh_race_leaves_no_token_of_the_family_alive);

/// A logout (revocation of the refresh token) released at the same instant as
/// a refresh of it: whichever commits first, no token of the login survives.
async fn a_revocation_racing_a_refresh_leaves_nothing_alive(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    app.create_user(&tenant, "alice", vec![]).await;
    for round in 0..8 {
        let (_, login) = app
            .password_grant(&tenant, "alice", "Correct-horse-1", None)
            .await;
        let token = login["refresh_token"].as_str().unwrap().to_owned();
        let barrier = tokio::sync::Barrier::new(2);
        let refreshing = async {
            barrier.wait().await;
            refresh_with(&app, &tenant, &token).await
        };
        let revoking = async {
            barrier.wait().await;
            revoke(&app, &tenant, &token).await.status()
        };
        let ((status, body), revoked) = tokio::join!(refreshing, revoking);
        assert_eq!(revoked, StatusCode::OK, "round {round}");
        if status == StatusCode::OK {
            let renewed = body["refresh_token"].as_str().unwrap();
            assert_eq!(
                introspect(&app, &tenant, renewed).await["active"],
                false,
                "round {round}: the refresh's new token outlived the revocation"
            );
        } else {
            assert_eq!(body["error"], "invalid_grant", "round {round}");
        }
    }
}
db_test!(a_revocation_racing_a_refresh_leaves_nothing_alive);

async fn refresh_with(app: &TestApp, tenant: &TestTenant, token: &str) -> (StatusCode, Value) {
    let response = post_as(
        app,
        tenant,
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await;
    (response.status(), json_body(response).await)
}

/// A rotation that fails after spending the old token spends nothing: the
/// client's retry with the same token is a refresh, not a reuse that revokes
/// its login. (A trigger makes the new token's insert fail once.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rotation_leaves_the_token_usable() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Backend::Sqlite).await;
    let tenant = app.create_tenant("app").await;
    let (_, refresh) = app.admin_tokens(&tenant).await;
    for statement in [
        "CREATE TABLE fail_next_insert (x INTEGER)",
        "INSERT INTO fail_next_insert VALUES (1)",
        "CREATE TRIGGER injected BEFORE INSERT ON refresh_tokens \
         WHEN EXISTS (SELECT 1 FROM fail_next_insert) \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ] {
        app.ctx.db.execute_unprepared(statement).await.unwrap();
    }
    let (status, _) = refresh_with(&app, &tenant, &refresh).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    app.ctx
        .db
        .execute_unprepared("DELETE FROM fail_next_insert")
        .await
        .unwrap();
    let (status, body) = refresh_with(&app, &tenant, &refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Two retirements at once cannot leave no key to sign with, and two secret
/// rotations at once leave exactly one secret without an expiry.
async fn concurrent_key_retirements_and_secret_rotations_keep_one(backend: Backend) {
    use portcullis::{auth::keys, store};
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let now = app.ctx.clock.now();
    keys::add_key(&app.ctx.db, None, now).await.unwrap();
    let active = store::signing_keys::active(&app.ctx.db).await.unwrap();
    assert_eq!(active.len(), 2);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let retirements: Vec<_> = active
        .iter()
        .map(|key| {
            let (db, kid, barrier) = (app.ctx.db.clone(), key.kid.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store::signing_keys::retire(&db, &kid, now).await.unwrap()
            })
        })
        .collect();
    let mut retired = 0;
    for retirement in retirements {
        if retirement.await.unwrap() == store::signing_keys::Retired::Retired {
            retired += 1;
        }
    }
    assert_eq!(retired, 1);
    assert_eq!(
        store::signing_keys::active(&app.ctx.db)
            .await
            .unwrap()
            .len(),
        1
    );

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let rotations: Vec<_> = (0..2)
        .map(|_| {
            let (db, tenant, barrier) =
                (app.ctx.db.clone(), tenant.tenant.clone(), barrier.clone());
            tokio::spawn(async move {
                let (_, hash) = portcullis::auth::secrets::generate_client_secret();
                let later = now + chrono::Duration::days(1);
                barrier.wait().await;
                store::tenants::rotate_secret(
                    &db,
                    &tenant,
                    &hash,
                    now,
                    later,
                    (portcullis::domain::audit::current(), vec![]),
                )
                .await
                .unwrap();
            })
        })
        .collect();
    for rotation in rotations {
        rotation.await.unwrap();
    }
    let far = now + chrono::Duration::days(365);
    let unbounded = store::tenants::live_secret_hashes(&app.ctx.db, tenant.tenant.id, far)
        .await
        .unwrap();
    assert_eq!(
        unbounded.len(),
        1,
        "secrets that never expire: {unbounded:?}"
    );
}
db_test!(concurrent_key_retirements_and_secret_rotations_keep_one);

/// Revocations of different tenants' tokens released at once all land (on
/// MariaDB they once deadlocked, and one answered 500 with its token valid).
async fn revocations_released_at_once_all_land(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut revocations = Vec::new();
    for i in 0..8 {
        let tenant = app.create_tenant(&format!("app-{i}")).await;
        let token = app.client_token(&tenant, "tenant:manage").await;
        revocations.push((tenant, token));
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(revocations.len()));
    let mut revoking = tokio::task::JoinSet::new();
    for (tenant, token) in &revocations {
        let (client, url, start) = (app.client.clone(), app.url("/oauth/revoke"), start.clone());
        let (id, secret) = (tenant.client_id().to_owned(), tenant.client_secret.clone());
        let token = token.clone();
        revoking.spawn(async move {
            start.wait().await;
            client
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[("token", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    for status in revoking.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }
    for (_, token) in &revocations {
        assert_eq!(manage_status(&app, token).await, StatusCode::UNAUTHORIZED);
    }
}
db_test!(revocations_released_at_once_all_land);
