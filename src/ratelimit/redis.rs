//! The shared backend: GCRA in one Lua script on Redis or Redis Cluster, every
//! call bounded by a timeout.

use std::{sync::Arc, time::Duration};

use redis::{
    Client, Cmd, Pipeline, RedisFuture, RedisResult, Script, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};
use tokio::sync::OnceCell;

use super::{Decision, Key, Quota};

/// A failed or late Redis call.
#[derive(Debug, thiserror::Error)]
pub enum RedisFailure {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis answered {0:?}, not a GCRA result")]
    Unexpected(Vec<i64>),
}

#[derive(Clone)]
pub struct RedisLimiter {
    connection: Connection,
    namespace: Arc<str>,
    timeout: Duration,
    scripts: Arc<Scripts>,
}

struct Scripts {
    gcra: Script,
    refund: Script,
    lockout: Script,
}

#[derive(Clone)]
enum Connection {
    /// Multiplexed, reconnecting on its own.
    Single(ConnectionManager),
    /// Connected on first use, retried by later calls until it succeeds.
    Cluster(Arc<ClusterClient>, Arc<OnceCell<ClusterConnection>>),
}

impl RedisLimiter {
    /// Prepares the client without connecting: an instance starts while Redis is down.
    /// Several comma-separated URLs, or `cluster`, select the cluster client.
    pub fn new(url: &str, cluster: bool, namespace: &str, timeout: Duration) -> RedisResult<Self> {
        let nodes: Vec<&str> = url.split(',').map(str::trim).collect();
        let connection = if cluster || nodes.len() > 1 {
            let client = ClusterClient::builder(nodes)
                .connection_timeout(timeout.max(Duration::from_millis(250)))
                .response_timeout(timeout)
                .build()?;
            Connection::Cluster(Arc::new(client), Arc::default())
        } else {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(timeout.max(Duration::from_millis(250))))
                .set_response_timeout(Some(timeout))
                .set_number_of_retries(1);
            Connection::Single(ConnectionManager::new_lazy_with_config(
                Client::open(url)?,
                config,
            )?)
        };
        Ok(Self {
            connection,
            namespace: namespace.into(),
            timeout,
            scripts: Arc::new(Scripts {
                gcra: Script::new(include_str!("gcra.lua")),
                refund: Script::new(include_str!("refund.lua")),
                lockout: Script::new(include_str!("lockout.lua")),
            }),
        })
    }

    /// `namespace:{scope}:policy:subject`; the braces make the scope the Redis
    /// Cluster hash tag.
    fn redis_key(&self, key: &Key) -> String {
        format!(
            "{}:{{{}}}:{}:{}",
            self.namespace,
            key.scope,
            key.policy.as_str(),
            key.subject
        )
    }

    async fn connected(&self) -> Result<Live, RedisFailure> {
        match &self.connection {
            Connection::Single(connection) => Ok(Live::Single(connection.clone())),
            Connection::Cluster(client, cell) => {
                let connecting = async {
                    cell.get_or_try_init(|| client.get_async_connection())
                        .await
                        .map_err(RedisFailure::from)
                };
                let connection =
                    bounded(self.timeout.max(Duration::from_millis(500)), connecting).await?;
                Ok(Live::Cluster(connection.clone()))
            }
        }
    }

    /// Counts one request against every key, in one round trip; nothing is
    /// counted unless every key lets it pass.
    pub async fn check_all(&self, checks: &[(Key, Quota)]) -> Result<Vec<Decision>, RedisFailure> {
        let mut invocation = self.scripts.gcra.prepare_invoke();
        for (key, quota) in checks {
            invocation
                .key(self.redis_key(key))
                .arg(interval_micros(*quota))
                .arg(quota.limit);
        }
        let mut connection = self.connected().await?;
        let reply: Vec<i64> = bounded(self.timeout, async {
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
        if reply.len() != 4 * checks.len() {
            return Err(RedisFailure::Unexpected(reply));
        }
        let micros = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
        Ok(reply
            .chunks_exact(4)
            .zip(checks)
            .map(|(fields, (_, quota))| Decision {
                allowed: fields[0] == 1,
                limit: quota.limit,
                remaining: u32::try_from(fields[1]).unwrap_or(0),
                retry_after: micros(fields[2]),
                reset_after: micros(fields[3]),
            })
            .collect())
    }

    /// Gives back one cell on `key` (see `refund.lua`).
    pub async fn refund(&self, key: &Key, quota: Quota) -> Result<(), RedisFailure> {
        let mut invocation = self.scripts.refund.key(self.redis_key(key));
        invocation.arg(interval_micros(quota));
        let mut connection = self.connected().await?;
        bounded(self.timeout, async {
            let _: i64 = invocation.invoke_async(&mut connection).await?;
            Ok(())
        })
        .await
    }

    /// Locks `lock` for `duration`; `counter` goes when the lock does.
    pub async fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> Result<(), RedisFailure> {
        let millis = u64::try_from(duration.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut invocation = self.scripts.lockout.key(self.redis_key(lock));
        invocation.key(self.redis_key(counter)).arg(millis);
        let mut connection = self.connected().await?;
        bounded(self.timeout, async {
            let _: i64 = invocation.invoke_async(&mut connection).await?;
            Ok(())
        })
        .await
    }

    pub async fn blocked(&self, key: &Key) -> Result<Option<Duration>, RedisFailure> {
        let mut connection = self.connected().await?;
        let mut pttl = redis::cmd("PTTL");
        pttl.arg(self.redis_key(key));
        let millis: i64 = bounded(self.timeout, async {
            Ok(pttl.query_async(&mut connection).await?)
        })
        .await?;
        Ok(u64::try_from(millis)
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis))
    }

    /// Whether Redis can decide again: the GCRA script itself on a probe key, so
    /// an error that is not an outage (a missing permission, say) keeps the
    /// fallback rather than flapping. Allowed the time to connect afresh.
    pub async fn probe(&self) -> Result<(), RedisFailure> {
        let mut invocation = self
            .scripts
            .gcra
            .key(format!("{}:{{probe}}:probe", self.namespace));
        invocation.arg(1).arg(u32::MAX);
        let patience = self.timeout.max(PROBE_PATIENCE);
        bounded(patience, async {
            let mut connection = self.connected().await?;
            let _: Vec<i64> = invocation.invoke_async(&mut connection).await?;
            Ok(())
        })
        .await
    }
}

/// The time one request costs under `quota`, as the scripts take it.
fn interval_micros(quota: Quota) -> u64 {
    u64::try_from(quota.emission_interval().as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// How long a probe may take: long enough to open a connection.
const PROBE_PATIENCE: Duration = Duration::from_secs(1);

async fn bounded<T>(
    timeout: Duration,
    call: impl Future<Output = Result<T, RedisFailure>>,
) -> Result<T, RedisFailure> {
    tokio::time::timeout(timeout, call)
        .await
        .map_err(|_| RedisFailure::Timeout(timeout))?
}

/// A connection ready for one call.
enum Live {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Live {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Live::Single(connection) => connection.req_packed_command(cmd),
            Live::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Live::Single(connection) => connection.req_packed_commands(pipeline, offset, count),
            Live::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Live::Single(connection) => connection.get_db(),
            Live::Cluster(connection) => connection.get_db(),
        }
    }
}
