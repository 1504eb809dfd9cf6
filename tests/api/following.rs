//! What the CLI or one instance changes reaches every other instance within a
//! second (the change feed), not after a cache's lifetime: a tenant's policy,
//! its client secrets, the signing keys.

use std::time::{Duration, Instant};

use portcullis::{auth::keys, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, test_config},
};

/// Two instances on one database.
async fn two_instances(backend: Backend) -> (TestApp, TestApp) {
    let mut config = test_config(backend).await;
    config.tokens.issuer = Some("http://id.example.test".to_owned());
    (
        TestApp::builder(backend)
            .config(config.clone())
            .spawn()
            .await,
        TestApp::builder(backend).config(config).spawn().await,
    )
}

/// How long until `check` holds, polled every 20 ms for up to 3 s.
async fn time_until<F: AsyncFnMut() -> bool>(mut check: F) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        if check().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not seen within 3 s");
}

async fn a_policy_change_reaches_the_other_instance_within_a_second(backend: Backend) {
    let (first, second) = two_instances(backend).await;
    let tenant = first.create_tenant("app").await;
    // The second instance has the tenant cached.
    assert_eq!(
        second.sign_up(&tenant, "before").await.status(),
        StatusCode::OK
    );
    let token = first.client_token(&tenant, "tenant:manage").await;
    let (status, _) = first
        .call(
            reqwest::Method::PATCH,
            "/manage/v1/tenant/policy",
            &token,
            Some(json!({"public_signup_enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut n = 0;
    let waited = time_until(async || {
        n += 1;
        second.sign_up(&tenant, &format!("after{n}")).await.status() == StatusCode::FORBIDDEN
    })
    .await;
    assert!(waited < Duration::from_secs(1), "took {waited:?}");
}
db_test!(a_policy_change_reaches_the_other_instance_within_a_second);

async fn a_rotated_secret_and_key_reach_the_other_instance_within_a_second(backend: Backend) {
    let (first, second) = two_instances(backend).await;
    let tenant = first.create_tenant("app").await;
    // The second instance has the secret and the keys cached.
    second.client_token(&tenant, "users:read").await;
    let jwks = |app: &TestApp| {
        let request = app.client.get(app.url("/.well-known/jwks.json"));
        async move {
            let keys: Value = request.send().await.unwrap().json().await.unwrap();
            keys["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| key["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let old_kid = jwks(&second).await[0].clone();

    // As `portcullis tenant rotate-secret --grace-secs 0` and `keys rotate`, then
    // `keys retire` of the old key, do it.
    let now = first.ctx.clock.now();
    let (_, new_hash) = portcullis::auth::secrets::generate_client_secret();
    store::tenants::rotate_secret(
        &first.ctx.db,
        &tenant.tenant,
        &new_hash,
        now,
        now,
        (portcullis::domain::audit::current(), vec![]),
    )
    .await
    .unwrap();
    let new_kid = keys::add_key(&first.ctx.db, None, now).await.unwrap();
    store::signing_keys::retire(&first.ctx.db, &old_kid, now)
        .await
        .unwrap();

    let waited = time_until(async || jwks(&second).await == [new_kid.clone()]).await;
    assert!(waited < Duration::from_secs(1), "keys took {waited:?}");
    let refused = second
        .client
        .post(second.url("/oauth/token"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "the old secret still works"
    );
}
db_test!(a_rotated_secret_and_key_reach_the_other_instance_within_a_second);
