//! The `portcullis` binary's commands, run as a user would run them.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    db_test,
    helpers::{Backend, TestApp, free_port, fresh_database_url, json_body},
};

struct Cli {
    backend: Backend,
    database_url: String,
}

impl Cli {
    async fn new(backend: Backend) -> Self {
        Self {
            backend,
            database_url: fresh_database_url(backend).await,
        }
    }

    /// The server on the commands' database.
    async fn serve(&self) -> TestApp {
        TestApp::builder(self.backend)
            .configure(|config| config.database_url = self.database_url.clone())
            .spawn()
            .await
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_portcullis"));
        command
            .args(args)
            .env("PORTCULLIS_DATABASE_URL", &self.database_url)
            .env("PORTCULLIS_ARGON2__MEMORY_KIB", "256")
            .env("PORTCULLIS_ARGON2__ITERATIONS", "1")
            .env_remove("PORTCULLIS_CONFIG")
            .env("RUST_LOG", "warn");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run portcullis")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn portcullis");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait for portcullis")
    }

    fn ok_json(&self, args: &[&str]) -> Value {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        serde_json::from_slice(&output.stdout).expect("one JSON document on stdout")
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn tenant_create_prints_one_json_object(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);

    let object = created.as_object().expect("an object");
    let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["client_id", "client_secret", "name"]);
    assert_eq!(created["name"], "demo");
    let client_id = created["client_id"].as_str().unwrap();
    assert_eq!(client_id.len(), 32);
    assert!(
        client_id
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
    );
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 64);

    let listed = cli.ok_json(&["tenant", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["client_id"], client_id);
    assert!(
        listed[0].get("client_secret").is_none(),
        "secrets are shown once"
    );
}
db_test!(tenant_create_prints_one_json_object);

