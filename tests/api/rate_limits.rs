//! Rate limits on every backend: exact counts, 429 in each surface's format, the
//! client address behind proxies, login lockout, and Redis going away and back.

use std::{
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use portcullis::{
    config::Config,
    domain::Clock,
    ratelimit::{BackendKind, FailMode, Quota},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestTenant, free_port, json_body, test_config};

/// Redis for the shared backends; the Redis variants run when it is set, and
/// fail (never skip) when that server cannot be reached.
fn redis_url() -> Option<String> {
    std::env::var("PORTCULLIS_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Limits on, generous everywhere but where a test tightens them, and Redis keys
/// under a namespace of this test's own.
pub(crate) async fn limited_config(kind: BackendKind) -> Config {
    let mut config = test_config(Backend::Sqlite).await;
    let limits = &mut config.rate_limit;
    limits.enabled = true;
    limits.backend = kind;
    limits.redis_namespace = format!("pc-test-{}", uuid::Uuid::now_v7().simple());
    let generous = Quota::new(100_000, 60);
    let policies = &mut limits.policies;
    policies.sign_up_per_ip = generous;
    policies.sign_up_per_tenant = generous;
    policies.create_per_subject = generous;
    policies.token_per_client = generous;
    policies.token_per_ip = generous;
    policies.login_failures = generous;
    if let Some(url) = redis_url() {
        config.redis_url = url;
    }
    config
}

/// Whether the Redis variants run: false (and said so) when
/// `PORTCULLIS_TEST_REDIS_URL` is not set; a failure when it is set but Redis
/// does not answer.
async fn redis_ready() -> bool {
    let Some(url) = redis_url() else {
        eprintln!("PORTCULLIS_TEST_REDIS_URL is not set: Redis variant not run");
        return false;
    };
    let client = redis::Client::open(url.as_str()).expect("redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis at PORTCULLIS_TEST_REDIS_URL must be reachable");
    let _: () = redis::cmd("PING")
        .query_async(&mut connection)
        .await
        .expect("PING");
    true
}

/// One `#[tokio::test]` per listed backend for an `async fn(BackendKind)`; the
/// `redis` and `layered` ones run only where [`redis_ready`] says so.
macro_rules! limiter_test {
    ($name:ident: $($variant:ident => $kind:ident),+) => {
        mod $name {
            use portcullis::ratelimit::BackendKind;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $variant() {
                    if BackendKind::$kind == BackendKind::Memory || super::redis_ready().await {
                        super::$name(BackendKind::$kind).await;
                    }
                }
            )+
        }
    };
}

/// The number shown in one of the response's headers.
fn header(response: &reqwest::Response, name: &str) -> u64 {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} header"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A counter's value in `/metrics` (0 when it has not appeared yet).
async fn counter(app: &TestApp, series: &str) -> u64 {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = response.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .map_or(0, |value| value.trim().parse().unwrap())
}

async fn readiness(app: &TestApp) -> Value {
    json_body(app.client.get(app.url("/readyz")).send().await.unwrap()).await
}

/// N sign-ups pass with falling `RateLimit-Remaining`, the next gets 429 in the
/// sign-up surface's own format, and nothing is stored for it.
async fn sign_ups_are_limited_exactly(kind: BackendKind) {
    let mut config = limited_config(kind).await;
    config.rate_limit.policies.sign_up_per_ip = Quota::new(3, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Limited").await;
    for (n, remaining) in [(0, 2), (1, 1), (2, 0)] {
        let response = app.sign_up(&tenant, &format!("user{n}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-limit"), 3);
        assert_eq!(header(&response, "ratelimit-remaining"), remaining);
        assert!((1..=60).contains(&header(&response, "ratelimit-reset")));
    }
    let limited = format!(
        r#"portcullis_rate_limit_decisions_total{{policy="sign_up_per_ip",backend="{}",decision="limited"}}"#,
        kind.as_str()
    );
    let limited_before = counter(&app, &limited).await;
    let refused = app.sign_up(&tenant, "user3").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // One request per 20 s refills; the three took some of that already.
    assert!((1..=20).contains(&header(&refused, "retry-after")));
    assert_eq!(header(&refused, "ratelimit-remaining"), 0);
    assert_eq!(
        json_body(refused).await,
        json!({"errors": {"base": ["too many sign-up attempts, retry later"]}})
    );
    assert_eq!(app.user_count(&tenant).await, 3);
    // Other tests count into the same process-wide recorder: at least this one.
    assert!(counter(&app, &limited).await > limited_before);
    // The minutely eviction reports the in-process keys it keeps.
    app.ctx.limits.limiter().evict_idle();
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("portcullis_rate_limit_tracked_keys ")
    );
    let expected = if kind == BackendKind::Memory {
        "local"
    } else {
        "redis"
    };
    assert_eq!(readiness(&app).await["checks"]["rate_limiter"], expected);
    app.stop().await;
}

limiter_test!(sign_ups_are_limited_exactly: memory => Memory, redis => Redis, layered => Layered);

/// Two instances on one database and one Redis enforce one limit together.
async fn instances_share_one_limit(kind: BackendKind) {
    let mut config = limited_config(kind).await;
    config.rate_limit.policies.sign_up_per_tenant = Quota::new(4, 60);
    // One instance's share would be the whole limit: only a shared count holds.
    config.rate_limit.instances = 1;
    let first = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let second = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = first.create_tenant("Shared").await;
    let mut statuses = Vec::new();
    for n in 0..6 {
        let app = if n % 2 == 0 { &first } else { &second };
        statuses.push(
            app.sign_up(&tenant, &format!("user{n}"))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
    assert_eq!(first.user_count(&tenant).await, 4);
    assert_eq!(readiness(&second).await["checks"]["rate_limiter"], "redis");
    first.stop().await;
    second.stop().await;
}

limiter_test!(instances_share_one_limit: redis => Redis, layered => Layered);

async fn sign_up_from(app: &TestApp, tenant: &TestTenant, username: &str, forwarded: &str) -> u16 {
    app.client
        .post(app.url("/sign-up"))
        .header("x-forwarded-for", forwarded)
        .json(
            &json!({"username": username, "password": "password", "client_id": tenant.client_id()}),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_behind_trusted_proxies() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.sign_up_per_ip = Quota::new(1, 60);
    let direct = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let tenant = direct.create_tenant("Direct").await;
    // Not a trusted proxy: a forged header does not buy a fresh limit.
    assert_eq!(
        sign_up_from(&direct, &tenant, "a", "198.51.100.1").await,
        200
    );
    assert_eq!(
        sign_up_from(&direct, &tenant, "b", "198.51.100.2").await,
        429
    );
    direct.stop().await;

    config.rate_limit.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    let proxied = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = proxied.create_tenant("Proxied").await;
    assert_eq!(
        sign_up_from(&proxied, &tenant, "a", "198.51.100.1").await,
        200
    );
    assert_eq!(
        sign_up_from(&proxied, &tenant, "b", "198.51.100.2").await,
        200
    );
    // The client's own forged hop is left of the one the proxy appended.
    assert_eq!(
        sign_up_from(&proxied, &tenant, "c", "203.0.113.5, 198.51.100.1").await,
        429
    );
    proxied.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_can_override_a_configured_limit() {
    let app = TestApp::builder(Backend::Sqlite)
        .config(limited_config(BackendKind::Memory).await)
        .spawn()
        .await;
    let mut strict = app.create_tenant("Strict").await;
    let relaxed = app.create_tenant("Relaxed").await;
    app.set_policy(&mut strict, "rate_limit.sign_up_per_tenant", "1/60")
        .await;
    assert_eq!(app.sign_up(&strict, "a").await.status(), StatusCode::OK);
    assert_eq!(
        app.sign_up(&strict, "b").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.sign_up(&relaxed, "a").await.status(), StatusCode::OK);
    assert_eq!(app.sign_up(&relaxed, "b").await.status(), StatusCode::OK);

    // Through the management API: set, read back, refuse nonsense, reset.
    let token = app.client_token(&relaxed, "tenant:manage").await;
    let patch = |limits: Value| Some(json!({"rate_limits": limits}));
    let (status, tenant) = app
        .call(
            Method::PATCH,
            "/manage/v1/tenant/policy",
            &token,
            patch(json!({"token_per_client": "10/1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tenant}");
    assert_eq!(
        tenant["policy"]["rate_limits"],
        json!({"token_per_client": {"limit": 10, "window_secs": 1}})
    );
    for bad in [
        json!({"token_per_client": "10"}),
        json!({"everything": "1/1"}),
    ] {
        let (status, _) = app
            .call(
                Method::PATCH,
                "/manage/v1/tenant/policy",
                &token,
                patch(bad),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (_, tenant) = app
        .call(
            Method::PATCH,
            "/manage/v1/tenant/policy",
            &token,
            patch(json!({"token_per_client": "default"})),
        )
        .await;
    assert_eq!(tenant["policy"]["rate_limits"], json!({}));
    app.stop().await;
}

async fn client_credentials(app: &TestApp, tenant: &TestTenant) -> reqwest::Response {
    app.client
        .post(app.url("/oauth/token"))
        .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "users:write"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_is_limited_per_client() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.token_per_client = Quota::new(2, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Tokens").await;
    let other = app.create_tenant("Other").await;
    for remaining in [1, 0] {
        let response = client_credentials(&app, &tenant).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-remaining"), remaining);
    }
    let refused = client_credentials(&app, &tenant).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&refused, "retry-after") >= 1);
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body = json_body(refused).await;
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        client_credentials(&app, &other).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

/// Per address, failed client authentications count too: guessing a secret
/// soon meets a 429, even with the right one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_attempts_are_limited_per_address_before_authentication() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.token_per_ip = Quota::new(3, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Guessed").await;
    for _ in 0..3 {
        let response = app
            .client
            .post(app.url("/oauth/token"))
            .basic_auth(tenant.client_id(), Some("a-guess"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = client_credentials(&app, &tenant).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// Introspection and revocation count only their failed client
/// authentications against the address (with `token_per_ip`'s quota, apart
/// from the token endpoint's count): a resource server may look tokens up far
/// beyond the quota, while guessing a secret meets a 429, even with the right
/// one.
async fn token_lookups_count_only_failed_authentications(kind: BackendKind) {
    let mut config = limited_config(kind).await;
    config.rate_limit.policies.token_per_ip = Quota::new(3, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Looked up").await;
    let lookup = |path: &'static str, secret: String| {
        app.client
            .post(app.url(path))
            .basic_auth(tenant.client_id(), Some(secret))
            .form(&[("token", "not-a-token")])
            .send()
    };
    for path in ["/oauth/introspect", "/oauth/revoke"].repeat(4) {
        let response = lookup(path, tenant.client_secret.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    for _ in 0..3 {
        let response = lookup("/oauth/introspect", "a-guess".to_owned()).await;
        assert_eq!(response.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        let refused = lookup(path, tenant.client_secret.clone()).await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    assert_eq!(
        client_credentials(&app, &tenant).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}
limiter_test!(token_lookups_count_only_failed_authentications: memory => Memory, redis => Redis);

/// A proxy may add its own `X-Forwarded-For` line instead of extending the
/// client's: every line counts, the last one's last hop first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_forwarded_for_line_is_read() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    config.rate_limit.policies.sign_up_per_ip = Quota::new(1, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Lines").await;
    for (username, forged, expected) in [("a", "6.6.6.1", 200), ("b", "6.6.6.2", 429)] {
        let response = app
            .client
            .post(app.url("/sign-up"))
            .header("x-forwarded-for", forged)
            .header("x-forwarded-for", "198.51.100.9")
            .json(&json!({"username": username, "password": "password", "client_id": tenant.client_id()}))
            .send()
            .await
            .unwrap();
        // A fresh forged first line does not make a fresh client.
        assert_eq!(response.status().as_u16(), expected, "{username}");
    }
    app.stop().await;
}

/// The three creation surfaces share one limit per token subject, and each
/// answers 429 in its own format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_surfaces_are_limited_per_token_subject() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.create_per_subject = Quota::new(1, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Creators").await;
    let token = app.client_token(&tenant, "users:write").await;
    let account =
        json!({"username": "first", "email": "first@example.com", "password": "Correct-horse-1"});
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v2/account/create/",
            &token,
            Some(account),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, problem) = app
        .call(
            Method::POST,
            "/api/v2/sso/signup/",
            &token,
            Some(json!({"username": "second", "ext_id": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["title"], "Too Many Requests");

    let admin =
        json!({"username": "third", "email": "third@example.com", "password": "Correct-horse-1"});
    let (status, detail) = app
        .call(Method::POST, "/admin/users/", &token, Some(admin))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(detail, json!({"detail": "Too Many Requests"}));
    app.stop().await;
}

/// After `limit` failures a username is locked, whether it exists or not, with
/// the very answer a wrong password gets; the lock ends after its duration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_lock_the_username_out_for_a_while() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.login_failures = Quota::new(3, 900);
    config.rate_limit.policies.login_lockout_secs = 600;
    let offset = Arc::new(AtomicI64::new(0));
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .clock(Clock::offset(offset.clone()))
        .spawn()
        .await;
    let tenant = app.create_tenant("Logins").await;
    app.create_user(&tenant, "alice", vec![]).await;

    let (status, wrong) = app.password_grant(&tenant, "alice", "wrong", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for username in ["alice", "nobody"] {
        let attempts = if username == "alice" { 2 } else { 3 };
        for _ in 0..attempts {
            assert_eq!(
                app.password_grant(&tenant, username, "wrong", None).await,
                (StatusCode::BAD_REQUEST, wrong.clone())
            );
        }
        if username == "nobody" {
            // Locked while it did not exist; it still is once it does.
            app.create_user(&tenant, "nobody", vec![]).await;
        }
        // Locked: the right password gets the same answer as a wrong one.
        assert_eq!(
            app.password_grant(&tenant, username, "Correct-horse-1", None)
                .await,
            (StatusCode::BAD_REQUEST, wrong.clone())
        );
    }
    offset.store(599, Ordering::Relaxed);
    assert_eq!(
        app.password_grant(&tenant, "alice", "Correct-horse-1", None)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    offset.store(601, Ordering::Relaxed);
    let (status, tokens) = app
        .password_grant(&tenant, "alice", "Correct-horse-1", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockouts_are_shared_and_expire_on_redis() {
    if !redis_ready().await {
        return;
    }
    let mut config = limited_config(BackendKind::Redis).await;
    config.rate_limit.policies.login_failures = Quota::new(2, 60);
    config.rate_limit.policies.login_lockout_secs = 1;
    let first = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let second = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = first.create_tenant("Logins").await;
    first.create_user(&tenant, "bob", vec![]).await;
    assert_eq!(
        first.password_grant(&tenant, "bob", "wrong", None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        second.password_grant(&tenant, "bob", "wrong", None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        first
            .password_grant(&tenant, "bob", "Correct-horse-1", None)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        second
            .password_grant(&tenant, "bob", "Correct-horse-1", None)
            .await
            .0,
        StatusCode::OK
    );
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_each_fail_mode_does_what_it_says() {
    let mut config = limited_config(BackendKind::Redis).await;
    config.redis_url = format!("redis://127.0.0.1:{}", free_port());
    config.rate_limit.policies.sign_up_per_ip = Quota::new(4, 60);
    config.rate_limit.instances = 2;

    let local = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let tenant = local.create_tenant("Local").await;
    let statuses: Vec<u16> = sequential_sign_ups(&local, &tenant, 3).await;
    assert_eq!(statuses, [200, 200, 429], "half of the limit per instance");
    let ready = readiness(&local).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["rate_limiter"], "fallback");
    local.stop().await;

    config.rate_limit.fail_mode = FailMode::Open;
    let open = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let tenant = open.create_tenant("Open").await;
    assert_eq!(sequential_sign_ups(&open, &tenant, 5).await, [200; 5]);
    open.stop().await;

    config.rate_limit.fail_mode = FailMode::Closed;
    let closed = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = closed.create_tenant("Closed").await;
    assert_eq!(sequential_sign_ups(&closed, &tenant, 1).await, [503]);
    assert_eq!(closed.user_count(&tenant).await, 0);
    let response = closed
        .client
        .get(closed.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    closed.stop().await;
}

async fn sequential_sign_ups(app: &TestApp, tenant: &TestTenant, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..n {
        statuses.push(
            app.sign_up(tenant, &format!("user{i}"))
                .await
                .status()
                .as_u16(),
        );
    }
    statuses
}

/// A `redis-server` of this test's own, so it can be killed and restarted.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed when PORTCULLIS_TEST_REDIS_URL is set");
        Self { port, child }
    }

    async fn wait_until_up(&self) {
        let url = format!("redis://127.0.0.1:{}", self.port);
        for _ in 0..100 {
            if let Ok(client) = redis::Client::open(url.as_str())
                && let Ok(mut connection) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<()>(&mut connection)
                    .await
                    .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redis dies mid-test: requests keep being served under the local share; it
/// comes back: the shared count is used again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_survives_redis_dying_and_returns_to_it() {
    if !redis_ready().await {
        return;
    }
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    redis.wait_until_up().await;
    let mut config = limited_config(BackendKind::Redis).await;
    config.redis_url = format!("redis://127.0.0.1:{port}");
    config.rate_limit.policies.sign_up_per_tenant = Quota::new(6, 60);
    config.rate_limit.instances = 3;
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Faults").await;
    assert_eq!(sequential_sign_ups(&app, &tenant, 2).await, [200, 200]);
    assert_eq!(readiness(&app).await["checks"]["rate_limiter"], "redis");

    redis.kill();
    // The local share is 6 / 3 = 2 per instance.
    let during: Vec<u16> = {
        let mut statuses = Vec::new();
        for i in 0..3 {
            statuses.push(
                app.sign_up(&tenant, &format!("down{i}"))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        statuses
    };
    assert_eq!(during, [200, 200, 429]);
    assert_eq!(readiness(&app).await["checks"]["rate_limiter"], "fallback");

    let redis = OwnRedis::start(port);
    redis.wait_until_up().await;
    let mut state = Value::Null;
    for _ in 0..50 {
        state = readiness(&app).await["checks"]["rate_limiter"].clone();
        if state == "redis" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "redis", "back on Redis once it answers");
    // The restarted Redis is empty: the full limit of 6 applies again.
    let mut after = Vec::new();
    for i in 0..7 {
        after.push(
            app.sign_up(&tenant, &format!("back{i}"))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(after, [200, 200, 200, 200, 200, 200, 429]);
    app.stop().await;
    drop(redis);
}

/// A request refused per address costs the tenant's quota nothing: a flood from
/// one address does not use up the tenant's sign-ups for everyone else.
async fn a_refused_request_counts_against_no_other_policy(kind: BackendKind) {
    let mut config = limited_config(kind).await;
    config.rate_limit.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    config.rate_limit.policies.sign_up_per_ip = Quota::new(1, 60);
    config.rate_limit.policies.sign_up_per_tenant = Quota::new(2, 60);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Flooded").await;
    assert_eq!(sign_up_from(&app, &tenant, "a1", "198.51.100.1").await, 200);
    for n in 0..5 {
        let status = sign_up_from(&app, &tenant, &format!("flood{n}"), "198.51.100.1").await;
        assert_eq!(status, 429);
    }
    assert_eq!(sign_up_from(&app, &tenant, "b1", "198.51.100.2").await, 200);
    assert_eq!(sign_up_from(&app, &tenant, "c1", "198.51.100.3").await, 429);
    app.stop().await;
}

limiter_test!(a_refused_request_counts_against_no_other_policy: memory => Memory, redis => Redis);

/// Redis Cluster: several tenants (so keys in several slots), two instances,
/// one limit each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_on_redis_cluster() {
    let Some(nodes) = std::env::var("PORTCULLIS_TEST_REDIS_CLUSTER_URLS")
        .ok()
        .filter(|urls| !urls.is_empty())
    else {
        return eprintln!("PORTCULLIS_TEST_REDIS_CLUSTER_URLS is not set: cluster test not run");
    };
    let mut config = limited_config(BackendKind::Redis).await;
    config.redis_url = nodes;
    config.rate_limit.policies.sign_up_per_tenant = Quota::new(3, 60);
    let first = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let second = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    for name in ["One", "Two", "Three", "Four"] {
        let tenant = first.create_tenant(name).await;
        let mut statuses = Vec::new();
        for n in 0..5 {
            let app = if n % 2 == 0 { &first } else { &second };
            statuses.push(
                app.sign_up(&tenant, &format!("user{n}"))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, [200, 200, 200, 429, 429], "tenant {name}");
    }
    assert_eq!(readiness(&first).await["checks"]["rate_limiter"], "redis");
    first.stop().await;
    second.stop().await;
}

/// Password guesses released at the same instant are judged no more often than
/// the allowance says: with one failure left, of 15 wrong guesses and the right
/// password at most one wrong one is judged (two when the right one, judged
/// first, gave its reservation back), on one instance (memory) or across two
/// (Redis).
async fn simultaneous_guesses_are_judged_within_the_allowance(kind: BackendKind) {
    let mut config = limited_config(kind).await;
    config.rate_limit.policies.login_failures = Quota::new(5, 900);
    let first = TestApp::builder(Backend::Sqlite)
        .config(config.clone())
        .spawn()
        .await;
    let second = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let instances = if kind == BackendKind::Memory { 1 } else { 2 };
    let tenant = first.create_tenant("Logins").await;
    first.create_user(&tenant, "alice", vec![]).await;
    for _ in 0..4 {
        let (status, _) = first.password_grant(&tenant, "alice", "wrong", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..16 {
        let app = if n % instances == 0 { &first } else { &second };
        let (client, url) = (app.client.clone(), app.url("/oauth/token"));
        let (id, secret) = (tenant.client_id().to_owned(), tenant.client_secret.clone());
        let password = if n == 7 { "Correct-horse-1" } else { "wrong" };
        let barrier = barrier.clone();
        guesses.spawn(async move {
            let form = [
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", password),
            ];
            barrier.wait().await;
            let response = client
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            (password, response.status())
        });
    }
    let mut right_won = false;
    while let Some(guess) = guesses.join_next().await {
        let (password, status) = guess.unwrap();
        if status == StatusCode::OK {
            assert_eq!(password, "Correct-horse-1");
            right_won = true;
        }
    }
    let manager = first.client_token(&tenant, "tenant:manage").await;
    let (_, failed) = first
        .call(
            Method::GET,
            "/manage/v1/audit-events?type=login.failed",
            &manager,
            None,
        )
        .await;
    let failures = failed.as_array().unwrap().len();
    assert!(
        failures <= 5,
        "{failures} failures judged against an allowance of 5"
    );
    assert!(
        right_won || failures == 5,
        "{failures} failures, the right one lost"
    );
    first.stop().await;
    second.stop().await;
}

limiter_test!(simultaneous_guesses_are_judged_within_the_allowance: memory => Memory, redis => Redis, layered => Layered);

/// Every sign-up attempt counts before its body is judged, blank ones too: per
/// tenant when it names one, per address when it names none (or an unknown one),
/// so a flood from one address meets a 429 whatever its bodies say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_sign_up_attempts_meet_a_429() {
    let mut config = limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.sign_up_per_ip = Quota::new(3, 3600);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Blank").await;
    let named = json!({"username": "", "password": "", "client_id": tenant.client_id()});
    let unnamed = json!({"username": "", "password": ""});
    let unknown = json!({"username": "", "password": "", "client_id": "a".repeat(32)});
    for body in [named, unnamed] {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(app.post_signup(&body).await.status().as_u16());
        }
        assert_eq!(statuses, [422, 422, 422, 429], "{body}");
    }
    // An unknown client_id counts against the address too, already spent.
    assert_eq!(app.post_signup(&unknown).await.status(), 429);
    app.stop().await;
}

/// With Redis away and `fail_mode = "closed"`, the token endpoint says why: the
/// rate limiter, not a crowd of logins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_limiter_says_so_at_the_token_endpoint() {
    let mut config = limited_config(BackendKind::Redis).await;
    config.redis_url = format!("redis://127.0.0.1:{}", free_port());
    config.rate_limit.fail_mode = FailMode::Closed;
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("Closed").await;
    let response = client_credentials(&app, &tenant).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json_body(response).await;
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        body["error_description"],
        "the rate limiter cannot be reached, retry shortly"
    );
    app.stop().await;
}
