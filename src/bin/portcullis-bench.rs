//! Load generator.
//!
//! `--mode signup` (the default) measures the machine's raw argon2id limit with the
//! service's own parameters, drives `POST /sign-up` with unique usernames, and
//! reports throughput, latency percentiles, errors, the server's peak RSS and the
//! ratio of sign-up throughput to the argon2 limit. `--mode token` drives
//! client_credentials requests to `/oauth/token`; `--mode bearer` drives a cheap
//! bearer-protected request (`GET /manage/v1/tenant`). `--mode account` drives
//! `POST /api/v2/account/create/` and, like the sign-up mode, reports its ratio to
//! the argon2 limit. `--mode reject` floods `POST /sign-up` from one address over
//! its rate limit and measures the 429 answers of the `--limiter` backend.
//!
//! Rate limits are off unless `--limiter` names a backend; then every policy is
//! set so high that only `--mode reject` is ever refused, which measures what an
//! allowed check adds.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Parser;
use portcullis::{
    auth::hashing,
    config::Config,
    domain::Clock,
    ratelimit::{BackendKind, Key, Limiter, PolicyName, Quota, RateLimiter},
    startup::BoxError,
};
use serde_json::{Value, json};

/// Users per import call, and the (well-formed) bcrypt hash each carries.
const IMPORT_BATCH: usize = 1000;
const BENCH_BCRYPT: &str = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Signup,
    Token,
    Bearer,
    /// `POST /api/v2/account/create/` with a client_credentials token.
    Account,
    /// `POST /sign-up` over the per-IP limit: every measured answer is a 429.
    Reject,
    /// Allowed rate-limit checks alone, in process, against the `--limiter`
    /// backend: what a check adds to each request.
    Check,
    /// `POST /manage/v1/users/import` of 1,000 users a call, each with a bcrypt
    /// hash (which an import stores, never computes).
    Import,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LimiterChoice {
    Off,
    Memory,
    Redis,
    Layered,
}

#[derive(Debug, Parser)]
#[command(name = "portcullis-bench", about = "Portcullis load generator")]
struct Args {
    /// What to drive.
    #[arg(long, value_enum, default_value_t = Mode::Signup)]
    mode: Mode,
    /// Configuration file, as for `portcullis` (argon2 parameters come from here).
    #[arg(long, env = "PORTCULLIS_CONFIG")]
    config: Option<PathBuf>,
    /// Database for the spawned server (default: a fresh SQLite file).
    #[arg(long)]
    database_url: Option<String>,
    /// Target an already running server instead of spawning one (needs --client-id).
    #[arg(long, requires = "client_id")]
    target: Option<String>,
    /// The tenant to sign users up in, when targeting a running server.
    #[arg(long)]
    client_id: Option<String>,
    /// The tenant's secret, for the token and bearer modes against a running server.
    #[arg(long)]
    client_secret: Option<String>,
    /// Process id of the targeted server, for its peak RSS.
    #[arg(long)]
    pid: Option<u32>,
    /// The rate limiter backend of the spawned server (`off` unless given; the
    /// reject mode needs one and defaults to `memory`).
    #[arg(long, value_enum)]
    limiter: Option<LimiterChoice>,
    /// Redis for the `redis` and `layered` limiters.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured load duration, in seconds.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Warm-up before measuring, in seconds.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Duration of each raw argon2 measurement (before and after the load), in seconds.
    #[arg(long, default_value_t = 10)]
    argon2_seconds: u64,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let config = Config::load(args.config.as_deref())?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    // The raw limit is measured before and after the load and averaged: on a shared
    // machine it drifts by several percent within a minute.
    let argon2_time = Duration::from_secs(args.argon2_seconds);
    let measure_argon2 = matches!(args.mode, Mode::Signup | Mode::Account);
    let before = if measure_argon2 {
        argon2_limit(&config, cores, argon2_time)?
    } else {
        0.0
    };

