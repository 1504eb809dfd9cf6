//! Builds the application (database, migrations, context, listener) and serves it
//! until a shutdown signal, draining in-flight requests.

use std::{future::Future, net::SocketAddr, time::Duration};

use poem::{
    Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};

use crate::{api, config::Config, context::AppContext, domain::Clock, store};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long in-flight requests may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a running server re-reads the signing keys.
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

pub struct Application {
    acceptor: TcpAcceptor,
    ctx: AppContext,
}

impl Application {
    /// Connects, migrates and binds `config.listen` (port 0 picks a free port).
    pub async fn build(config: &Config, clock: Clock) -> Result<Self, BoxError> {
        let ctx = connect(config, clock).await?;
        let acceptor = TcpListener::bind(config.listen)
            .into_acceptor()
            .await
            .map_err(|err| format!("cannot listen on {}: {err}", config.listen))?;
        Ok(Self { acceptor, ctx })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().copied())
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
        let keys = self.ctx.tokens.keys().clone();
        let reloading = tokio::spawn(async move {
            // Picks up keys rotated or retired by the CLI or another instance.
            let mut every = tokio::time::interval(KEY_RELOAD_INTERVAL);
            loop {
                every.tick().await;
                if let Err(err) = keys.reload().await {
                    tracing::warn!(error = %err, "signing keys could not be reloaded");
                }
            }
        });
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(api::app(self.ctx), shutdown, Some(DRAIN_TIMEOUT))
            .await;
        reloading.abort();
        served?;
        tracing::info!("portcullis stopped");
        Ok(())
    }
}

/// Opens the database, applies pending migrations and builds the shared context.
pub async fn connect(config: &Config, clock: Clock) -> Result<AppContext, BoxError> {
    let db = store::connect(config)
        .await
        .map_err(|err| format!("cannot open database: {err}"))?;
    store::migrate(&db)
        .await
        .map_err(|err| format!("cannot apply migrations: {err}"))?;
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
