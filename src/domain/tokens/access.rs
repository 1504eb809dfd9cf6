//! Who is calling a protected surface, and whether they may do what they ask.

use std::sync::Arc;

use super::TokenService;
use crate::domain::{
    Role, Scope, Tenant, audit,
    error::{Credential, Denied, Error},
};
use crate::{
    auth::tokens::{self, Claims, TokenError},
    store,
};

/// The verified caller behind a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant the token belongs to; every protected operation is scoped to it.
    pub tenant_id: i64,
    pub client_id: String,
    /// `Some(user id)` for user tokens, `None` for the tenant's own
    /// (client_credentials) tokens.
    pub user_id: Option<i64>,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// Who acts, for per-subject rate limits: a user, or the tenant's backend.
    pub fn subject(&self) -> String {
        self.user_id
            .map_or_else(|| "client".to_owned(), |id| format!("user:{id}"))
    }
}

/// A bearer token that does not (or no longer) stands for anyone.
const INVALID_TOKEN: Error = Error::Unauthenticated(Credential::Token);

/// Who asks for roles to be granted, and so which roles may be.
#[derive(Debug, Clone, Copy)]
pub enum Grantor<'a> {
    /// The operator at the command line: any role.
    Operator,
    /// Nobody authenticated (the public sign-up): no role at all.
    Anonymous,
    /// The caller behind a bearer token: any role but `admin`, which only a token
    /// that may manage the tenant may grant (see [`Caller::may_grant_admin`]).
    Caller(&'a Caller),
}

impl Grantor<'_> {
    pub fn may_grant(self, role: Role) -> bool {
        match self {
            Grantor::Operator => true,
            Grantor::Anonymous => false,
            Grantor::Caller(caller) => role != Role::Admin || caller.may_grant_admin(),
        }
    }
}

impl Caller {
    /// Who may make users tenant admins: whoever may manage the tenant, since an
    /// admin gets `tenant:manage`. That is a token holding `tenant:manage`: the
    /// tenant's own, or a tenant admin's (a user token capped to fewer scopes,
    /// as `/api/v2/sso/token` issues them, may not regain what the cap removed).
    pub fn may_grant_admin(&self) -> bool {
        let admin = self.user_id.is_none() || self.roles.contains(&Role::Admin);
        admin && self.scopes.contains(&Scope::TenantManage)
    }

    /// A user token must be a tenant admin's, and every token must carry the
    /// operation's scope (an admin may have asked for fewer than all).
    pub fn require(&self, needed: Scope) -> Result<(), Error> {
        let admin = self.user_id.is_none() || self.roles.contains(&Role::Admin);
        let allowed = admin && self.scopes.contains(&needed);
        if allowed {
            Ok(())
        } else {
            Err(Error::Forbidden(Denied::MissingScope(needed)))
        }
    }
}

