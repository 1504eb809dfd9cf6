//! This instance follows the change feed (`store::changes`): what the CLI or
//! another instance changed reaches it within a second, not after a cache's
//! lifetime. A tenant's cached policy and secrets are dropped, the signing keys
//! reloaded (so it never signs with a key retired elsewhere for longer than
//! that), revocations pulled. The feed is read every half second, and at once
//! when PostgreSQL notifies of a commit; the caches' own lifetimes stay as the
//! fallback should the feed fail.

use std::{collections::HashSet, sync::Arc, time::Duration};

use tokio::sync::Notify;

use crate::{
    context::AppContext,
    store::changes::{self, Change},
};

/// How often the feed is read without a notification.
const INTERVAL: Duration = Duration::from_millis(500);

/// Follows the feed from its newest entry on, for as long as the server runs.
pub async fn follow(ctx: AppContext) {
    let wake = Arc::new(Notify::new());
    if let Some(listening) = changes::notifications(ctx.db.clone(), Arc::clone(&wake)) {
        tokio::spawn(listening);
    }
    let mut last = changes::latest(&ctx.db).await.unwrap_or_default();
    let mut every = tokio::time::interval(INTERVAL);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = wake.notified() => {}
        }
        match changes::after(&ctx.db, last).await {
            Ok(news) => {
                failing = false;
                let Some((newest, _)) = news.last() else {
                    continue;
                };
                // A gap (rows pruned while this instance was away, or a rolled
                // back id) may hide a change: everything is refreshed then.
                let gap = news.first().is_some_and(|(first, _)| *first != last + 1);
                let newest = *newest;
                apply(
                    &ctx,
                    Batch::of(news.into_iter().map(|(_, change)| change), gap),
                )
                .await;
                last = newest;
            }
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(error = %err, "the change feed cannot be read; retrying");
            }
            Err(_) => {}
        }
    }
}

/// A batch of changes, merged: each cache is refreshed once however many rows
/// named it (revocations, say, come in floods).
#[derive(Default)]
struct Batch {
    tenants: HashSet<String>,
    all_tenants: bool,
    keys: bool,
    revocations: bool,
}

impl Batch {
    fn of(changes: impl Iterator<Item = Change>, gap: bool) -> Self {
        let mut batch = Self {
            all_tenants: gap,
            keys: gap,
            revocations: gap,
            ..Self::default()
        };
        for change in changes {
            match change {
                Change::Tenant(client_id) => {
                    batch.tenants.insert(client_id);
                }
                Change::Keys => batch.keys = true,
                Change::Revocations => batch.revocations = true,
            }
        }
        batch
    }
}

async fn apply(ctx: &AppContext, batch: Batch) {
    if batch.all_tenants {
        ctx.tenants.forget_all();
    }
    for client_id in &batch.tenants {
        ctx.tenants.forget(client_id);
    }
    if batch.all_tenants || !batch.tenants.is_empty() {
        ctx.tokens.forget_secrets();
    }
    if batch.keys
        && let Err(err) = ctx.tokens.keys().reload().await
    {
        tracing::warn!(error = %err, "signing keys could not be reloaded");
    }
    if batch.revocations
        && let Err(err) = ctx.tokens.revocations().sync().await
    {
        tracing::warn!(error = %err, "revoked tokens could not be synced");
    }
}
