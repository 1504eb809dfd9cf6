//! Minting tokens: signed access tokens, stored refresh tokens, and the scopes
//! a token may carry.

use chrono::Duration;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{IssuedTokens, TokenService, service::Subject};
use crate::{
    auth::{
        secrets::generate_client_secret,
        tokens::{self, Claims},
    },
    domain::{
        Role, Scope, Tenant, audit,
        error::{Denied, Error},
        values::Account,
    },
    store::{self, refresh_tokens::NewRefreshToken},
};

impl TokenService {
    /// An access token and a refresh token for a user, the refresh token stored
    /// with the audit event of its issue in the caller's transaction; a rotation
    /// also spends the token it `replaces` there. `None` when that one was spent
    /// or revoked already (a replay, or a refresh raced by another): the caller
    /// rolls back and treats it as reuse.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn user_tokens<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &Tenant,
        user: &Account,
        subject: &Subject,
        scopes: &[Scope],
        family: Uuid,
        replaces: Option<i64>,
    ) -> Result<Option<IssuedTokens>, Error> {
        let (access_token, expires_in) = self.access_token(tenant, subject, scopes)?;
        let (refresh_token, token_hash) = generate_client_secret();
        let now = self.clock.now();
        let scope = Scope::join(scopes);
        let token = NewRefreshToken {
            token_hash: &token_hash,
            family,
            tenant_id: tenant.id,
            user_id: user.id,
            scope: &scope,
            now,
            expires_at: now + Duration::seconds(i64::from(self.settings.refresh_ttl_secs)),
        };
        if !store::refresh_tokens::issue(db, token, replaces).await? {
            return Ok(None);
        }
        // Client credentials tokens change nothing and are not audited; a user's
        // login is, with its refresh token.
        let event = audit::Event::new(audit::Kind::TokenIssued, audit::user(user.uuid))
            .with_detail(serde_json::json!({"scope": scope, "family": family}));
        store::audit::insert(db, tenant.id, now, &audit::current(), &[event]).await?;
        use secrecy::ExposeSecret;
        Ok(Some(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: Some(refresh_token.expose_secret().to_owned()),
            scope,
        }))
    }

    pub(super) fn access_token(
        &self,
        tenant: &Tenant,
        subject: &Subject,
        scopes: &[Scope],
    ) -> Result<(String, i64), Error> {
        let now = self.clock.now().timestamp();
        let ttl = i64::from(self.settings.access_ttl_secs);
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: subject.sub.clone(),
            aud: tenant.client_id.to_string(),
            client_id: tenant.client_id.to_string(),
            tid: tenant.id,
            roles: subject
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            scope: Scope::join(scopes),
            iat: now,
            exp: now + ttl,
            jti: Uuid::now_v7().to_string(),
        };
        Ok((tokens::sign(&self.keys, &claims)?, ttl))
    }
}

/// Scopes a user may hold: tenant admins get every scope, other users none.
pub(super) fn user_scopes(roles: &[Role]) -> Vec<Scope> {
    if roles.contains(&Role::Admin) {
        Scope::ALL.to_vec()
    } else {
        Vec::new()
    }
}

/// The requested scopes when all are allowed; everything allowed when none are
/// requested (RFC 6749 section 3.3 lets the server pick a default).
pub(super) fn granted_scopes(
    requested: Option<&str>,
    allowed: &[Scope],
) -> Result<Vec<Scope>, Error> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(allowed.to_vec());
    };
    let scopes = Scope::parse_list(requested).ok_or(Error::Forbidden(Denied::Scope))?;
    if scopes.iter().all(|s| allowed.contains(s)) {
        Ok(scopes)
    } else {
        Err(Error::Forbidden(Denied::Scope))
    }
}
