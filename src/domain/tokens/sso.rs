//! SSO sessions: a tenant's backend, which has authenticated a user its own way,
//! obtains that user's access and refresh tokens without a password.

use sea_orm::TransactionTrait;
use tracing::instrument;
use uuid::Uuid;

use super::{IssuedTokens, TokenService, issue::user_scopes, service::Subject};
use crate::{
    domain::{Error, Scope, Tenant},
    store,
};

/// How the backend names its user.
#[derive(Debug, Clone, Copy)]
pub enum UserRef {
    Id(i64),
    ExtId(i64),
}

/// What SSO names a user it cannot issue tokens for.
const NO_USER: Error = Error::NotFound("active user with this id in your tenant");

impl TokenService {
    /// A token pair for one of the tenant's users, as if they had logged in, with
    /// the user's scopes capped at `allowed` (the caller's own): a backend cannot
    /// mint more power than it holds.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn sso_tokens(
        &self,
        tenant: &Tenant,
        user: UserRef,
        allowed: &[Scope],
    ) -> Result<IssuedTokens, Error> {
        let found = match user {
            UserRef::Id(id) => store::users::find_by_id(&self.db, tenant.id, id).await?,
            UserRef::ExtId(ext_id) => {
                store::users::find_by_ext_id(&self.db, tenant.id, ext_id).await?
            }
        };
        let found = found.ok_or(NO_USER)?;
        // Judged with the user's row locked, in the transaction that stores the
        // refresh token: a disable landing meanwhile revokes it or refuses it.
        let txn = self.db.begin().await?;
        let user = store::users::lock(&txn, tenant.id, found.id)
            .await?
            .ok_or(NO_USER)?;
        if user.is_disabled() {
            return Err(NO_USER);
        }
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        let scopes: Vec<Scope> = user_scopes(&roles)
            .into_iter()
            .filter(|scope| allowed.contains(scope))
            .collect();
        let subject = Subject {
            sub: user.id.to_string(),
            roles,
        };
        store::users::record_login(&txn, tenant.id, user.id, None, self.clock.now()).await?;
        let issued = self
            .user_tokens(&txn, tenant, &user, &subject, &scopes, Uuid::now_v7(), None)
            .await?
            .ok_or(NO_USER)?;
        txn.commit().await?;
        tracing::info!(user_id = user.id, "SSO tokens issued");
        Ok(issued)
    }
}
