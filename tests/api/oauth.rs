//! The OAuth2 token endpoint, driven by the `oauth2` crate as a real client.

use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RequestTokenError,
    ResourceOwnerPassword, ResourceOwnerUsername, Scope, TokenResponse, TokenUrl,
    basic::{BasicClient, BasicErrorResponseType},
};
use portcullis::{auth::tokens, domain::Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, TestTenant, json_body, spawn_app},
};

type Client =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

pub fn oauth_client(app: &TestApp, tenant: &TestTenant) -> Client {
    BasicClient::new(ClientId::new(tenant.client_id().to_owned()))
        .set_client_secret(ClientSecret::new(tenant.client_secret.clone()))
        .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
}

pub fn http() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn verify(app: &TestApp, token: &str) -> tokens::Claims {
    tokens::verify(
        app.ctx.tokens.keys(),
        token,
        app.ctx.tokens.issuer(),
        app.ctx.clock.now(),
    )
    .await
    .unwrap()
}

async fn client_credentials_with_basic_and_post_auth(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("backend").await;
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let token = oauth_client(&app, &tenant)
            .set_auth_type(auth)
            .exchange_client_credentials()
            .add_scope(Scope::new("users:write".to_owned()))
            .request_async(&http())
            .await
            .unwrap();
        assert_eq!(token.expires_in().map(|d| d.as_secs()), Some(900));
        assert_eq!(
            token
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            Some(vec!["users:write".to_owned()])
        );
        assert!(token.refresh_token().is_none());
        let claims = verify(&app, token.access_token().secret()).await;
        assert_eq!(claims.sub, tenant.client_id());
        assert_eq!(claims.client_id, tenant.client_id());
        assert_eq!(claims.tid, tenant.tenant.id);
        assert_eq!(claims.scope, "users:write");
        assert_eq!(claims.exp - claims.iat, 900);
    }
}
db_test!(client_credentials_with_basic_and_post_auth);

async fn token_responses_are_not_cached(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("backend").await;
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = json_body(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "users:read users:write tenant:manage");
}
db_test!(token_responses_are_not_cached);

async fn password_grant_and_refresh_rotation(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    app.create_user(&tenant, "boss", vec![Role::Admin]).await;
    let client = oauth_client(&app, &tenant);

    let token = client
        .exchange_password(
            &ResourceOwnerUsername::new("Boss".to_owned()),
            &ResourceOwnerPassword::new("Correct-horse-1".to_owned()),
        )
        .request_async(&http())
        .await
        .unwrap();
    let claims = verify(&app, token.access_token().secret()).await;
    assert_eq!(claims.roles, vec!["admin".to_owned()]);
    assert_eq!(claims.scope, "users:read users:write tenant:manage");
    let first_refresh = token.refresh_token().unwrap().clone();

    let rotated = client
        .exchange_refresh_token(&first_refresh)
        .request_async(&http())
        .await
        .unwrap();
    let second_refresh = rotated.refresh_token().unwrap().clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    assert_eq!(
        verify(&app, rotated.access_token().secret()).await.sub,
        claims.sub
    );

    // Reusing the spent token revokes the family, including the newest token.
    let reuse = client
        .exchange_refresh_token(&first_refresh)
        .request_async(&http())
        .await;
    assert_grant_error(reuse, BasicErrorResponseType::InvalidGrant);
    let after_revocation = client
        .exchange_refresh_token(&second_refresh)
        .request_async(&http())
        .await;
    assert_grant_error(after_revocation, BasicErrorResponseType::InvalidGrant);
}
db_test!(password_grant_and_refresh_rotation);

async fn last_login_is_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    app.create_user(&tenant, "ann", vec![]).await;
    let user = portcullis::store::users::find_by_username_key(&app.ctx.db, tenant.tenant.id, "ann")
        .await
        .unwrap()
        .unwrap();
    assert!(user.last_login_at.is_none());
    oauth_client(&app, &tenant)
        .exchange_password(
            &ResourceOwnerUsername::new("ann".to_owned()),
            &ResourceOwnerPassword::new("Correct-horse-1".to_owned()),
        )
        .request_async(&http())
        .await
        .unwrap();
    let user = portcullis::store::users::find_by_username_key(&app.ctx.db, tenant.tenant.id, "ann")
        .await
        .unwrap()
        .unwrap();
    assert!(user.last_login_at.is_some());
}
db_test!(last_login_is_recorded);

