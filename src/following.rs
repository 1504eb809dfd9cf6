//! This instance follows the change feed (`store::changes`): what the CLI or
//! another instance changed reaches it within a second, not after a cache's
//! lifetime. A tenant's cached policy and secrets are dropped, the signing keys
//! reloaded (so it never signs with a key retired elsewhere for longer than
//! that), revocations pulled. The feed is read every half second, and at once
//! when PostgreSQL notifies of a commit; the caches' own lifetimes stay as the
//! fallback should the feed fail.

use std::{sync::Arc, time::Duration};

use sea_orm::{DatabaseBackend, DatabaseConnection, sqlx::postgres::PgListener};
use tokio::sync::Notify;

use crate::{
    context::AppContext,
    store::changes::{self, CHANNEL, Change},
};

/// How often the feed is read without a notification.
const INTERVAL: Duration = Duration::from_millis(500);

/// Follows the feed from its newest entry on, for as long as the server runs.
pub async fn follow(ctx: AppContext) {
    let wake = Arc::new(Notify::new());
    if ctx.db.get_database_backend() == DatabaseBackend::Postgres {
        tokio::spawn(listen(ctx.db.clone(), Arc::clone(&wake)));
    }
    let mut last = changes::latest(&ctx.db).await.unwrap_or_default();
    let mut every = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = wake.notified() => {}
        }
        match changes::after(&ctx.db, last).await {
            Ok(news) => {
                for (id, change) in news {
                    apply(&ctx, &change).await;
                    last = id;
                }
            }
            Err(err) => tracing::warn!(error = %err, "the change feed could not be read"),
        }
    }
}

async fn apply(ctx: &AppContext, change: &Change) {
    match change {
        Change::Tenant(client_id) => {
            ctx.tenants.forget(client_id);
            ctx.tokens.forget_secrets();
        }
        Change::Keys => {
            if let Err(err) = ctx.tokens.keys().reload().await {
                tracing::warn!(error = %err, "signing keys could not be reloaded");
            }
        }
        Change::Revocations => {
            if let Err(err) = ctx.tokens.revocations().sync().await {
                tracing::warn!(error = %err, "revoked tokens could not be synced");
            }
        }
    }
}

/// Wakes the follower whenever PostgreSQL says a change committed; reconnects
/// after a failure (the half-second reads go on meanwhile).
async fn listen(db: DatabaseConnection, wake: Arc<Notify>) {
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(CHANNEL).await?;
            loop {
                listener.recv().await?;
                wake.notify_one();
            }
        };
        let result: Result<(), sea_orm::sqlx::Error> = listening.await;
        if let Err(err) = result {
            tracing::debug!(error = %err, "change notifications interrupted");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
