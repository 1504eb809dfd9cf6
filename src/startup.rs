//! Builds the application (database, migrations, context, listener) and serves it
//! until a shutdown signal, draining in-flight requests.

use std::{future::Future, net::SocketAddr, time::Duration};

use poem::{
    Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};

use crate::{
    api,
    config::Config,
    context::AppContext,
    domain::{Clock, tokens::revocation},
    following, store,
};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long in-flight requests may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a running server re-reads the signing keys.
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(30);
/// How often in-process rate-limit state that has refilled is dropped.
const LIMITER_EVICTION_INTERVAL: Duration = Duration::from_secs(60);

pub struct Application {
    acceptor: TcpAcceptor,
    ctx: AppContext,
}

impl Application {
    /// Binds `config.listen` (port 0 picks a free port), connects and migrates.
    pub async fn build(config: &Config, clock: Clock) -> Result<Self, BoxError> {
        let acceptor = TcpListener::bind(config.listen)
            .into_acceptor()
            .await
            .map_err(|err| format!("cannot listen on {}: {err}", config.listen))?;
        // The address actually bound, which an issuer derived from `listen` names.
        let mut config = config.clone();
        if let Some(bound) = bound_address(&acceptor) {
            config.listen = bound;
        }
        let ctx = connect(&config, clock).await?;
        tracing::info!(issuer = ctx.tokens.issuer(), "token issuer");
        // Connect to Redis (and load the script) before the first request needs it.
        let limiter = ctx.limits.state().await;
        tracing::info!(rate_limiter = limiter.as_str(), "rate limiter ready");
        Ok(Self { acceptor, ctx })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        bound_address(&self.acceptor)
    }

    pub fn context(&self) -> &AppContext {
        &self.ctx
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), BoxError> {
        if let Some(addr) = self.local_addr() {
            tracing::info!(%addr, "portcullis listening");
        }
        let reloading = tokio::spawn(refresh_shared_state(self.ctx.clone()));
        let following = tokio::spawn(following::follow(self.ctx.clone()));
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(api::app(self.ctx), shutdown, Some(DRAIN_TIMEOUT))
            .await;
        reloading.abort();
        following.abort();
        served?;
        tracing::info!("portcullis stopped");
        Ok(())
    }
}

fn bound_address(acceptor: &TcpAcceptor) -> Option<SocketAddr> {
    acceptor
        .local_addr()
        .first()
        .and_then(|addr| addr.as_socket_addr().copied())
}

/// Picks up what the CLI or other instances change (rotated or retired signing
/// keys, revoked access tokens) should the change feed miss it, and keeps
/// rate-limit memory bounded.
async fn refresh_shared_state(ctx: AppContext) {
    let mut keys_every = tokio::time::interval(KEY_RELOAD_INTERVAL);
    let mut revocations_every = tokio::time::interval(revocation::SYNC_INTERVAL);
    let mut eviction_every = tokio::time::interval(LIMITER_EVICTION_INTERVAL);
    loop {
        tokio::select! {
            _ = eviction_every.tick() => {
                ctx.limits.limiter().evict_idle();
                if let Err(err) = store::idempotency::purge_expired(&ctx.db, ctx.clock.now()).await {
                    tracing::warn!(error = %err, "expired idempotency keys could not be purged");
                }
            }
            _ = keys_every.tick() => {
                if let Err(err) = ctx.tokens.keys().reload().await {
                    tracing::warn!(error = %err, "signing keys could not be reloaded");
                }
            }
            _ = revocations_every.tick() => {
                if let Err(err) = ctx.tokens.revocations().sync().await {
                    tracing::warn!(error = %err, "revoked tokens could not be synced");
                }
            }
        }
    }
}

/// Opens the database, applies pending migrations and builds the shared context.
pub async fn connect(config: &Config, clock: Clock) -> Result<AppContext, BoxError> {
    store::migrate_alone(&config.database_url)
        .await
        .map_err(|err| format!("cannot apply migrations: {err}"))?;
    let db = store::connect(&config.database_url, config.database_max_connections)
        .await
        .map_err(|err| format!("cannot open database: {err}"))?;
    AppContext::new(config, db, clock).await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, draining");
}