async fn tenant_set_changes_policy_seen_by_the_server(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();

    let updated = cli.ok_json(&[
        "tenant",
        "set",
        client_id,
        "public_signup_enabled=false",
        "allowed_origins=https://a.example,https://b.example",
    ]);
    assert_eq!(updated["policy"]["public_signup_enabled"], false);
    assert_eq!(
        updated["policy"]["allowed_origins"],
        json!(["https://a.example", "https://b.example"])
    );

    let app = cli.serve().await;
    let response = app
        .post_signup(&json!({"username": "u", "password": "p", "client_id": client_id}))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
db_test!(tenant_set_changes_policy_seen_by_the_server);

async fn tenant_set_rejects_unknown_keys_and_values(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    for setting in [
        "colour=blue",
        "public_signup_enabled=maybe",
        "no-equals-sign",
    ] {
        let output = cli.run(&["tenant", "set", client_id, setting]);
        assert!(!output.status.success(), "{setting} was accepted");
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
    let output = cli.run(&[
        "tenant",
        "set",
        "nosuchclient",
        "public_signup_enabled=true",
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no tenant"));
}
db_test!(tenant_set_rejects_unknown_keys_and_values);

async fn case_rule_cannot_change_once_users_exist(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    let made = cli.run_with_stdin(
        &[
            "user",
            "create",
            "--client-id",
            client_id,
            "--username",
            "alice",
            "--password-stdin",
        ],
        "password\n",
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let output = cli.run(&[
        "tenant",
        "set",
        client_id,
        "username_case_insensitive=false",
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("username_case_insensitive"));
}
db_test!(case_rule_cannot_change_once_users_exist);

async fn user_create_uses_the_registration_pipeline(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    let args = [
        "user",
        "create",
        "--client-id",
        client_id,
        "--username",
        "Admin",
        "--email",
        "admin@example.com",
        "--role",
        "admin",
        "--role",
        "editor",
        "--password-stdin",
        "--json",
    ];

    let output = cli.run_with_stdin(&args, "s3cret pass\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let user: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(user["username"], "Admin");
    assert_eq!(user["email"], "admin@example.com");
    assert_eq!(user["roles"], json!(["admin", "editor"]));
    assert_eq!(user["status"], "active");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("s3cret"));

    // Same pipeline: the username is now taken for the public sign-up too.
    let app = cli.serve().await;
    let response = app
        .post_signup(&json!({"username": "admin", "password": "password", "client_id": client_id}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_body(response).await,
        json!({"errors": {"username": ["has already been taken"]}})
    );

    let again = cli.run_with_stdin(&args, "another-pass\n");
    assert!(!again.status.success());
    assert!(stderr(&again).contains("username"), "{}", stderr(&again));
    let bad_role = cli.run_with_stdin(
        &[
            "user",
            "create",
            "--client-id",
            client_id,
            "--username",
            "x",
            "--role",
            "root",
            "--password-stdin",
        ],
        "pw\n",
    );
    assert!(!bad_role.status.success());
}
db_test!(user_create_uses_the_registration_pipeline);

async fn migrate_and_status(backend: Backend) {
    let cli = Cli::new(backend).await;
    let before = cli.run(&["migrate", "status"]);
    assert!(before.status.success(), "{}", stderr(&before));
    assert!(String::from_utf8_lossy(&before.stdout).contains("pending"));
    let up = cli.run(&["migrate"]);
    assert!(up.status.success(), "{}", stderr(&up));
    let after = String::from_utf8_lossy(&cli.run(&["migrate", "status"]).stdout).into_owned();
    assert!(
        after.contains("applied") && !after.contains("pending"),
        "{after}"
    );
}
db_test!(migrate_and_status);

#[test]
fn openapi_export_writes_every_surface() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("export-{}", uuid::Uuid::now_v7().simple()));
    let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["openapi", "export"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    for (name, spec) in portcullis::api::specs() {
        let written = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        assert_eq!(written, format!("{spec}\n"));
    }
}

#[test]
fn invalid_configuration_fails_naming_the_key() {
    let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["migrate", "status"])
        .env("PORTCULLIS_ARGON2__MEMORY_KIB", "lots")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).to_lowercase().contains("argon2.memory_kib"),
        "{}",
        stderr(&output)
    );

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("bad-{}.toml", uuid::Uuid::now_v7().simple()));
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nlissten = 1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["migrate", "status", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("lissten"), "{}", stderr(&output));
}

async fn rotate_secret_keeps_the_old_one_for_the_grace_period(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    let old_secret = created["client_secret"].as_str().unwrap().to_owned();
    let app = cli.serve().await;
    let token_status = |secret: String| {
        app.client
            .post(app.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };

    let rotated = cli.ok_json(&["tenant", "rotate-secret", client_id, "--json"]);
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    let token: Value = token_status(new_secret.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let (_, audit) = app
        .call(
            reqwest::Method::GET,
            "/manage/v1/audit-events?type=secret.rotated",
            token,
            None,
        )
        .await;
    assert_eq!(audit[0]["actor"], "cli");
    assert_eq!(audit[0]["surface"], "cli");
    assert_eq!(
        token_status(old_secret.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        token_status(new_secret.clone()).await.unwrap().status(),
        StatusCode::OK
    );

    cli.ok_json(&[
        "tenant",
        "rotate-secret",
        client_id,
        "--grace-secs",
        "0",
        "--json",
    ]);
    // A running server trusts its cached secrets for up to 5 s.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(
        token_status(old_secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token_status(new_secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}
db_test!(rotate_secret_keeps_the_old_one_for_the_grace_period);

async fn rotated_keys_keep_verifying_until_retired(backend: Backend) {
    let cli = Cli::new(backend).await;
    let app = cli.serve().await;
    let tenant = app.create_tenant("keys").await;
    let keys = app.ctx.tokens.keys();
    let old_token = app.client_token(&tenant, "tenant:manage").await;
    let old_kid = jsonwebtoken::decode_header(&old_token)
        .unwrap()
        .kid
        .unwrap();

    let output = cli.run(&["keys", "rotate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    keys.reload().await.unwrap();
    let new_token = app.client_token(&tenant, "tenant:manage").await;
    let new_kid = jsonwebtoken::decode_header(&new_token)
        .unwrap()
        .kid
        .unwrap();
    assert_ne!(new_kid, old_kid);
    assert!(check(&app, &old_token).await.is_ok());
    assert!(check(&app, &new_token).await.is_ok());

    let output = cli.run(&["keys", "retire", &old_kid]);
    assert!(output.status.success(), "{}", stderr(&output));
    keys.reload().await.unwrap();
    assert!(matches!(
        check(&app, &old_token).await,
        Err(portcullis::auth::tokens::TokenError::Invalid)
    ));
    assert!(check(&app, &new_token).await.is_ok());
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));

    let last = cli.run(&["keys", "retire", &new_kid]);
    assert!(!last.status.success(), "the only key must not be retired");
}
db_test!(rotated_keys_keep_verifying_until_retired);

/// Verifies as the protected surfaces do: through the cache of verified tokens,
/// which must forget tokens of a retired key.
async fn check(
    app: &crate::helpers::TestApp,
    token: &str,
) -> Result<std::sync::Arc<portcullis::auth::tokens::Claims>, portcullis::auth::tokens::TokenError>
{
    app.ctx.tokens.verify_access(token).await
}

async fn invite_promo_tag_and_field_commands_feed_registrations(backend: Backend) {
    let cli = Cli::new(backend).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "demo", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    cli.ok_json(&[
        "tenant",
        "set",
        client_id,
        "invite_only=true",
        "promo_codes_enabled=true",
    ]);

    let invite = cli.ok_json(&[
        "invite",
        "create",
        "--client-id",
        client_id,
        "--max-uses",
        "2",
        "--expires-in",
        "7d",
        "--json",
    ]);
    assert_eq!(invite["max_uses"], 2);
    let code = invite["code"].as_str().unwrap();
    for args in [
        &[
            "promo",
            "create",
            "--client-id",
            client_id,
            "--code",
            "WELCOME",
        ][..],
        &[
            "field",
            "create",
            "--client-id",
            client_id,
            "--name",
            "plan",
            "--type",
            "enum",
            "--choices",
            "free,pro",
        ][..],
    ] {
        let output = cli.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    let tag = cli.run(&["tag", "create", "--client-id", client_id, "--name", "beta"]);
    assert!(tag.status.success(), "{}", stderr(&tag));
    let tag_id: i64 = String::from_utf8_lossy(&tag.stdout).trim().parse().unwrap();

    // Refusals name the problem.
    let bad = cli.run(&[
        "field",
        "create",
        "--client-id",
        client_id,
        "--name",
        "email",
        "--type",
        "colour",
    ]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("name is not allowed"),
        "{}",
        stderr(&bad)
    );
    assert!(
        !cli.run(&[
            "invite",
            "create",
            "--client-id",
            client_id,
            "--expires-in",
            "7w"
        ])
        .status
        .success()
    );

    // What the commands made applies to the API.
    let app = cli.serve().await;
    let token = {
        let secret = created["client_secret"].as_str().unwrap();
        let body: Value = app
            .client
            .post(app.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    };
    let response = app
        .client
        .post(app.url("/api/v2/account/create/"))
        .bearer_auth(&token)
        .json(
            &json!({"username": "newbie", "email": "newbie@example.com", "password": "Str0ng-pass",
                      "invite_code": code, "promo_code": "WELCOME", "plan": "pro"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .client
        .post(app.url("/api/v2/sso/signup/"))
        .bearer_auth(&token)
        .json(&json!({"username": "tagged", "tags": [tag_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "SSO backends vouch for their users: no invite code"
    );
}
db_test!(invite_promo_tag_and_field_commands_feed_registrations);

/// `portcullis serve` with JSON logs at debug level: one JSON object per line,
/// each request with its id, tenant, surface, status and latency, and never a
/// password, client secret or token. `portcullis probe` answers for health checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_logs_are_json_and_hold_no_secrets() {
    let cli = Cli::new(Backend::Sqlite).await;
    let tenant = cli.ok_json(&["tenant", "create", "--name", "Logged", "--json"]);
    let client_id = tenant["client_id"].as_str().unwrap().to_owned();
    let secret = tenant["client_secret"].as_str().unwrap().to_owned();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log_path =
        std::env::temp_dir().join(format!("pc-log-{}.jsonl", uuid::Uuid::now_v7().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = cli
        .command(&["serve"])
        .env("PORTCULLIS_LISTEN", &listen)
        .env("PORTCULLIS_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let probe = || {
        cli.command(&["probe", "readyz"])
            .env("PORTCULLIS_LISTEN", &listen)
            .output()
            .unwrap()
    };
    let mut ready = probe();
    for _ in 0..100 {
        if ready.status.success() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ready = probe();
    }
    assert!(ready.status.success(), "{}", stderr(&ready));

    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    let password = "Unlikely-Passw0rd-7f3a";
    let signed_up = http
        .post(format!("{base}/sign-up"))
        .json(&json!({"username": "logged", "password": password, "client_id": client_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), StatusCode::OK);
    let tokens = json_body(
        http.post(format!("{base}/oauth/token"))
            .basic_auth(&client_id, Some(&secret))
            .form(&[
                ("grant_type", "password"),
                ("username", "logged"),
                ("password", password),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let wrong = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client_id, Some("Wrong-secret-b41d"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // The writer thread batches lines; give it a moment before stopping.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    server.kill().unwrap();
    server.wait().unwrap();

    let text = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let served: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request served")
        .collect();
    assert!(served.len() >= 3, "{text}");
    let sign_up = served
        .iter()
        .find(|l| l["span"]["path"] == "/sign-up")
        .unwrap();
    assert_eq!(sign_up["status"], 200);
    assert_eq!(sign_up["span"]["surface"], "signup");
    assert_eq!(sign_up["span"]["tenant"], client_id.as_str());
    assert!(
        sign_up["span"]["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert!(sign_up["latency_ms"].as_f64().is_some());
    for secret_value in [
        password,
        secret.as_str(),
        access.as_str(),
        refresh.as_str(),
        "Wrong-secret-b41d",
    ] {
        assert!(!text.contains(secret_value), "a secret reached the log");
    }
}

/// SIGTERM to `portcullis serve` while sign-ups are hashing: each completes with
/// 200 and is stored, and the process exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_sign_ups() {
    let cli = Cli::new(Backend::Sqlite).await;
    let tenant = cli.ok_json(&["tenant", "create", "--name", "Drained", "--json"]);
    let client_id = tenant["client_id"].as_str().unwrap().to_owned();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = cli
        .command(&["serve"])
        .env("PORTCULLIS_LISTEN", &listen)
        // Slow hashes, one at a time: the sign-ups are still in flight at SIGTERM.
        .env("PORTCULLIS_ARGON2__MEMORY_KIB", "8192")
        .env("PORTCULLIS_ARGON2__ITERATIONS", "64")
        .env("PORTCULLIS_HASHING__SLOTS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let probe = || {
        cli.command(&["probe", "readyz"])
            .env("PORTCULLIS_LISTEN", &listen)
            .output()
            .unwrap()
    };
    for _ in 0..100 {
        if probe().status.success() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let http = reqwest::Client::new();
    let mut sign_ups = tokio::task::JoinSet::new();
    for n in 0..4 {
        let request = http
            .post(format!("http://{listen}/sign-up"))
            .json(&json!({"username": format!("drained{n}"), "password": "password", "client_id": client_id}));
        sign_ups.spawn(async move {
            let status = request.send().await.map(|r| r.status());
            (status, std::time::Instant::now())
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let signalled_at = std::time::Instant::now();
    let signalled = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let answers = sign_ups.join_all().await;
    assert!(
        answers.iter().all(|(s, _)| matches!(s, Ok(StatusCode::OK))),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|(_, at)| *at > signalled_at),
        "some sign-ups were still in flight at SIGTERM"
    );
    assert!(
        server.wait().unwrap().success(),
        "clean exit after draining"
    );
    let db = sea_orm::Database::connect(&cli.database_url).await.unwrap();
    let client_id = portcullis::domain::ClientId::parse(&client_id).unwrap();
    let tenant_id = portcullis::store::tenants::find_by_client_id(&db, &client_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let users = portcullis::store::tenants::count_users(&db, tenant_id)
        .await
        .unwrap();
    assert_eq!(users, 4);
}

/// Operator paper cuts: a list setting from the environment may be plain
/// comma-separated text; text logs written to a file carry no colour codes; the
/// issuer derived from `listen` is logged at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_comma_lists_and_logs_plain_text_to_files() {
    let cli = Cli::new(Backend::Sqlite).await;
    let listen = format!("127.0.0.1:{}", free_port());
    let log_path =
        std::env::temp_dir().join(format!("pc-log-{}.txt", uuid::Uuid::now_v7().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = cli
        .command(&["serve"])
        .env("PORTCULLIS_LISTEN", &listen)
        .env("PORTCULLIS_LOG_FORMAT", "text")
        .env(
            "PORTCULLIS_RATE_LIMIT__TRUSTED_PROXIES",
            "127.0.0.1, 10.0.0.0/8",
        )
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut ready = false;
    for _ in 0..100 {
        let probe = cli
            .command(&["probe", "readyz"])
            .env("PORTCULLIS_LISTEN", &listen)
            .output()
            .unwrap();
        if probe.status.success() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let text = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(ready, "the server did not start:\n{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in a file:\n{text}");
    assert!(text.contains("token issuer"), "{text}");
    assert!(text.contains(&format!("http://{listen}")), "{text}");

    // A malformed entry is still refused, naming the key.
    let refused = cli
        .command(&["migrate", "status"])
        .env(
            "PORTCULLIS_RATE_LIMIT__TRUSTED_PROXIES",
            "127.0.0.1, nonsense",
        )
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("trusted_proxies"),
        "{}",
        stderr(&refused)
    );
}

/// `user import` streams a file in batches, reports the refused lines and
/// exits non-zero; `user export` writes what another instance imports back,
/// where the users sign in with the same passwords.
async fn users_export_and_import_into_another_instance(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("pc-import-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = Cli::new(backend).await;
    let created = source.ok_json(&["tenant", "create", "--name", "old", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    let file = dir.join("users.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"username": "ann", "email": "ann@example.com", "password": "Correct-horse-1", "roles": ["editor"]}"#,
            "\n",
            r#"{"username": "bad", "email": "not an email"}"#,
            "\n\n",
            r#"{"username": "ben", "password_hash": "$2b$04$K3JQMo6md1z98h6Idf/wMeys9x7kt0atkSr/3wXlOZGrwJOgfFoAO"}"#,
            "\n",
        ),
    )
    .unwrap();
    let report = dir.join("refused.ndjson");
    let output = source.run(&[
        "user",
        "import",
        "--client-id",
        client_id,
        file.to_str().unwrap(),
        "--batch",
        "2",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(!output.status.success(), "a refused line fails the command");
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains("2 created, 0 updated, 0 skipped, 1 failed"),
        "{summary}"
    );
    let refused: Value =
        serde_json::from_str(std::fs::read_to_string(&report).unwrap().trim()).unwrap();
    assert_eq!(refused["line"], 2);
    assert!(
        refused["reason"].as_str().unwrap().contains("email"),
        "{refused}"
    );

    let exported = dir.join("export.ndjson");
    let output = source.run(&[
        "user",
        "export",
        "--client-id",
        client_id,
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = std::fs::read_to_string(&exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]["password_hash"]
            .as_str()
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert_eq!(lines[0]["roles"], json!(["editor"]));
    assert!(
        lines[1]["password_hash"]
            .as_str()
            .unwrap()
            .starts_with("$2b$")
    );

    // Into another instance, as a JSON array this time.
    let target = Cli::new(backend).await;
    let created = target.ok_json(&["tenant", "create", "--name", "new", "--json"]);
    let (client_id, secret) = (
        created["client_id"].as_str().unwrap(),
        created["client_secret"].as_str().unwrap(),
    );
    let array = dir.join("users.json");
    std::fs::write(&array, serde_json::to_string(&lines).unwrap()).unwrap();
    let output = target.run(&[
        "user",
        "import",
        "--client-id",
        client_id,
        array.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let app = target.serve().await;
    for (username, password) in [
        ("ann", "Correct-horse-1"),
        ("ben", "correct horse battery staple"),
    ] {
        let response = app
            .client
            .post(app.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{username}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
db_test!(users_export_and_import_into_another_instance);

/// A file cut off in the middle still imports the users before the cut, and
/// the command says where it stopped and fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_file_imports_what_came_before_the_cut() {
    let cli = Cli::new(Backend::Sqlite).await;
    let created = cli.ok_json(&["tenant", "create", "--name", "cut", "--json"]);
    let client_id = created["client_id"].as_str().unwrap();
    let file = std::env::temp_dir().join(format!("pc-cut-{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(
        &file,
        r#"[{"username": "ann"}, {"username": "ben"}, {"usern"#,
    )
    .unwrap();
    let output = cli.run(&[
        "user",
        "import",
        "--client-id",
        client_id,
        file.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&file);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("malformed after user 2"),
        "{}",
        stderr(&output)
    );
    let exported = cli.run(&["user", "export", "--client-id", client_id]);
    assert_eq!(String::from_utf8_lossy(&exported.stdout).lines().count(), 2);
}
