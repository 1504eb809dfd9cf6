//! Layered configuration: defaults, then an optional TOML file, then `PORTCULLIS_*`
//! environment variables (nested keys use `__`, e.g. `PORTCULLIS_ARGON2__MEMORY_KIB`).

use std::{net::SocketAddr, path::Path};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use crate::{
    auth::hashing::Argon2Config,
    domain::tokens::TokensConfig,
    ratelimit::{RateLimitConfig, RateLimitPolicies},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// sea-orm connection URL (`sqlite://...`, `postgres://...` or `mysql://...`).
    pub database_url: String,
    /// Upper bound of the database connection pool.
    pub database_max_connections: u32,
    pub argon2: Argon2Config,
    pub hashing: HashingConfig,
    pub tokens: TokensConfig,
    /// Redis for the shared rate limits (`redis` and `layered` backends); several
    /// comma-separated URLs name the nodes of a Redis Cluster.
    pub redis_url: String,
    pub rate_limit: RateLimitConfig,
    /// Base64 of 32 random bytes that seal token-signing keys at rest
    /// (`PORTCULLIS_MASTER_KEY`). Without it, keys are stored unencrypted.
    pub master_key: Option<Redacted>,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter directive; `RUST_LOG` wins when set.
    pub log_level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashingConfig {
    /// Concurrent argon2 computations; 0 means one per available core.
    pub slots: usize,
    /// Requests allowed to wait for a slot; beyond that the service sheds load (503).
    pub queue_depth: usize,
}

/// A secret configuration value: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://portcullis.db?mode=rwc".to_owned(),
            database_max_connections: 16,
            argon2: Argon2Config::default(),
            hashing: HashingConfig::default(),
            tokens: TokensConfig::default(),
            redis_url: "redis://127.0.0.1:6379".to_owned(),
            rate_limit: RateLimitConfig::default(),
            master_key: None,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
        }
    }
}