impl TokenService {
    /// The claims of a valid access token: signed by an active key for this issuer
    /// (checked once per token, then cached), unexpired by the service clock, and
    /// not revoked.
    pub async fn verify_access(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        let generation = self.keys.generation();
        let claims = match self.verified.get(token, generation) {
            Some(claims) => claims,
            None => {
                let claims = tokens::verify(&self.keys, token, self.issuer(), self.now()).await?;
                let claims = Arc::new(claims);
                self.verified.put(token, generation, Arc::clone(&claims));
                claims
            }
        };
        if claims.exp <= self.now().timestamp() {
            return Err(TokenError::Expired);
        }
        if self.revocations.is_revoked(&claims.jti) {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }

    /// The caller and the tenant a bearer token acts on, once the caller is
    /// allowed `needed` there. A deleted tenant makes its tokens invalid.
    pub async fn authorize(&self, bearer: &str, needed: Scope) -> Result<(Caller, Tenant), Error> {
        let (caller, user) = self.current_caller(bearer).await?;
        audit::set_actor(user.map_or_else(|| "client".to_owned(), audit::user));
        caller.require(needed)?;
        match self.tenants.by_client_id(&caller.client_id).await {
            Ok(Some(tenant)) if tenant.id == caller.tenant_id => Ok((caller, tenant)),
            Ok(_) => Err(INVALID_TOKEN),
            Err(err) => Err(err),
        }
    }

    /// Who presents this bearer token, as they stand now rather than when the
    /// token was issued: a disabled or deleted user's token is invalid, and a
    /// user's roles are today's, so a demoted admin loses access at once. Also
    /// the user's uuid, for a user token. The bearer check and introspection
    /// both judge tokens by this.
    pub async fn current_caller(
        &self,
        bearer: &str,
    ) -> Result<(Caller, Option<uuid::Uuid>), Error> {
        let mut caller = self.caller(bearer).await?;
        let Some(user_id) = caller.user_id else {
            return Ok((caller, None));
        };
        let (uuid, roles) = self.current_roles(caller.tenant_id, user_id).await?;
        caller.roles = roles;
        Ok((caller, Some(uuid)))
    }

    /// The roles of the user; an error for a disabled or deleted one. (A pending
    /// user has no usable password, but may hold tokens issued through SSO.)
    async fn current_roles(
        &self,
        tenant_id: i64,
        user_id: i64,
    ) -> Result<(uuid::Uuid, Vec<Role>), Error> {
        let user = store::users::find_by_id(&self.db, tenant_id, user_id).await?;
        match user {
            Some(user) if !user.is_disabled() => {
                let roles = store::users::roles_of(&self.db, tenant_id, user_id).await?;
                Ok((user.uuid, roles))
            }
            _ => Err(INVALID_TOKEN),
        }
    }

    /// Who presents this bearer token.
    pub async fn caller(&self, bearer: &str) -> Result<Caller, Error> {
        let claims = self.verify_access(bearer).await?;
        let user_id = if claims.sub == claims.client_id {
            None
        } else {
            Some(claims.sub.parse().map_err(|_| INVALID_TOKEN)?)
        };
        Ok(Caller {
            tenant_id: claims.tid,
            client_id: claims.client_id.clone(),
            user_id,
            roles: claims.roles.iter().filter_map(|r| r.parse().ok()).collect(),
            scopes: Scope::parse_list(&claims.scope).ok_or(INVALID_TOKEN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(user_id: Option<i64>, roles: &[&str], scopes: Vec<Scope>) -> Caller {
        Caller {
            tenant_id: 1,
            client_id: "c".into(),
            user_id,
            roles: roles.iter().filter_map(|r| r.parse().ok()).collect(),
            scopes,
        }
    }

    #[test]
    fn only_callers_that_may_manage_the_tenant_grant_admin() {
        let grants = |caller: &Caller| Grantor::Caller(caller).may_grant(Role::Admin);
        assert!(grants(&caller(Some(7), &["admin"], Scope::ALL.to_vec())));
        assert!(grants(&caller(None, &[], vec![Scope::TenantManage])));
        assert!(!grants(&caller(None, &[], vec![Scope::UsersWrite])));
        assert!(!grants(&caller(
            Some(7),
            &["admin"],
            vec![Scope::UsersWrite]
        )));
        assert!(!grants(&caller(Some(7), &["editor"], Scope::ALL.to_vec())));
        let writer = caller(None, &[], vec![Scope::UsersWrite]);
        assert!(Grantor::Caller(&writer).may_grant(Role::Editor));
        assert!(Grantor::Operator.may_grant(Role::Admin));
        assert!(!Grantor::Anonymous.may_grant(Role::Viewer));
    }

    #[test]
    fn admins_and_scoped_clients_pass() {
        assert!(
            caller(Some(7), &["admin"], Scope::ALL.to_vec())
                .require(Scope::UsersWrite)
                .is_ok()
        );
        assert!(
            caller(Some(7), &["admin"], vec![Scope::UsersRead])
                .require(Scope::UsersWrite)
                .is_err()
        );
        assert!(
            caller(Some(7), &["editor"], Scope::ALL.to_vec())
                .require(Scope::UsersWrite)
                .is_err()
        );
        assert!(
            caller(None, &[], vec![Scope::UsersWrite])
                .require(Scope::UsersWrite)
                .is_ok()
        );
        assert!(
            caller(None, &[], vec![Scope::UsersRead])
                .require(Scope::UsersWrite)
                .is_err()
        );
    }
}