    if args.mode == Mode::Check {
        return check_latency(&args, config).await;
    }
    let server = match &args.target {
        Some(target) => Server {
            base: target.trim_end_matches('/').to_owned(),
            client_id: args.client_id.clone().unwrap_or_default(),
            client_secret: args.client_secret.clone().unwrap_or_default(),
            pid: args.pid,
            child: None,
        },
        None => Server::spawn(&args).await?,
    };
    let report = drive(&server, &args).await?;
    let rss_kib = server.pid.and_then(peak_rss_kib);
    drop(server);
    report.print(rss_kib);
    if measure_argon2 {
        let after = argon2_limit(&config, cores, argon2_time)?;
        let limit = (before + after) / 2.0;
        println!(
            "argon2id m={} t={} p={}: {limit:.1} hashes/s on {cores} cores ({before:.1} before, {after:.1} after the load)",
            config.argon2.memory_kib, config.argon2.iterations, config.argon2.parallelism
        );
        println!(
            "ratio registrations / argon2 limit: {:.3}",
            report.throughput() / limit
        );
    }
    Ok(())
}

/// Times allowed checks of one key (a quota no run reaches) from `concurrency`
/// tasks, as `--mode token` would make them but without HTTP around them.
async fn check_latency(args: &Args, mut config: Config) -> Result<(), BoxError> {
    config.redis_url = args.redis_url.clone();
    config.rate_limit.backend = match args.limiter.unwrap_or(LimiterChoice::Memory) {
        LimiterChoice::Off | LimiterChoice::Memory => BackendKind::Memory,
        LimiterChoice::Redis => BackendKind::Redis,
        LimiterChoice::Layered => BackendKind::Layered,
    };
    config.rate_limit.redis_namespace = format!("bench-{}", uuid::Uuid::now_v7().simple());
    let limiter = Arc::new(Limiter::from_config(
        &config.rate_limit,
        &config.redis_url,
        Clock::system(),
    )?);
    let quota = Quota::new(u32::MAX, 3600);
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let stop_at = measure_from + Duration::from_secs(args.duration);
    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let key = Key {
                    policy: PolicyName::TokenPerClient,
                    scope: "bench".to_owned(),
                    subject: format!("worker-{worker}"),
                };
                let (mut latencies, mut failures) = (Vec::new(), 0u64);
                while Instant::now() < stop_at {
                    let sent = Instant::now();
                    let allowed = limiter.check(&key, quota).await.is_ok_and(|d| d.allowed);
                    if sent >= measure_from {
                        if allowed {
                            latencies.push(sent.elapsed());
                        } else {
                            failures += 1;
                        }
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut report = Report {
        mode: Some(Mode::Check),
        measured: Duration::from_secs(args.duration),
        ..Report::default()
    };
    for worker in workers {
        let (latencies, failures) = worker.await?;
        report.latencies.extend(latencies);
        if failures > 0 {
            *report
                .statuses
                .entry("refused or failed".to_owned())
                .or_default() += failures;
        }
    }
    report.print(None);
    Ok(())
}

/// Hashes/s with the configured parameters, one hashing thread per core.
fn argon2_limit(config: &Config, cores: usize, duration: Duration) -> Result<f64, BoxError> {
    let argon2 = hashing::argon2id(config.argon2)?;
    let started = Instant::now();
    let counts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                let argon2 = argon2.clone();
                scope.spawn(move || {
                    let mut hashes = 0u64;
                    while started.elapsed() < duration {
                        if hashing::hash_blocking(&argon2, "bench-password").is_ok() {
                            hashes += 1;
                        }
                    }
                    hashes
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(0))
            .sum::<u64>()
    });
    Ok(counts as f64 / started.elapsed().as_secs_f64())
}

/// The spawned server's rate-limit settings, as environment variables.
fn limiter_env(args: &Args) -> Vec<(String, String)> {
    let choice = match (args.limiter, args.mode) {
        (Some(choice), _) => choice,
        (None, Mode::Reject) => LimiterChoice::Memory,
        (None, _) => LimiterChoice::Off,
    };
    let var = |key: &str, value: &str| (format!("PORTCULLIS_RATE_LIMIT__{key}"), value.to_owned());
    let backend = match choice {
        LimiterChoice::Off => return vec![var("ENABLED", "false")],
        LimiterChoice::Memory => "memory",
        LimiterChoice::Redis => "redis",
        LimiterChoice::Layered => "layered",
    };
    let mut env = vec![
        var("BACKEND", backend),
        var(
            "REDIS_NAMESPACE",
            &format!("bench-{}", uuid::Uuid::now_v7().simple()),
        ),
        ("PORTCULLIS_REDIS_URL".to_owned(), args.redis_url.clone()),
    ];
    for policy in [
        "SIGN_UP_PER_IP",
        "SIGN_UP_PER_TENANT",
        "CREATE_PER_SUBJECT",
        "TOKEN_PER_CLIENT",
        "TOKEN_PER_IP",
    ] {
        let limit = if args.mode == Mode::Reject && policy == "SIGN_UP_PER_IP" {
            "1"
        } else {
            "1000000000"
        };
        env.push(var(&format!("POLICIES__{policy}__LIMIT"), limit));
        env.push(var(&format!("POLICIES__{policy}__WINDOW_SECS"), "3600"));
    }
    env
}

struct Server {
    base: String,
    client_id: String,
    client_secret: String,
    pid: Option<u32>,
    child: Option<Child>,
}

impl Server {
    /// Starts the `portcullis` binary next to this one on a free port.
    async fn spawn(args: &Args) -> Result<Self, BoxError> {
        let exe = std::env::current_exe()?
            .parent()
            .map(|dir| dir.join("portcullis"))
            .ok_or("cannot locate the portcullis binary")?;
        let database_url = args.database_url.clone().unwrap_or_else(|| {
            let file = std::env::temp_dir().join(format!(
                "portcullis-bench-{}.db",
                uuid::Uuid::now_v7().simple()
            ));
            format!("sqlite://{}?mode=rwc", file.display())
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let limits = limiter_env(args);
        let command = |argv: &[&str]| {
            let mut command = Command::new(&exe);
            command
                .args(argv)
                .env("PORTCULLIS_DATABASE_URL", &database_url)
                .env("PORTCULLIS_LISTEN", format!("127.0.0.1:{port}"))
                .envs(limits.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            command
        };
        let created = command(&["tenant", "create", "--name", "bench", "--json"]).output()?;
        if !created.status.success() {
            return Err(String::from_utf8_lossy(&created.stderr).into_owned().into());
        }
        let tenant: Value = serde_json::from_slice(&created.stdout)?;
        let field = |name: &str| {
            tenant[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("tenant create printed no {name}"))
        };
        let (client_id, client_secret) = (field("client_id")?, field("client_secret")?);
        let child = command(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = Self {
            base: format!("http://127.0.0.1:{port}"),
            client_id,
            client_secret,
            pid: Some(child.id()),
            child: Some(child),
        };
        server.wait_until_healthy().await?;
        Ok(server)
    }

    async fn wait_until_healthy(&self) -> Result<(), BoxError> {
        let client = reqwest::Client::new();
        for _ in 0..100 {
            let healthy = client.get(format!("{}/healthz", self.base)).send().await;
            if healthy.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("the server did not become healthy within 10 s".into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Default)]
struct Report {
    mode: Option<Mode>,
    measured: Duration,
    latencies: Vec<Duration>,
    statuses: BTreeMap<String, u64>,
}

/// Builds the `n`th request of a worker.
type RequestFactory = Arc<dyn Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

async fn drive(server: &Server, args: &Args) -> Result<Report, BoxError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let factory = request_factory(&client, server, args.mode).await?;
    let expected = expected_status(Some(args.mode));
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let stop_at = measure_from + Duration::from_secs(args.duration);

    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let factory = Arc::clone(&factory);
            tokio::spawn(async move {
                let mut report = Report::default();
                let mut n = 0u64;
                while Instant::now() < stop_at {
                    n += 1;
                    let request = factory(worker, n);
                    let sent = Instant::now();
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16().to_string();
                            // Read the body so the connection is reused.
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => "connection error".to_owned(),
                    };
                    if sent >= measure_from && Instant::now() <= stop_at {
                        if status.starts_with(expected) {
                            report.latencies.push(sent.elapsed());
                        }
                        *report.statuses.entry(status).or_default() += 1;
                    }
                }
                report
            })
        })
        .collect();

    let mut total = Report {
        mode: Some(args.mode),
        measured: Duration::from_secs(args.duration),
        ..Report::default()
    };
    for worker in workers {
        let report = worker.await?;
        total.latencies.extend(report.latencies);
        for (status, count) in report.statuses {
            *total.statuses.entry(status).or_default() += count;
        }
    }
    Ok(total)
}

async fn request_factory(
    client: &reqwest::Client,
    server: &Server,
    mode: Mode,
) -> Result<RequestFactory, BoxError> {
    let client = client.clone();
    let (client_id, secret) = (server.client_id.clone(), server.client_secret.clone());
    Ok(match mode {
        Mode::Check => return Err("the check mode sends no HTTP requests".into()),
        Mode::Signup | Mode::Reject => {
            let url = format!("{}/sign-up", server.base);
            let run = uuid::Uuid::now_v7().simple().to_string();
            Arc::new(move |worker, n| {
                client.post(&url).json(&json!({
                    "username": format!("u{run}w{worker}n{n}"),
                    "password": "bench-password",
                    "client_id": client_id,
                }))
            })
        }
        Mode::Token => {
            let url = format!("{}/oauth/token", server.base);
            Arc::new(move |_, _| {
                client
                    .post(&url)
                    .basic_auth(&client_id, Some(&secret))
                    .form(&[
                        ("grant_type", "client_credentials"),
                        ("scope", "tenant:manage"),
                    ])
            })
        }
        Mode::Bearer => {
            let token = client_token(&client, server, "tenant:manage").await?;
            let url = format!("{}/manage/v1/tenant", server.base);
            Arc::new(move |_, _| client.get(&url).bearer_auth(&token))
        }
        Mode::Import => {
            let token = client_token(&client, server, "tenant:manage").await?;
            let url = format!("{}/manage/v1/users/import", server.base);
            let run = uuid::Uuid::now_v7().simple().to_string();
            Arc::new(move |worker, n| {
                let users: Vec<Value> = (0..IMPORT_BATCH)
                    .map(|i| {
                        let username = format!("u{run}w{worker}n{n}i{i}");
                        json!({
                            "username": username,
                            "email": format!("{username}@bench.example"),
                            "password_hash": BENCH_BCRYPT,
                        })
                    })
                    .collect();
                client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"users": users}))
            })
        }
        Mode::Account => {
            let token = client_token(&client, server, "users:write").await?;
            let url = format!("{}/api/v2/account/create/", server.base);
            let run = uuid::Uuid::now_v7().simple().to_string();
            Arc::new(move |worker, n| {
                let username = format!("u{run}w{worker}n{n}");
                client.post(&url).bearer_auth(&token).json(&json!({
                    "username": username,
                    "email": format!("{username}@bench.example"),
                    "password": "Bench-password-1",
                }))
            })
        }
    })
}

