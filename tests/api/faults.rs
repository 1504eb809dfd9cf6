//! PostgreSQL going away under a running instance: answers are 503 in the
//! surface's format (never 500, never a hang), readiness follows, and service
//! resumes by itself when the database returns.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, free_port, json_body, postgres_admin_url};

/// A PostgreSQL server of this test's own, so it can be stopped and started.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn pg(&self, program: &str, args: &[&str]) -> bool {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn init() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("pg_ctl").exists())
            .max()
            .expect("pg_ctl");
        let dir = std::env::temp_dir().join(format!("pc-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let owned = Command::new("chown")
                .args(["postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(owned.success());
        }
        let port = free_port();
        let server = Self { bin, dir, port };
        let data = server.data();
        assert!(
            server.pg("initdb", &["-D", &data, "-A", "trust", "-U", "postgres"]),
            "initdb"
        );
        server.start();
        server
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        assert!(self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start"
            ]
        ));
    }

    fn stop(&self) {
        assert!(self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"]
        ));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.pg("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_is_answered_with_503_and_survived() {
    if postgres_admin_url().is_none() {
        return eprintln!("PORTCULLIS_TEST_DATABASE_URL is not set: database fault test not run");
    }
    let postgres = PrivatePostgres::init();
    let app = TestApp::builder(Backend::Sqlite)
        .configure(|config| config.database_url = postgres.url())
        .spawn()
        .await;
    let tenant = app.create_tenant("Faulty").await;
    assert_eq!(
        app.sign_up(&tenant, "before").await.status(),
        StatusCode::OK
    );
    let token = app
        .client_token(&tenant, "users:read users:write tenant:manage")
        .await;

    postgres.stop();
    let started = Instant::now();
    let during = app.sign_up(&tenant, "during").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered within the pool's timeout"
    );
    assert_eq!(during.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(during.headers().contains_key("retry-after"));
    assert_eq!(
        json_body(during).await,
        json!({"errors": {"base": ["is unavailable, retry shortly"]}})
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The other surfaces, each in its own format.
    let account =
        json!({"username": "during2", "email": "d2@example.com", "password": "Correct-horse-1"});
    let (status, problem) = app
        .call(
            Method::POST,
            "/api/v2/account/create/",
            &token,
            Some(account),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["status"], 503);
    let admin =
        json!({"username": "during3", "email": "d3@example.com", "password": "Correct-horse-1"});
    let (status, detail) = app
        .call(Method::POST, "/admin/users/", &token, Some(admin))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{detail}");
    assert!(detail["detail"].is_string());
    let (status, detail) = app.call(Method::GET, "/admin/users/", &token, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{detail}");
    let (status, problem) = app.call(Method::GET, "/manage/v1/tags", &token, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    let (status, login) = app
        .password_grant(&tenant, "before", "password", None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(login["error"], "temporarily_unavailable");

    postgres.start();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for attempt in 0..40 {
        status = app
            .sign_up(&tenant, &format!("after{attempt}"))
            .await
            .status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, StatusCode::OK, "service resumes by itself");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        app.user_count(&tenant).await,
        2,
        "before and one after; nothing from during"
    );
}
