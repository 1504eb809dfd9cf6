//! Access tokens revoked before they expire (RFC 7009): a deny list kept in the
//! database and mirrored in memory, so a bearer check stays a local lookup.
//! Revocations made by another instance arrive with the next [`Revocations::sync`].

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::Clock;
use crate::store;

/// How often running servers pull revocations made elsewhere.
pub const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);
/// Each sync also re-reads this much history, so a revocation stamped just before
/// a sync but committed after it (or by an instance whose clock lags) is not missed.
const SYNC_OVERLAP: Duration = Duration::seconds(30);

#[derive(Clone)]
pub struct Revocations {
    db: DatabaseConnection,
    clock: Clock,
    state: Arc<RwLock<State>>,
}

#[derive(Default)]
struct State {
    /// `jti` → expiry (Unix seconds).
    denied: HashMap<String, i64>,
    synced_at: Option<DateTime<Utc>>,
}

impl Revocations {
    pub async fn load(db: DatabaseConnection, clock: Clock) -> Result<Self, DbErr> {
        let revocations = Self {
            db,
            clock,
            state: Arc::default(),
        };
        revocations.sync().await?;
        Ok(revocations)
    }

    /// Whether the access token with this `jti` was revoked. A poisoned lock
    /// answers "revoked": failing closed is the safe side.
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.state
            .read()
            .map_or(true, |state| state.denied.contains_key(jti))
    }

    /// Denies the token until it expires, here at once and elsewhere after a sync.
    pub async fn revoke(&self, tenant_id: i64, jti: &str, expires_at: i64) -> Result<(), DbErr> {
        let expiry = DateTime::from_timestamp(expires_at, 0)
            .ok_or_else(|| DbErr::Custom(format!("token expiry {expires_at} is out of range")))?;
        store::revoked_tokens::insert(&self.db, jti, tenant_id, expiry, self.clock.now()).await?;
        if let Ok(mut state) = self.state.write() {
            state.denied.insert(jti.to_owned(), expires_at);
        }
        Ok(())
    }

    /// Pulls revocations made since the last sync and forgets expired ones.
    pub async fn sync(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        let since = self
            .state
            .read()
            .ok()
            .and_then(|state| state.synced_at)
            .map_or(DateTime::UNIX_EPOCH, |at| at - SYNC_OVERLAP);
        let fresh = store::revoked_tokens::revoked_since(&self.db, since, now).await?;
        if let Ok(mut state) = self.state.write() {
            let now_secs = now.timestamp();
            state.denied.retain(|_, exp| *exp > now_secs);
            for (jti, expires_at) in fresh {
                state.denied.insert(jti, expires_at.timestamp());
            }
            state.synced_at = Some(now);
        }
        Ok(())
    }
}