async fn every_token_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let other = app.create_tenant("other").await;
    app.create_user(&tenant, "viewer", vec![Role::Viewer]).await;
    let client = oauth_client(&app, &tenant);

    let wrong_password = client
        .exchange_password(
            &ResourceOwnerUsername::new("viewer".to_owned()),
            &ResourceOwnerPassword::new("nope".to_owned()),
        )
        .request_async(&http())
        .await;
    assert_grant_error(wrong_password, BasicErrorResponseType::InvalidGrant);
    let unknown_user = client
        .exchange_password(
            &ResourceOwnerUsername::new("ghost".to_owned()),
            &ResourceOwnerPassword::new("Correct-horse-1".to_owned()),
        )
        .request_async(&http())
        .await;
    assert_grant_error(unknown_user, BasicErrorResponseType::InvalidGrant);
    // A user of another tenant is unknown here.
    let other_client = oauth_client(&app, &other);
    let cross_tenant = other_client
        .exchange_password(
            &ResourceOwnerUsername::new("viewer".to_owned()),
            &ResourceOwnerPassword::new("Correct-horse-1".to_owned()),
        )
        .request_async(&http())
        .await;
    assert_grant_error(cross_tenant, BasicErrorResponseType::InvalidGrant);
    // Viewers may not ask for admin scopes.
    let scoped = client
        .exchange_password(
            &ResourceOwnerUsername::new("viewer".to_owned()),
            &ResourceOwnerPassword::new("Correct-horse-1".to_owned()),
        )
        .add_scope(Scope::new("tenant:manage".to_owned()))
        .request_async(&http())
        .await;
    assert_grant_error(scoped, BasicErrorResponseType::InvalidScope);
    let unknown_scope = client
        .exchange_client_credentials()
        .add_scope(Scope::new("root".to_owned()))
        .request_async(&http())
        .await;
    assert_grant_error(unknown_scope, BasicErrorResponseType::InvalidScope);

    let bad_secret = BasicClient::new(ClientId::new(tenant.client_id().to_owned()))
        .set_client_secret(ClientSecret::new("wrong".to_owned()))
        .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
        .exchange_client_credentials()
        .request_async(&http())
        .await;
    assert_grant_error(bad_secret, BasicErrorResponseType::InvalidClient);

    let raw = |form: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/oauth/token"))
            .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
            .form(&form)
            .send()
    };
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("grant_type", "implicit".into())],
            "unsupported_grant_type",
        ),
        (vec![("grant_type", "password".into())], "invalid_request"),
        (
            vec![("grant_type", "refresh_token".into())],
            "invalid_request",
        ),
        (vec![("scope", "users:read".into())], "invalid_request"),
        (
            vec![
                ("grant_type", "refresh_token".into()),
                ("refresh_token", "forged".into()),
            ],
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_secret", tenant.client_secret.clone()),
            ],
            "invalid_request",
        ),
    ];
    for (form, error) in cases {
        let response = raw(form.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{form:?}");
    }

    let unauthenticated = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(
        unauthenticated.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(
        json_body(unauthenticated).await,
        json!({"error": "invalid_client", "error_description": "client authentication failed"})
    );
}
db_test!(every_token_error);

async fn jwks_and_metadata_describe_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let jwks = json_body(
        app.client
            .get(app.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    let tenant = app.create_tenant("backend").await;
    let token = oauth_client(&app, &tenant)
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token.access_token().secret()).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    // An independent JWT library verifies the token with the published key.
    let published =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&[tenant.client_id()]);
    validation.set_issuer(&[app.ctx.tokens.issuer()]);
    let claims =
        jsonwebtoken::decode::<Value>(token.access_token().secret(), &published, &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["sub"], tenant.client_id());
    assert_eq!(claims["scope"], "users:read users:write tenant:manage");

    let metadata = json_body(
        app.client
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let issuer = metadata["issuer"].as_str().unwrap();
    assert_eq!(metadata["token_endpoint"], format!("{issuer}/oauth/token"));
    assert_eq!(
        metadata["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json")
    );
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["client_credentials", "password", "refresh_token"])
    );
    assert_eq!(
        metadata["introspection_endpoint"],
        format!("{issuer}/oauth/introspect")
    );
    assert_eq!(
        metadata["revocation_endpoint"],
        format!("{issuer}/oauth/revoke")
    );
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
}
db_test!(jwks_and_metadata_describe_the_server);

