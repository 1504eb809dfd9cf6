//! What a tenant's administrators do with its users besides creating them: list,
//! read, change (email, roles, status, password) and delete. Users are named by
//! their uuid, and only ever within the caller's tenant.

use sea_orm::TransactionTrait;
use tracing::instrument;
use uuid::Uuid;

use sea_orm::DatabaseConnection;

use super::register::role_not_allowed;
use crate::{
    auth::PasswordHasher,
    domain::{
        Clock, Email, Error, Password, Role, Tenant, audit,
        tokens::Grantor,
        values::{User, UserStatus},
    },
    store::{
        self,
        user_directory::{self, UserChanges, UserQuery},
    },
};

/// Which users to list.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// Prefix of the username or of the email.
    pub prefix: Option<String>,
}

/// A change requested by an administrator; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserUpdate {
    /// `Some(None)` removes the address.
    pub email: Option<Option<Email>>,
    pub password: Option<Password>,
    pub roles: Option<Vec<Role>>,
    pub status: Option<UserStatus>,
}

/// A tenant's users, as its administrators see and change them.
#[derive(Clone)]
pub struct Directory {
    db: DatabaseConnection,
    hasher: PasswordHasher,
    clock: Clock,
}

impl Directory {
    pub fn new(db: DatabaseConnection, hasher: PasswordHasher, clock: Clock) -> Self {
        Self { db, hasher, clock }
    }

    pub async fn list(
        &self,
        tenant: &Tenant,
        filter: &UserFilter,
        skip: u64,
        limit: u64,
    ) -> Result<Vec<User>, Error> {
        let prefix = filter.prefix.as_deref().filter(|p| !p.is_empty());
        let username_prefix = prefix.map(|p| {
            if tenant.policy.username_case_insensitive {
                p.to_lowercase()
            } else {
                p.to_owned()
            }
        });
        let query = UserQuery {
            status: filter.status,
            role: filter.role,
            username_key_prefix: username_prefix,
            email_key_prefix: prefix.map(str::to_lowercase),
            skip,
            limit,
        };
        let accounts = user_directory::list(&self.db, tenant.id, &query).await?;
        let ids: Vec<i64> = accounts.iter().map(|account| account.id).collect();
        let mut roles = user_directory::roles_of_many(&self.db, tenant.id, &ids).await?;
        Ok(accounts
            .into_iter()
            .map(|account| {
                let roles = roles.remove(&account.id).unwrap_or_default();
                account.into_user(roles, Vec::new())
            })
            .collect())
    }

    pub async fn find(&self, tenant: &Tenant, uuid: Uuid) -> Result<Option<User>, Error> {
        let Some(account) = user_directory::find_by_uuid(&self.db, tenant.id, uuid).await? else {
            return Ok(None);
        };
        let roles = store::users::roles_of(&self.db, tenant.id, account.id).await?;
        Ok(Some(account.into_user(roles, Vec::new())))
    }

    /// Applies an administrator's change. Setting a password activates a pending
    /// user unless a status is given too.
    #[instrument(skip_all, fields(tenant = %tenant.client_id, user = %uuid))]
    pub async fn update(
        &self,
        tenant: &Tenant,
        uuid: Uuid,
        update: UserUpdate,
        by: Grantor<'_>,
    ) -> Result<User, Error> {
        let user = self
            .find(tenant, uuid)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let grants_admin = update
            .roles
            .as_ref()
            .is_some_and(|roles| roles.contains(&Role::Admin));
        may_manage(&user, by, grants_admin)?;
        let password_hash = match &update.password {
            Some(password) => Some(self.hasher.hash(password).await?),
            None => None,
        };
        // What the change does depends on the user as they are now, not as they
        // were before the hash: read and decided with the row locked, in the
        // transaction that writes (another change may have landed meanwhile).
        let txn = self.db.begin().await?;
        let locked = store::users::lock(&txn, tenant.id, user.id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        let user = locked.into_user(roles, Vec::new());
        may_manage(&user, by, grants_admin)?;
        let status = update.status.or_else(|| {
            (password_hash.is_some() && user.status == UserStatus::Pending)
                .then_some(UserStatus::Active)
        });
        let ends_logins = password_hash.is_some() || status.is_some() || update.roles.is_some();
        let changed = [
            ("email", update.email.is_some()),
            ("password", password_hash.is_some()),
            ("status", status.is_some()),
            ("roles", update.roles.is_some()),
        ];
        let events = update_events(&user, &changed, update.roles.as_deref());
        let changes = UserChanges {
            email: update
                .email
                .map(|email| email.map(|e| (e.as_str().to_owned(), e.key().to_owned()))),
            password_hash,
            status,
            roles: update.roles.map(|mut roles| {
                roles.sort();
                roles.dedup();
                roles
            }),
            now: self.clock.now(),
            // Existing logins must not outlive a new password, status or role.
            end_logins: ends_logins,
            audit: (audit::current(), events),
        };
        if !user_directory::update(&txn, tenant.id, user.id, changes).await? {
            return Err(Error::NotFound("user"));
        }
        txn.commit().await?;
        tracing::info!("user updated");
        self.find(tenant, uuid)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    #[instrument(skip_all, fields(tenant = %tenant.client_id, user = %uuid))]
    pub async fn delete(&self, tenant: &Tenant, uuid: Uuid, by: Grantor<'_>) -> Result<(), Error> {
        let found = self
            .find(tenant, uuid)
            .await?
            .ok_or(Error::NotFound("user"))?;
        // Judged on the user as they are, the row locked, in the transaction
        // that deletes them.
        let txn = self.db.begin().await?;
        let locked = store::users::lock(&txn, tenant.id, found.id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let roles = store::users::roles_of(&txn, tenant.id, found.id).await?;
        may_manage(&locked.into_user(roles, Vec::new()), by, false)?;
        let event = audit::Event::new(audit::Kind::UserDeleted, audit::user(uuid));
        let audit = (audit::current(), vec![event]);
        if !user_directory::delete(&txn, tenant.id, uuid, self.clock.now(), audit).await? {
            return Err(Error::NotFound("user"));
        }
        txn.commit().await?;
        tracing::info!("user deleted");
        Ok(())
    }
}

/// A tenant admin's account, and the admin role, are for whoever may grant that
/// role: anyone else could otherwise set an admin's password and sign in as them.
fn may_manage(user: &User, by: Grantor<'_>, grants_admin: bool) -> Result<(), Error> {
    let touches_admin = grants_admin || user.roles.contains(&Role::Admin);
    if touches_admin && !by.may_grant(Role::Admin) {
        return Err(Error::Rejected(vec![role_not_allowed()]));
    }
    Ok(())
}

/// `user.updated` naming the changed fields (never their values), and a
/// `role.granted` for each role the user did not hold.
fn update_events(
    user: &User,
    changed: &[(&str, bool)],
    roles: Option<&[Role]>,
) -> Vec<audit::Event> {
    let subject = audit::user(user.uuid);
    let changed: Vec<&str> = changed
        .iter()
        .filter_map(|(field, changed)| changed.then_some(*field))
        .collect();
    let mut events = vec![
        audit::Event::new(audit::Kind::UserUpdated, &subject)
            .with_detail(serde_json::json!({"changed": changed})),
    ];
    for role in roles.unwrap_or_default() {
        if !user.roles.contains(role) {
            events.push(
                audit::Event::new(audit::Kind::RoleGranted, &subject)
                    .with_detail(serde_json::json!({"role": role.as_str()})),
            );
        }
    }
    events
}
