//! Access tokens revoked before they expire (RFC 7009): a deny list kept in the
//! database and mirrored in memory, so a bearer check stays a local lookup.
//! Revocations made by another instance arrive with the next [`Revocations::sync`].

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use sea_orm::TransactionTrait;
use tracing::instrument;

use super::{TokenService, introspection::is_access_token};
use crate::{
    auth::{secrets::hash_secret, tokens::TokenError},
    domain::{
        Clock, Tenant, audit,
        error::{Denied, Error},
    },
    store,
};

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

impl TokenService {
    /// Revokes a token of `tenant`: an access token is denied until it expires, a
    /// refresh token takes the rest of its family with it. Unknown, malformed and
    /// expired tokens need nothing (RFC 7009 section 2.2); another tenant's token
    /// is refused.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn revoke(&self, tenant: &Tenant, token: &str) -> Result<(), Error> {
        const FOREIGN: Error =
            Error::Forbidden(Denied::Client("the token was issued to another client"));
        if is_access_token(token) {
            let claims = match self.verify_access(token).await {
                Ok(claims) => claims,
                Err(TokenError::Keys(err)) => return Err(err.into()),
                Err(_) => return Ok(()),
            };
            if claims.tid != tenant.id {
                return Err(FOREIGN);
            }
            self.revocations
                .revoke(tenant.id, &claims.jti, claims.exp)
                .await?;
            tracing::info!(jti = %claims.jti, "access token revoked");
            let event = audit::Event::new(audit::Kind::TokenRevoked, format!("jti:{}", claims.jti))
                .with_detail(serde_json::json!({"token_type": "access_token", "sub": claims.sub}));
            audit::record(&self.db, tenant.id, self.clock.now(), &[event]).await?;
            return Ok(());
        }
        let Some(stored) = store::refresh_tokens::find(&self.db, &hash_secret(token)).await? else {
            return Ok(());
        };
        if stored.tenant_id != tenant.id {
            return Err(FOREIGN);
        }
        // Under the user's lock, like a rotation: one in flight commits its
        // new token first, and the revocation takes that one too.
        let txn = self.db.begin().await?;
        store::users::lock(&txn, tenant.id, stored.user_id).await?;
        let now = self.clock.now();
        let revoked = store::refresh_tokens::revoke_family(&txn, stored.family, now).await?;
        let event = audit::Event::new(
            audit::Kind::TokenRevoked,
            format!("family:{}", stored.family),
        )
        .with_detail(serde_json::json!({"token_type": "refresh_token", "revoked": revoked}));
        store::audit::insert(&txn, tenant.id, now, &audit::current(), &[event]).await?;
        txn.commit().await?;
        tracing::info!(family = %stored.family, revoked, "refresh token family revoked");
        Ok(())
    }
}