fn assert_grant_error<T: std::fmt::Debug, E: std::error::Error + 'static>(
    result: Result<T, RequestTokenError<E, oauth2::basic::BasicErrorResponse>>,
    expected: BasicErrorResponseType,
) {
    match result {
        Err(RequestTokenError::ServerResponse(err)) => assert_eq!(err.error(), &expected),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

async fn signing_keys_are_sealed_with_the_master_key(backend: Backend) {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use portcullis::config::{Config, Redacted};

    // Keys created before a master key was configured...
    let mut plain_config = crate::helpers::test_config(backend).await;
    // A restart keeps its issuer (port 0 would pick another address).
    plain_config.tokens.issuer = Some("http://id.example.test".to_owned());
    let plain = TestApp::builder(backend)
        .config(plain_config.clone())
        .spawn()
        .await;
    let tenant = plain.create_tenant("sealed").await;
    let old_token = plain.client_token(&tenant, "tenant:manage").await;
    let stored = portcullis::store::signing_keys::all(&plain.ctx.db)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|key| !key.private_key.starts_with("xchacha20poly1305:"))
    );
    plain.stop().await;

    // ...are sealed at the next start with one, and still verify.
    let config = Config {
        master_key: Some(Redacted::new(STANDARD.encode([7u8; 32]))),
        ..plain_config
    };
    let app = TestApp::builder(backend)
        .config(config.clone())
        .spawn()
        .await;
    assert_eq!(verify(&app, &old_token).await.client_id, tenant.client_id());
    let token = app.client_token(&tenant, "tenant:manage").await;
    assert_eq!(verify(&app, &token).await.client_id, tenant.client_id());
    let stored = portcullis::store::signing_keys::all(&app.ctx.db)
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|key| key.private_key.starts_with("xchacha20poly1305:"))
    );
    assert!(!format!("{config:?}").contains(&STANDARD.encode([7u8; 32])));

    // Without the master key the service refuses to start rather than sign with
    // keys it cannot read.
    let without = Config {
        master_key: None,
        ..config
    };
    let err = portcullis::startup::connect(&without, portcullis::domain::Clock::system())
        .await
        .err()
        .expect("start-up must fail");
    assert!(err.to_string().contains("PORTCULLIS_MASTER_KEY"), "{err}");
}
db_test!(signing_keys_are_sealed_with_the_master_key);

/// Unset, the issuer is the address the server listens on, so a client that
/// reads the endpoints from the discovery document reaches them.
async fn the_issuer_is_the_address_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let metadata: Value = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], app.address);
    let response = app
        .client
        .post(metadata["token_endpoint"].as_str().unwrap())
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.unwrap();
    let claims = verify(&app, token["access_token"].as_str().unwrap()).await;
    assert_eq!(claims.iss, app.address);
}
db_test!(the_issuer_is_the_address_served);

/// Overwrites a user's stored hash with one made with slow argon2 parameters,
/// as a hash from before a parameter change would be: its next sign-in takes a
/// while to verify, then re-hashes.
async fn give_slow_outdated_hash(
    app: &TestApp,
    tenant: &TestTenant,
    username: &str,
    password: &str,
) {
    use entity::users;
    use portcullis::{auth::hashing, config::Argon2Config};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let slow = hashing::argon2id(Argon2Config {
        memory_kib: 32 * 1024,
        iterations: 3,
        parallelism: 1,
    })
    .unwrap();
    let hash = hashing::hash_blocking(&slow, password).unwrap();
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::TenantId.eq(tenant.tenant.id))
        .filter(users::Column::Username.eq(username))
        .exec(&app.ctx.db)
        .await
        .unwrap();
}

/// A sign-in that verified the old password while a reset replaced it neither
/// writes its re-hash over the new password nor keeps a refresh token: the
/// reset stays a reset.
async fn a_sign_in_racing_a_password_reset_never_undoes_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("app").await;
    let writer = app.client_token(&tenant, "users:read users:write").await;
    for round in 0..3 {
        let username = format!("alice{round}");
        app.create_user(&tenant, &username, vec![]).await;
        give_slow_outdated_hash(&app, &tenant, &username, "Correct-horse-1").await;
        let (_, found) = app
            .call(
                reqwest::Method::GET,
                &format!("/admin/users/?q={username}"),
                &writer,
                None,
            )
            .await;
        let path = format!("/admin/users/{}", found[0]["id"].as_str().unwrap());

        let sign_in = {
            let (client, url) = (app.client.clone(), app.url("/oauth/token"));
            let (id, secret) = (tenant.client_id().to_owned(), tenant.client_secret.clone());
            let username = username.clone();
            tokio::spawn(async move {
                let form = [
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", "Correct-horse-1"),
                ];
                let response = client
                    .post(url)
                    .basic_auth(id, Some(secret))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let (status, _) = app
            .call(
                reqwest::Method::PATCH,
                &path,
                &writer,
                Some(json!({"password": "Brand-new-pass-2"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (signed_in, tokens) = sign_in.await.unwrap();

        let (old, _) = app
            .password_grant(&tenant, &username, "Correct-horse-1", None)
            .await;
        assert_eq!(
            old,
            StatusCode::BAD_REQUEST,
            "round {round}: the old password works again"
        );
        let (new, _) = app
            .password_grant(&tenant, &username, "Brand-new-pass-2", None)
            .await;
        assert_eq!(new, StatusCode::OK, "round {round}: the new password fails");
        if signed_in == StatusCode::OK {
            let refreshed = app
                .client
                .post(app.url("/oauth/token"))
                .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(
                refreshed.status(),
                StatusCode::BAD_REQUEST,
                "round {round}: a login outlived the reset"
            );
        }
    }
}
db_test!(a_sign_in_racing_a_password_reset_never_undoes_it);
