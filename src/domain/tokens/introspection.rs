//! Token introspection (RFC 7662) and revocation (RFC 7009). A client only ever
//! sees and revokes its own tenant's tokens.

use tracing::instrument;

use super::{TokenService, issue::user_scopes};
use crate::domain::{Error, Role, Scope, Tenant};
use crate::{
    auth::{secrets::hash_secret, tokens::TokenError},
    store,
};

/// What introspection reveals about an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    pub token_type: &'static str,
    pub scope: String,
    pub client_id: String,
    pub sub: String,
    pub aud: Option<String>,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Option<String>,
}

/// The scopes a user's token carries that the user may still hold.
fn within(scopes: &[Scope], roles: &[Role]) -> Vec<Scope> {
    let allowed = user_scopes(roles);
    scopes
        .iter()
        .copied()
        .filter(|scope| allowed.contains(scope))
        .collect()
}

/// Access tokens are JWS compact serializations; refresh tokens are opaque hex.
pub(super) fn is_access_token(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 2
}

impl TokenService {
    /// The token's details when it is active and belongs to `tenant`; `None` for
    /// anything else (unknown, expired, revoked, spent, or another tenant's), which
    /// callers must not tell apart.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn introspect(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<Option<TokenInfo>, Error> {
        if is_access_token(token) {
            let claims = match self.verify_access(token).await {
                Ok(claims) => claims,
                Err(TokenError::Keys(err)) => return Err(err.into()),
                Err(_) => return Ok(None),
            };
            // The bearer check's verdict: a disabled or deleted user's token is
            // not active, whatever its expiry says, and a user's token allows no
            // more than the user may hold today (a demoted admin's, nothing).
            let caller = match self.current_caller(token).await {
                Ok((caller, _)) => caller,
                Err(Error::Unauthenticated(_)) => return Ok(None),
                Err(err) => return Err(err),
            };
            let scopes = match caller.user_id {
                Some(_) => within(&caller.scopes, &caller.roles),
                None => caller.scopes,
            };
            return Ok((claims.tid == tenant.id).then(|| TokenInfo {
                token_type: "Bearer",
                scope: Scope::join(&scopes),
                client_id: claims.client_id.clone(),
                sub: claims.sub.clone(),
                aud: Some(claims.aud.clone()),
                iss: claims.iss.clone(),
                iat: claims.iat,
                exp: claims.exp,
                jti: Some(claims.jti.clone()),
            }));
        }
        let now = self.clock.now();
        let stored = store::refresh_tokens::find(&self.db, &hash_secret(token)).await?;
        let Some(stored) = stored.filter(|t| t.tenant_id == tenant.id) else {
            return Ok(None);
        };
        // The refresh grant's verdict: a disabled user's tokens refresh nothing,
        // and a refresh gives no more than the user may hold today.
        let user = store::users::find_by_id(&self.db, tenant.id, stored.user_id).await?;
        if user.is_none_or(|user| user.is_disabled()) {
            return Ok(None);
        }
        let roles = store::users::roles_of(&self.db, tenant.id, stored.user_id).await?;
        let scopes = within(
            &Scope::parse_list(&stored.scope).unwrap_or_default(),
            &roles,
        );
        Ok(Some(stored)
            .filter(|t| t.used_at.is_none() && t.revoked_at.is_none() && t.expires_at > now)
            .map(|t| TokenInfo {
                token_type: "refresh_token",
                scope: Scope::join(&scopes),
                client_id: tenant.client_id.to_string(),
                sub: t.user_id.to_string(),
                aud: None,
                iss: self.issuer().to_owned(),
                iat: t.created_at.timestamp(),
                exp: t.expires_at.timestamp(),
                jti: None,
            }))
    }
}
