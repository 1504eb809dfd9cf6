//! `spawn_app(backend)` or `TestApp::builder(backend)…spawn()`: the real
//! application on port 0 with its own fresh database; tenants, users and their
//! tokens; the problem+json check.

use std::net::SocketAddr;

use portcullis::{
    auth::secrets::generate_client_secret,
    config::{Argon2Config, Config},
    context::AppContext,
    domain::{
        ClientId, Clock, Email, Password, PasswordPolicy, PolicyChange, Role, Tenant, Username,
        tokens::Grantor, users::NewUser, values::user::User,
    },
    startup::Application,
    store,
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
}

/// Generates one `#[tokio::test]` per backend for an `async fn(Backend)`. The
/// PostgreSQL variant runs when `PORTCULLIS_TEST_DATABASE_URL` is set, the
/// MariaDB one when `PORTCULLIS_TEST_MARIADB_URL` is; each fails (never skips)
/// when its server cannot be reached.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_admin_url().is_some() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                } else {
                    eprintln!(
                        "PORTCULLIS_TEST_DATABASE_URL is not set: PostgreSQL variant not run"
                    );
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                if $crate::helpers::mariadb_admin_url().is_some() {
                    super::$name($crate::helpers::Backend::Mariadb).await;
                } else {
                    eprintln!("PORTCULLIS_TEST_MARIADB_URL is not set: MariaDB variant not run");
                }
            }
        }
    };
}

/// A loopback port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("PORTCULLIS_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

