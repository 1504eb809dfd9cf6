//! The grants (RFC 6749 sections 4.3, 4.4 and 6): client_credentials,
//! password and refresh_token, with reuse detection for refresh tokens.

use sea_orm::{DbErr, TransactionTrait};
use tracing::instrument;
use uuid::Uuid;

use super::{
    IssuedTokens, TokenService,
    issue::{granted_scopes, user_scopes},
    service::Subject,
};
use crate::{
    auth::{hashing::Verified, secrets::hash_secret},
    domain::{
        Scope, Tenant, Username, audit,
        error::{Credential, Denied, Error},
        values::{Account, password::MAX_PASSWORD_CHARS},
    },
    store,
};

const INVALID_REFRESH: Error = Error::Unauthenticated(Credential::Grant("invalid refresh token"));

impl TokenService {
    /// A token for the tenant itself (RFC 6749 section 4.4); no refresh token.
    /// Not for a public client: its secret cannot be kept (it ships inside the
    /// app), so nothing that acts as the tenant itself is open to it, secret or not.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn client_credentials(
        &self,
        tenant: &Tenant,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        if tenant.policy.public_client {
            return Err(Error::Forbidden(Denied::Client(
                "a public client cannot use the client_credentials grant",
            )));
        }
        let scopes = granted_scopes(scope, &Scope::ALL)?;
        let subject = Subject {
            sub: tenant.client_id.to_string(),
            roles: Vec::new(),
        };
        let (access_token, expires_in) = self.access_token(tenant, &subject, &scopes)?;
        Ok(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: None,
            scope: Scope::join(&scopes),
        })
    }

    /// Resource owner password credentials (RFC 6749 section 4.3). Unknown users
    /// cost the same hash time as a wrong password; every guess holds one of the
    /// name's allowed failures while it is judged (see
    /// [`RateLimits::login_attempt`]).
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn password(
        &self,
        tenant: &Tenant,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        const REFUSED: Error =
            Error::Unauthenticated(Credential::Grant("invalid username or password"));
        // No password that long was ever accepted, and hashing whatever arrives
        // would let one request buy a long argon2 run.
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(REFUSED);
        }
        // A name that cannot parse cannot exist, nor be locked out.
        let key = Username::parse(username, tenant.policy.signup_username_rules()).ok();
        let attempt = match &key {
            Some(key) => match self.limits.login_attempt(tenant, key.key()).await? {
                Some(attempt) => Some((key.key(), attempt)),
                None => return Err(REFUSED),
            },
            None => None,
        };
        let judged = self.judge(tenant, key.as_ref(), password).await;
        let (user, verified) = match judged {
            Ok(judged) => judged,
            Err(err) => {
                // Not judged (the pool is full, say): the guess takes nothing.
                if let Some((key, attempt)) = attempt {
                    self.limits.login_succeeded(tenant, key, attempt).await?;
                }
                return Err(err);
            }
        };
        let user = match user {
            Some(user) if verified.matches => user,
            wrong => {
                if let Some((key, attempt)) = attempt {
                    self.limits.login_failed(tenant, key, attempt).await?;
                }
                // The attempted name, bounded: it is the caller's input.
                let attempted: String = username.chars().take(150).collect();
                let event = audit::Event {
                    kind: audit::Kind::LoginFailed,
                    subject: wrong.map(|user| audit::user(user.uuid)),
                    detail: Some(serde_json::json!({"username": attempted})),
                };
                audit::record(&self.db, tenant.id, self.clock.now(), &[event]).await?;
                return Err(REFUSED);
            }
        };
        if let Some((key, attempt)) = attempt {
            self.limits.login_succeeded(tenant, key, attempt).await?;
        }
        if user.is_disabled() {
            return Err(Error::Unauthenticated(Credential::Grant(
                "the account is disabled",
            )));
        }
        let rehashed = if verified.outdated {
            let parsed =
                crate::domain::Password::parse(password, crate::domain::PasswordPolicy::LENIENT)
                    .map_err(|_| REFUSED)?;
            Some(self.hasher.hash(&parsed).await?)
        } else {
            None
        };
        // The login is recorded, the hash upgraded and the refresh token stored
        // only if the hash just verified is still the user's (a reset may have
        // replaced it while we hashed): in one transaction, the user's row locked.
        let verified_hash = user.password_hash.clone();
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let current = store::users::lock(&txn, tenant.id, user.id).await?;
        let still = current.is_some_and(|current| {
            current.password_hash == verified_hash && !current.is_disabled()
        });
        if !still {
            return Err(REFUSED);
        }
        // The roles as they stand with the row locked: a demotion that landed
        // while we hashed is seen.
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        let scopes = granted_scopes(scope, &user_scopes(&roles))?;
        store::users::record_login(&txn, tenant.id, user.id, rehashed, now).await?;
        let subject = Subject {
            sub: user.id.to_string(),
            roles,
        };
        let issued = self
            .user_tokens(&txn, tenant, &user, &subject, &scopes, Uuid::now_v7(), None)
            .await?
            .ok_or(REFUSED)?;
        txn.commit().await?;
        Ok(issued)
    }

    /// The user a name belongs to, and whether `password` is theirs; a name
    /// nobody holds (or that cannot exist) costs one hash all the same.
    async fn judge(
        &self,
        tenant: &Tenant,
        key: Option<&Username>,
        password: &str,
    ) -> Result<(Option<Account>, Verified), Error> {
        let user = match key {
            Some(key) => store::users::find_by_username_key(&self.db, tenant.id, key.key()).await?,
            None => None,
        };
        match user.and_then(|u| u.password_hash.clone().map(|hash| (u, hash))) {
            Some((user, stored_hash)) => {
                let verified = self.hasher.verify(&stored_hash, password).await?;
                if !verified.matches {
                    tracing::info!(user_id = user.id, "password grant refused: wrong password");
                }
                Ok((Some(user), verified))
            }
            None => {
                self.hasher.verify_dummy(password).await?;
                Ok((None, Verified::NO_MATCH))
            }
        }
    }

    /// Refresh token rotation (RFC 6749 section 6, with reuse detection): a spent
    /// token presented again revokes its whole family, and so does a race of two
    /// refreshes of one token: the loser revokes the family, winner's new token
    /// included, since the winner stored it in the transaction that spent the old.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn refresh(
        &self,
        tenant: &Tenant,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        let now = self.clock.now();
        let stored = store::refresh_tokens::find(&self.db, &hash_secret(refresh_token))
            .await?
            .filter(|t| t.tenant_id == tenant.id)
            .ok_or(INVALID_REFRESH)?;
        if stored.revoked_at.is_some() || stored.expires_at <= now {
            return Err(INVALID_REFRESH);
        }
        if stored.used_at.is_some() {
            return Err(self.reused(tenant, stored.user_id, stored.family).await);
        }
        // The rotation, a reset, a disable and a reuse's revocation all lock the
        // user's row first, so each sees what the others committed: no token
        // minted during a reset or a reuse survives it.
        let txn = self.db.begin().await?;
        let user = store::users::lock(&txn, tenant.id, stored.user_id)
            .await?
            .filter(|u| !u.is_disabled())
            .ok_or(INVALID_REFRESH)?;
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        // What the token carried, but no more than the user may hold today.
        let allowed: Vec<Scope> = Scope::parse_list(&stored.scope)
            .unwrap_or_default()
            .into_iter()
            .filter(|scope| user_scopes(&roles).contains(scope))
            .collect();
        let scopes = granted_scopes(scope, &allowed)?;
        let subject = Subject {
            sub: user.id.to_string(),
            roles,
        };
        let issued = self
            .user_tokens(
                &txn,
                tenant,
                &user,
                &subject,
                &scopes,
                stored.family,
                Some(stored.id),
            )
            .await?;
        match issued {
            Some(issued) => {
                txn.commit().await?;
                Ok(issued)
            }
            None => {
                drop(txn);
                Err(self.reused(tenant, stored.user_id, stored.family).await)
            }
        }
    }

    /// A spent refresh token came back: every token of its family is revoked,
    /// with the user's row locked so that a rotation still in flight commits
    /// its new token first and is revoked too.
    async fn reused(&self, tenant: &Tenant, user_id: i64, family: Uuid) -> Error {
        let revoked = async {
            let txn = self.db.begin().await?;
            store::users::lock(&txn, tenant.id, user_id).await?;
            let revoked =
                store::refresh_tokens::revoke_family(&txn, family, self.clock.now()).await?;
            txn.commit().await?;
            Ok::<_, DbErr>(revoked)
        };
        match revoked.await {
            Ok(revoked) => {
                tracing::warn!(%family, revoked, "refresh token reused: family revoked");
                INVALID_REFRESH
            }
            Err(err) => err.into(),
        }
    }
}
