//! `deploy/local-cluster.sh`: three instances behind nginx on one PostgreSQL and
//! one Redis, driven concurrently; every invariant holds across instances.

use std::{collections::HashSet, path::PathBuf, process::Command};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, free_port, fresh_database_url, postgres_admin_url};

const INSTANCES: u16 = 3;

/// The cluster of one test; stopped when dropped.
struct Cluster {
    dir: PathBuf,
    port: u16,
    env: Vec<(&'static str, String)>,
}

impl Cluster {
    fn script(&self, args: &[&str]) -> std::process::Output {
        Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/deploy/local-cluster.sh"
            ))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run local-cluster.sh")
    }

    fn cli(&self, args: &[&str]) -> Value {
        let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run portcullis");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
    }

    /// The instances' logs, for failure messages.
    fn logs(&self) -> String {
        (1..=INSTANCES)
            .map(|i| {
                std::fs::read_to_string(self.dir.join(format!("instance-{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The tenant's client_credentials token, through nginx.
    async fn client_token(
        &self,
        http: &reqwest::Client,
        client_id: &str,
        secret: &str,
        scope: &str,
    ) -> String {
        let body: Value = http
            .post(self.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }
}

impl Cluster {
    /// `n` instances on a fresh PostgreSQL database, with Redis keys of their own.
    async fn start(n: u16, redis_url: String) -> Self {
        let run = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("pc-cluster-{run}"));
        let port = free_ports();
        let cluster = Cluster {
            port,
            env: vec![
                ("CLUSTER_BIN", env!("CARGO_BIN_EXE_portcullis").to_owned()),
                ("CLUSTER_DIR", dir.display().to_string()),
                ("CLUSTER_PORT", port.to_string()),
                (
                    "PORTCULLIS_DATABASE_URL",
                    fresh_database_url(Backend::Postgres).await,
                ),
                ("PORTCULLIS_REDIS_URL", redis_url),
                (
                    "PORTCULLIS_RATE_LIMIT__REDIS_NAMESPACE",
                    format!("pc-cluster-{run}"),
                ),
                ("PORTCULLIS_ARGON2__MEMORY_KIB", "256".to_owned()),
                ("PORTCULLIS_ARGON2__ITERATIONS", "1".to_owned()),
                ("PORTCULLIS_HASHING__QUEUE_DEPTH", "256".to_owned()),
                // Debug builds of the instances and their clients share two cores
                // here: give Redis time, so the shared count is what is tested.
                ("PORTCULLIS_RATE_LIMIT__REDIS_TIMEOUT_MS", "1000".to_owned()),
                // Every request comes from this one address: only the tenant's
                // limit is under test.
                (
                    "PORTCULLIS_RATE_LIMIT__POLICIES__SIGN_UP_PER_IP__LIMIT",
                    "100000".to_owned(),
                ),
                ("RUST_LOG", "warn".to_owned()),
            ],
            dir,
        };
        let started = cluster.script(&["start", &n.to_string()]);
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        cluster
    }

    /// The process id of instance `i` (from 1).
    fn pid(&self, i: usize) -> u32 {
        let pids = std::fs::read_to_string(self.dir.join("pids")).unwrap();
        pids.lines().nth(i - 1).unwrap().trim().parse().unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.script(&["stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A base port with the next [`INSTANCES`] ports free too.
fn free_ports() -> u16 {
    loop {
        let base = free_port();
        if base < 60_000
            && (1..=INSTANCES).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok())
        {
            return base;
        }
    }
}

/// Sends every request at once; their statuses, in no particular order.
async fn statuses(requests: Vec<reqwest::RequestBuilder>) -> Vec<u16> {
    let mut sent = tokio::task::JoinSet::new();
    for request in requests {
        sent.spawn(async move {
            request
                .send()
                .await
                .expect("request through nginx")
                .status()
                .as_u16()
        });
    }
    sent.join_all().await
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// The shared services the cluster tests need, when the environment names them.
fn services() -> Option<String> {
    let redis_url = std::env::var("PORTCULLIS_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if redis_url.is_none() || postgres_admin_url().is_none() {
        eprintln!(
            "PORTCULLIS_TEST_REDIS_URL or PORTCULLIS_TEST_DATABASE_URL is not set: cluster test not run"
        );
        return None;
    }
    redis_url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_behind_nginx_keep_every_invariant() {
    let Some(redis_url) = services() else {
        return;
    };
    let cluster = Cluster::start(INSTANCES, redis_url).await;
    let tenant = cluster.cli(&["tenant", "create", "--name", "Scaled", "--json"]);
    let client_id = tenant["client_id"].as_str().unwrap().to_owned();
    let secret = tenant["client_secret"].as_str().unwrap().to_owned();
    cluster.cli(&[
        "tenant",
        "set",
        &client_id,
        "rate_limit.sign_up_per_tenant=40/3600",
    ]);
    let invite = cluster.cli(&[
        "invite",
        "create",
        "--client-id",
        &client_id,
        "--max-uses",
        "5",
        "--json",
    ]);
    let code = invite["code"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();

    // 60 sign-ups of 30 names, each name twice, at once: the tenant's global
    // limit lets exactly 40 through, and no name is registered twice.
    let sign_ups = (0..60)
        .map(|n| {
            http.post(cluster.url("/sign-up"))
                .json(&json!({"username": format!("user{}", n % 30), "password": "password", "client_id": client_id}))
        })
        .collect();
    let signed = statuses(sign_ups).await;
    assert_eq!(count(&signed, 429), 20, "{signed:?}\n{}", cluster.logs());
    assert_eq!(count(&signed, 200) + count(&signed, 422), 40, "{signed:?}");

    let token = cluster
        .client_token(&http, &client_id, &secret, "users:write users:read")
        .await;

    // 12 account creations with one invite code good for 5. (An invite-only
    // tenant takes no public sign-ups, so the rule comes after those.)
    cluster.cli(&["tenant", "set", &client_id, "invite_only=true"]);
    let accounts = (0..12)
        .map(|n| {
            http.post(cluster.url("/api/v2/account/create/"))
                .bearer_auth(&token)
                .json(&json!({
                    "username": format!("invited{n}"),
                    "email": format!("invited{n}@example.com"),
                    "password": "Correct-horse-1",
                    "invite_code": code,
                }))
        })
        .collect();
    let created = statuses(accounts).await;
    assert_eq!(count(&created, 201), 5, "{created:?}");

    // 8 SSO sign-ups of one ext_id: one wins.
    let sso = (0..8)
        .map(|n| {
            http.post(cluster.url("/api/v2/sso/signup/"))
                .bearer_auth(&token)
                .json(&json!({"ext_id": 4242, "username": format!("sso{n}")}))
        })
        .collect();
    let linked = statuses(sso).await;
    assert_eq!(count(&linked, 201), 1, "{linked:?}");

    // The database agrees with what the clients were told.
    let (status, users) = {
        let response = http
            .get(cluster.url("/admin/users/?limit=1000"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json::<Vec<Value>>().await.unwrap(),
        )
    };
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let distinct: HashSet<&&str> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "no username twice");
    assert_eq!(names.len(), count(&signed, 200) + 5 + 1);

    // Every instance served traffic.
    for i in 1..=INSTANCES {
        let metrics = http
            .get(format!("http://127.0.0.1:{}/metrics", cluster.port + i))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(
                r#"portcullis_http_requests_total{surface="signup",method="POST",route="/sign-up""#
            ),
            "instance {i} served no sign-up"
        );
        assert!(
            metrics
                .lines()
                .any(|line| line == "portcullis_rate_limit_redis_failures_total 0"),
            "instance {i} fell back from Redis: the counts above were not the shared ones"
        );
    }

    let stopped = cluster.script(&["stop"]);
    assert!(stopped.status.success());
    let status = cluster.script(&["status"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "not running"
    );
    assert!(
        reqwest::Client::new()
            .get(cluster.url("/healthz"))
            .send()
            .await
            .is_err(),
        "nginx stopped too"
    );
}

/// `kill -9` of one instance mid-load: the other keeps serving, every user a
/// client was told about exists, and every other user belongs to a request
/// whose answer was lost with the instance (never to one that was refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_no_acknowledged_user() {
    let Some(redis_url) = services() else {
        return;
    };
    let cluster = Cluster::start(2, redis_url).await;
    let tenant = cluster.cli(&["tenant", "create", "--name", "Killed", "--json"]);
    let client_id = tenant["client_id"].as_str().unwrap().to_owned();
    let secret = tenant["client_secret"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let wave = |from: usize, to: usize| {
        let mut sent = tokio::task::JoinSet::new();
        for n in from..to {
            let request = http.post(cluster.url("/sign-up")).json(&json!({
                "username": format!("user{n}"),
                "password": "password",
                "client_id": client_id,
            }));
            sent.spawn(async move {
                let status = request
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                (format!("user{n}"), status)
            });
        }
        sent
    };
    let mut answers = wave(0, 20).join_all().await;
    let during = wave(20, 60);
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let killed = Command::new("kill")
        .args(["-9", &cluster.pid(1).to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    answers.extend(during.join_all().await);
    // After the kill, the survivor answers everything.
    let after = wave(60, 80).join_all().await;
    assert!(after.iter().all(|(_, status)| *status == 200), "{after:?}");
    answers.extend(after);

    let token = cluster
        .client_token(&http, &client_id, &secret, "users:read")
        .await;
    let users: Vec<Value> = http
        .get(cluster.url("/admin/users/?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: HashSet<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    for (username, status) in &answers {
        match status {
            200 => assert!(
                stored.contains(username.as_str()),
                "{username} was acknowledged but is missing"
            ),
            // The answer was lost with the instance: either outcome is possible.
            0 | 502 | 504 => {}
            other => assert!(
                !stored.contains(username.as_str()),
                "{username} got {other} but exists"
            ),
        }
    }
    let acknowledged = answers.iter().filter(|(_, s)| *s == 200).count();
    let unknown = answers
        .iter()
        .filter(|(_, s)| matches!(s, 0 | 502 | 504))
        .count();
    assert!(stored.len() >= acknowledged && stored.len() <= acknowledged + unknown);
}