/// What a measured answer should be: created or served, or refused by the limit.
fn expected_status(mode: Option<Mode>) -> &'static str {
    if mode == Some(Mode::Reject) {
        "429"
    } else {
        "2"
    }
}

/// A client_credentials token of the benchmark tenant.
async fn client_token(
    client: &reqwest::Client,
    server: &Server,
    scope: &str,
) -> Result<String, BoxError> {
    let token: Value = client
        .post(format!("{}/oauth/token", server.base))
        .basic_auth(&server.client_id, Some(&server.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await?
        .json()
        .await?;
    Ok(token["access_token"]
        .as_str()
        .ok_or("no access_token from /oauth/token")?
        .to_owned())
}

impl Report {
    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.measured.as_secs_f64()
    }

    fn print(&self, rss_kib: Option<u64>) {
        let mut latencies = self.latencies.clone();
        latencies.sort_unstable();
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let what = match self.mode {
            Some(Mode::Token) => "client_credentials tokens",
            Some(Mode::Bearer) => "bearer-verified requests",
            Some(Mode::Account) => "account creations",
            Some(Mode::Reject) => "rate-limited sign-ups (429)",
            Some(Mode::Check) => "allowed rate-limit checks",
            Some(Mode::Import) => "import calls of 1,000 users",
            _ => "sign-ups",
        };
        println!(
            "{what}: {:.1}/s over {} s ({} answered as expected)",
            self.throughput(),
            self.measured.as_secs(),
            latencies.len()
        );
        println!(
            "latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}",
            percentile(0.50),
            percentile(0.95),
            percentile(0.99)
        );
        let errors: Vec<String> = self
            .statuses
            .iter()
            .filter(|(status, _)| !status.starts_with(expected_status(self.mode)))
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        println!(
            "errors: {}",
            if errors.is_empty() {
                "none".to_owned()
            } else {
                errors.join(", ")
            }
        );
        if self.mode == Some(Mode::Check) {
            return;
        }
        match rss_kib {
            Some(kib) => println!("server peak RSS: {:.1} MiB", kib as f64 / 1024.0),
            None => println!("server peak RSS: unknown (pass --pid)"),
        }
    }
}

/// VmHWM (peak resident set) of a process, from /proc.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}