impl Default for HashingConfig {
    fn default() -> Self {
        Self {
            slots: 0,
            queue_depth: 64,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid configuration key `{key}`: {reason}")]
    Key { key: &'static str, reason: String },
}

impl Config {
    /// Loads the configuration; `file` comes from `--config` or `PORTCULLIS_CONFIG`.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // PORTCULLIS_CONFIG names the file and PORTCULLIS_TEST_* belong to the test suite;
        // neither is a configuration key.
        let env = Env::prefixed("PORTCULLIS_")
            .filter(|key| {
                key != "config" && !key.as_str().to_ascii_lowercase().starts_with("test_")
            })
            .split("__");
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|err| ConfigError::Invalid(Box::new(err)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        argon2::Params::new(
            self.argon2.memory_kib,
            self.argon2.iterations,
            self.argon2.parallelism,
            None,
        )
        .map_err(|err| ConfigError::Key {
            key: "argon2",
            reason: err.to_string(),
        })?;
        if !["sqlite:", "postgres", "mysql:"]
            .iter()
            .any(|scheme| self.database_url.starts_with(scheme))
        {
            return Err(ConfigError::Key {
                key: "database_url",
                reason: "expected a sqlite://, postgres:// or mysql:// URL".to_owned(),
            });
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Key {
                key: "database_max_connections",
                reason: "must be at least 1".to_owned(),
            });
        }
        if self.hashing.queue_depth == 0 {
            return Err(ConfigError::Key {
                key: "hashing.queue_depth",
                reason: "must be at least 1".to_owned(),
            });
        }
        if let Some(master_key) = &self.master_key {
            crate::auth::master_key::MasterKey::parse(master_key.expose()).map_err(|err| {
                ConfigError::Key {
                    key: "master_key",
                    reason: err.to_string(),
                }
            })?;
        }
        if self.tokens.access_ttl_secs == 0 || self.tokens.refresh_ttl_secs == 0 {
            return Err(ConfigError::Key {
                key: "tokens",
                reason: "token lifetimes must be at least 1 second".to_owned(),
            });
        }
        if let Err(reason) = crate::ratelimit::trusted_proxies::TrustedProxies::parse(
            &self.rate_limit.trusted_proxies,
        ) {
            return Err(ConfigError::Key {
                key: "rate_limit.trusted_proxies",
                reason,
            });
        }
        if self.rate_limit.redis_timeout_ms == 0 || self.rate_limit.instances == 0 {
            return Err(ConfigError::Key {
                key: "rate_limit",
                reason: "redis_timeout_ms and instances must be at least 1".to_owned(),
            });
        }
        Ok(())
    }

    /// The issuer tokens name and the discovery document lists: `tokens.issuer`,
    /// else `http://` and the `listen` address (loopback when that is an
    /// unspecified address such as `0.0.0.0`).
    pub fn issuer(&self) -> String {
        match &self.tokens.issuer {
            Some(issuer) => issuer.trim_end_matches('/').to_owned(),
            None => {
                let mut address = self.listen;
                if address.ip().is_unspecified() {
                    let loopback: std::net::IpAddr = if address.is_ipv6() {
                        std::net::Ipv6Addr::LOCALHOST.into()
                    } else {
                        std::net::Ipv4Addr::LOCALHOST.into()
                    };
                    address.set_ip(loopback);
                }
                format!("http://{address}")
            }
        }
    }

    /// The number of hashing slots, resolving 0 to the available cores.
    pub fn hashing_slots(&self) -> usize {
        match self.hashing.slots {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_documents_exactly_the_defaults() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/portcullis.example.toml"
        );
        let example: Config = Figment::from(Toml::file_exact(path)).extract().unwrap();
        assert_eq!(example, Config::default());
    }

    /// Every `PORTCULLIS_*` variable and TOML key the deployment files set is a
    /// configuration key.
    #[test]
    fn the_deployment_files_use_only_known_keys() {
        let deploy = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");
        let k8s_config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file_exact(format!("{deploy}/k8s/portcullis.toml")))
            .extract()
            .unwrap();
        k8s_config.validate().unwrap();

        let schema = serde_json::to_value(Config::default()).unwrap();
        let known = |variable: &str| {
            let path = variable
                .trim_start_matches("PORTCULLIS_")
                .to_ascii_lowercase();
            path.split("__")
                .try_fold(&schema, |node, key| node.get(key))
                .is_some()
        };
        let variable = regex::Regex::new(r"PORTCULLIS_[A-Z0-9_]+").unwrap();
        let files = ["Dockerfile", "docker-compose.yml"]
            .map(|f| format!("{deploy}/{f}"))
            .into_iter()
            .chain(
                std::fs::read_dir(format!("{deploy}/k8s"))
                    .unwrap()
                    .map(|entry| entry.unwrap().path().display().to_string()),
            );
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for found in variable.find_iter(&text) {
                let name = found.as_str();
                assert!(
                    name == "PORTCULLIS_CONFIG" || known(name),
                    "{file}: {name} is not a configuration key"
                );
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} variables found");
        assert!(!known("PORTCULLIS_RATE_LIMIT__NO_SUCH_KEY"));
    }

    /// Every database URL the deployment files set passes validation, and
    /// docker-compose.yml has a `mariadb` profile on a `mysql://` URL. The check
    /// is textual, so a URL is checked where it is written, YAML anchors
    /// included; deploy/check resolves anchors and merges and checks that each
    /// compose service running Portcullis, in every profile, gets the right one.
    #[test]
    fn the_deployment_files_use_only_valid_database_urls() {
        let deploy = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");
        let url = regex::Regex::new(r#"PORTCULLIS_DATABASE_URL: *"?([^"\s]+)"#).unwrap();
        let mut schemes = Vec::new();
        for file in ["docker-compose.yml", "k8s/secret.example.yaml"] {
            let text = std::fs::read_to_string(format!("{deploy}/{file}")).unwrap();
            for found in url.captures_iter(&text) {
                let database_url = found[1].to_owned();
                let config = Config {
                    database_url: database_url.clone(),
                    ..Config::default()
                };
                assert!(config.validate().is_ok(), "{file}: {database_url}");
                schemes.push(database_url.split(':').next().unwrap().to_owned());
            }
        }
        assert!(schemes.iter().any(|s| s == "postgres"), "{schemes:?}");
        assert!(schemes.iter().any(|s| s == "mysql"), "{schemes:?}");
        let compose = std::fs::read_to_string(format!("{deploy}/docker-compose.yml")).unwrap();
        assert!(compose.contains("profiles: [mariadb]"));
    }

    #[test]
    fn lists_come_as_lists_or_comma_separated_text() {
        let read = |toml: &str| -> Vec<String> {
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::string(toml))
                .extract::<Config>()
                .unwrap()
                .rate_limit
                .trusted_proxies
        };
        let both = ["127.0.0.1".to_owned(), "10.0.0.0/8".to_owned()];
        assert_eq!(
            read("[rate_limit]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]"),
            both
        );
        assert_eq!(
            read("[rate_limit]\ntrusted_proxies = \"127.0.0.1, 10.0.0.0/8\""),
            both
        );
    }

    #[test]
    fn the_issuer_follows_listen_unless_set() {
        let mut config = Config::default();
        assert_eq!(config.issuer(), "http://127.0.0.1:8080");
        config.listen = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(config.issuer(), "http://127.0.0.1:9000");
        config.listen = "[::]:9000".parse().unwrap();
        assert_eq!(config.issuer(), "http://[::1]:9000");
        config.tokens.issuer = Some("https://id.example.com/".to_owned());
        assert_eq!(config.issuer(), "https://id.example.com");
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let mut config = Config::default();
        config.hashing.queue_depth = 0;
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("hashing.queue_depth"), "{err}");

        let mut config = Config::default();
        config.argon2.memory_kib = 1;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("argon2")
        );

        let config = Config {
            database_url: "mongodb://x".to_owned(),
            ..Config::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("database_url")
        );
    }
}