pub fn mariadb_admin_url() -> Option<String> {
    std::env::var("PORTCULLIS_TEST_MARIADB_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A fresh, empty database for one test.
pub async fn fresh_database_url(backend: Backend) -> String {
    let name = format!("pc_test_{}", Uuid::now_v7().simple());
    match backend {
        Backend::Sqlite => {
            let dir = env!("CARGO_TARGET_TMPDIR");
            format!("sqlite://{dir}/{name}.db?mode=rwc")
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url().expect("PORTCULLIS_TEST_DATABASE_URL");
            create_database(&admin_url, &name).await
        }
        Backend::Mariadb => {
            // With the server's default (folding) collation, as a database made
            // by hand gets it: the migrations make the text binary themselves.
            let admin_url = mariadb_admin_url().expect("PORTCULLIS_TEST_MARIADB_URL");
            create_database(&admin_url, &name).await
        }
    }
}

async fn create_database(admin_url: &str, name: &str) -> String {
    let admin = Database::connect(admin_url).await.unwrap_or_else(|err| {
        panic!("the database server at {admin_url} must be reachable: {err}")
    });
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.expect("close the admin connection");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// The password [`TestApp::create_user`] gives every user.
pub const USER_PASSWORD: &str = "Correct-horse-1";

/// Fast argon2 parameters: the tests exercise behaviour, the benchmark measures speed.
pub const TEST_ARGON2: Argon2Config = Argon2Config {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};

pub async fn test_config(backend: Backend) -> Config {
    let mut config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: fresh_database_url(backend).await,
        argon2: TEST_ARGON2,
        ..Config::default()
    };
    config.hashing.queue_depth = 256;
    // Rate limits are exercised by their own tests, which switch them on.
    config.rate_limit.enabled = false;
    config
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub ctx: AppContext,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// The application with [`test_config`] on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::builder(backend).spawn().await
}

/// A change to the configuration, made just before the start.
type ConfigEdit<'a> = Box<dyn FnOnce(&mut Config) + 'a>;

/// How a test's application starts: [`TestApp::builder`], then any of
/// `.config`, `.configure` and `.clock`, then `.spawn()`.
#[must_use]
pub struct TestAppBuilder<'a> {
    backend: Backend,
    config: Option<Config>,
    edits: Vec<ConfigEdit<'a>>,
    clock: Clock,
}

impl<'a> TestAppBuilder<'a> {
    /// Starts with this whole configuration (one from [`test_config`], which
    /// names its own database) instead of a fresh one for the backend.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Changes the configuration before the application starts.
    pub fn configure(mut self, edit: impl FnOnce(&mut Config) + 'a) -> Self {
        self.edits.push(Box::new(edit));
        self
    }

    /// The clock the application reads (the system's unless told).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Starts the application on port 0 and returns once it listens.
    pub async fn spawn(self) -> TestApp {
        let mut config = match self.config {
            Some(config) => config,
            None => test_config(self.backend).await,
        };
        for edit in self.edits {
            edit(&mut config);
        }
        let app = Application::build(&config, self.clock)
            .await
            .expect("build application");
        let addr = app.local_addr().expect("bound address");
        let ctx = app.context().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        TestApp {
            address: format!("http://{addr}"),
            client: reqwest::Client::new(),
            ctx,
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

/// A tenant created the way `portcullis tenant create` does it.
pub struct TestTenant {
    pub tenant: Tenant,
    pub client_secret: String,
}

impl TestTenant {
    pub fn client_id(&self) -> &str {
        self.tenant.client_id.as_str()
    }
}

impl TestApp {
    /// An application on a fresh database of `backend` with [`test_config`].
    pub fn builder<'a>(backend: Backend) -> TestAppBuilder<'a> {
        TestAppBuilder {
            backend,
            config: None,
            edits: Vec::new(),
            clock: Clock::system(),
        }
    }

    pub async fn create_tenant(&self, name: &str) -> TestTenant {
        let (secret, hash) = generate_client_secret();
        let tenant = store::tenants::create(
            &self.ctx.db,
            name,
            &ClientId::generate(),
            &hash,
            self.ctx.clock.now(),
        )
        .await
        .expect("create tenant");
        TestTenant {
            tenant,
            client_secret: secrecy::ExposeSecret::expose_secret(&secret).to_owned(),
        }
    }

    pub async fn set_policy(&self, tenant: &mut TestTenant, key: &str, value: &str) {
        let change = PolicyChange::from_settings([(key, value)]).expect("valid policy");
        tenant.tenant = self
            .ctx
            .tenants
            .change_policy(&tenant.tenant, &change, None, self.ctx.clock.now())
            .await
            .expect("update policy");
    }

    /// Registers a user as an operator (the CLI) does, with
    /// `{username}@example.com` and [`USER_PASSWORD`].
    pub async fn create_user(&self, tenant: &TestTenant, username: &str, roles: Vec<Role>) -> User {
        let email = Email::parse(&format!("{username}@example.com")).expect("valid email");
        let password = Password::parse(USER_PASSWORD, PasswordPolicy::LENIENT).expect("password");
        self.register(tenant, username, Some(email), Some(password), roles)
            .await
    }

    /// Registers a user with neither email nor password: pending until an
    /// admin sets one.
    pub async fn create_pending_user(&self, tenant: &TestTenant, username: &str) -> User {
        self.register(tenant, username, None, None, vec![]).await
    }

    async fn register(
        &self,
        tenant: &TestTenant,
        username: &str,
        email: Option<Email>,
        password: Option<Password>,
        roles: Vec<Role>,
    ) -> User {
        let rules = tenant.tenant.policy.signup_username_rules();
        let new_user = NewUser {
            username: Username::parse(username, rules).expect("valid username"),
            email,
            password,
            roles,
        };
        self.ctx
            .registrar
            .register(&tenant.tenant, new_user, Grantor::Operator)
            .await
            .expect("register user")
    }

    /// The access token a user made by [`TestApp::create_user`] gets from the
    /// password grant.
    pub async fn user_token(&self, tenant: &TestTenant, username: &str) -> String {
        self.sign_in(tenant, username).await.0
    }

    /// A new admin, `boss`: their access and refresh tokens.
    pub async fn admin_tokens(&self, tenant: &TestTenant) -> (String, String) {
        self.create_user(tenant, "boss", vec![Role::Admin]).await;
        self.sign_in(tenant, "boss").await
    }

    /// The password grant with [`USER_PASSWORD`]: access and refresh tokens.
    async fn sign_in(&self, tenant: &TestTenant, username: &str) -> (String, String) {
        let (status, body) = self
            .password_grant(tenant, username, USER_PASSWORD, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{username} signs in: {body}");
        let token = |name: &str| body[name].as_str().expect(name).to_owned();
        (token("access_token"), token("refresh_token"))
    }

    /// A token for the tenant itself (client_credentials) with the given scopes.
    pub async fn client_token(&self, tenant: &TestTenant, scope: &str) -> String {
        let body: Value = self
            .client
            .post(self.url("/oauth/token"))
            .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token response");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// The password grant as the tenant's client: the status and the JSON answer.
    pub async fn password_grant(
        &self,
        tenant: &TestTenant,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = vec![
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ];
        form.extend(scope.map(|scope| ("scope", scope)));
        let response = self
            .client
            .post(self.url("/oauth/token"))
            .basic_auth(tenant.client_id(), Some(&tenant.client_secret))
            .form(&form)
            .send()
            .await
            .expect("token request");
        (response.status(), json_body(response).await)
    }

    /// Sends `body` as JSON with the bearer token; the status and the JSON answer
    /// (`null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_signup(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/sign-up"))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_up(&self, tenant: &TestTenant, username: &str) -> reqwest::Response {
        self.post_signup(&serde_json::json!({
            "username": username,
            "password": "password",
            "client_id": tenant.client_id(),
        }))
        .await
    }

    /// Number of users stored for the tenant.
    pub async fn user_count(&self, tenant: &TestTenant) -> u64 {
        store::tenants::count_users(&self.ctx.db, tenant.tenant.id)
            .await
            .expect("count users")
    }

    /// Signals shutdown and waits until the server has drained and stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
    }
}

pub async fn json_body(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts an RFC 9457 problem answer with `status`: the media type, and the
/// status repeated in a body of type `about:blank`. The body, for the details.
pub async fn assert_problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body = json_body(response).await;
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["type"], "about:blank", "{body}");
    body
}

/// The `(field, code)` pairs of a problem's `errors`, in order.
pub fn error_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().expect("field").to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

/// `(field, code)` pairs to compare with [`error_codes`].
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}
