//! The registration pipeline every surface shares: validate (done by parsing into
//! [`NewUser`]), check availability cheaply, hash on the bounded pool, insert in one
//! transaction with the unique index as the final arbiter.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use tracing::instrument;
use uuid::Uuid;

use serde_json::{Map, Value};

use super::fields::FieldCache;
use crate::{
    auth::{PasswordHasher, secrets::hash_secret},
    domain::{
        Clock, Email, Error, FieldError, Password, Problem, PublicSignUp, Role, Tenant,
        TenantPolicy, Username, audit,
        tokens::Grantor,
        values::{User, UserStatus},
    },
    store::{
        codes, tags,
        users::{self, NewUserRow},
    },
};

/// A registration request, already parsed into valid domain values.
#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub email: Option<Email>,
    pub password: Option<Password>,
    pub roles: Vec<Role>,
}

/// What the community API v2 adds to a registration.
#[derive(Debug, Default)]
pub struct Extras {
    pub ext_id: Option<i64>,
    /// Ids of the tenant's tags.
    pub tags: Vec<i64>,
    /// Consumed once, atomically with the insert.
    pub invite_code: Option<String>,
    /// Redeemed once and recorded on the user.
    pub promo_code: Option<String>,
    /// Custom field values, already validated against the tenant's definitions.
    pub metadata: Map<String, Value>,
    /// Which of the tenant's sign-up rules admit the registration.
    pub gate: Gate,
}

/// The sign-up rules a registration passes through, by where it comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gate {
    /// `POST /sign-up`: only while the public sign-up is open.
    PublicSignUp,
    /// The account surface: an invite code while the tenant is invite-only.
    Community,
    /// Administrators, SSO backends and the command line.
    #[default]
    Trusted,
}

impl Gate {
    /// Whether `policy` admits a registration through this gate.
    fn admits(self, policy: &TenantPolicy, with_invite: bool) -> bool {
        match self {
            Gate::PublicSignUp => policy.public_sign_up() == PublicSignUp::Open,
            Gate::Community => with_invite || !policy.invite_only,
            Gate::Trusted => true,
        }
    }
}

#[derive(Clone)]
pub struct Registrar {
    pub(super) db: DatabaseConnection,
    pub(super) hasher: PasswordHasher,
    pub(super) clock: Clock,
    pub(super) fields: FieldCache,
    /// Held while an import writes (see `import`).
    pub(super) imports: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Registrar {
    pub fn new(db: DatabaseConnection, hasher: PasswordHasher, clock: Clock) -> Self {
        Self {
            db,
            hasher,
            clock,
            fields: FieldCache::default(),
            imports: std::sync::Arc::default(),
        }
    }

    /// Registers a user with nothing beyond the basics.
    pub async fn register(
        &self,
        tenant: &Tenant,
        new_user: NewUser,
        by: Grantor<'_>,
    ) -> Result<User, Error> {
        self.register_with(tenant, new_user, Extras::default(), by)
            .await
    }

    /// The whole pipeline: cheap checks (availability, codes, tags) first so a
    /// refused request never pays for a hash, then the hash on the bounded pool,
    /// then one transaction that consumes the codes and inserts the user.
    #[instrument(skip_all, fields(tenant = %tenant.client_id, username = %new_user.username.as_str()))]
    pub async fn register_with(
        &self,
        tenant: &Tenant,
        new_user: NewUser,
        extras: Extras,
        by: Grantor<'_>,
    ) -> Result<User, Error> {
        if new_user.roles.iter().any(|role| !by.may_grant(*role)) {
            return Err(Error::Rejected(vec![role_not_allowed()]));
        }
        let checked_at = self.clock.now();
        let email_key = new_user.email.as_ref().map(Email::key);
        let taken = users::taken(
            &self.db,
            tenant.id,
            new_user.username.key(),
            email_key,
            extras.ext_id,
        )
        .await?;
        let mut rejected: Vec<FieldError> = taken
            .iter()
            .map(|d| FieldError::new(d.field(), Problem::Taken))
            .collect();
        let invite_hash = extras.invite_code.as_deref().map(hash_secret);
        let promo_id = self
            .check_codes(
                tenant,
                &extras,
                invite_hash.as_deref(),
                checked_at,
                &mut rejected,
            )
            .await?;
        if !extras.tags.is_empty() {
            let known = tags::existing(&self.db, tenant.id, &extras.tags).await?;
            if extras.tags.iter().any(|tag| !known.contains(tag)) {
                rejected.push(FieldError::new("tags", Problem::Invalid));
            }
        }
        if !rejected.is_empty() {
            return Err(Error::Rejected(rejected));
        }

        let password_hash = match &new_user.password {
            Some(password) => Some(self.hasher.hash(password).await?),
            None => None,
        };
        let status = if password_hash.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Pending
        };

        // The time of the insert, not of the checks before the hash: codes are
        // consumed only if still valid now (the conditional UPDATEs compare it),
        // and the user and its events are stamped when they are written.
        let now = self.clock.now();
        let mut tag_ids = extras.tags.clone();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        let uuid = Uuid::now_v7();
        let subject = audit::user(uuid);
        let mut events = vec![
            audit::Event::new(audit::Kind::UserCreated, &subject)
                .with_detail(serde_json::json!({"username": new_user.username.as_str()})),
        ];
        events.extend(new_user.roles.iter().map(|role| {
            audit::Event::new(audit::Kind::RoleGranted, &subject)
                .with_detail(serde_json::json!({"role": role.as_str()}))
        }));
        if invite_hash.is_some() {
            events.push(audit::Event::new(audit::Kind::InviteConsumed, &subject));
        }
        if let Some(promo) = promo_id {
            events.push(
                audit::Event::new(audit::Kind::PromoRedeemed, &subject)
                    .with_detail(serde_json::json!({"promo_code_id": promo})),
            );
        }
        // Decided under the tenant's rules as read before the hash; the insert
        // re-reads them under the tenant's lock and stores nothing they would
        // no longer admit.
        let decided = &tenant.policy;
        let admits = |now: &TenantPolicy| {
            now.username_case_insensitive == decided.username_case_insensitive
                && extras.gate.admits(now, invite_hash.is_some())
                && (promo_id.is_none() || now.promo_codes_enabled)
        };
        let row = NewUserRow {
            uuid,
            audit: (audit::current(), events),
            tenant_id: tenant.id,
            username: new_user.username.as_str(),
            username_key: new_user.username.key(),
            admits: &admits,
            email: new_user.email.as_ref().map(Email::as_str),
            email_key,
            password_hash,
            status,
            roles: &new_user.roles,
            now,
            ext_id: extras.ext_id,
            metadata: Value::Object(extras.metadata),
            tags: &tag_ids,
            invite_code_hash: invite_hash.as_deref(),
            promo_code_id: promo_id,
        };
        let model = users::insert(&self.db, row).await?;
        tracing::info!(user_id = model.id, "user registered");
        Ok(User {
            id: model.id,
            uuid: model.uuid,
            username: model.username,
            email: model.email,
            status,
            roles: new_user.roles,
            created_at: model.created_at,
            last_login_at: None,
            ext_id: model.ext_id,
            tags: tag_ids,
            metadata: model.metadata,
        })
    }

    /// The invite code rule (required when the tenant is invite-only; must be
    /// usable) and the promo code rule (only when the feature is on; must be
    /// redeemable). Returns the promo code's id.
    async fn check_codes(
        &self,
        tenant: &Tenant,
        extras: &Extras,
        invite_hash: Option<&str>,
        now: DateTime<Utc>,
        rejected: &mut Vec<FieldError>,
    ) -> Result<Option<i64>, DbErr> {
        match invite_hash {
            None if !extras.gate.admits(&tenant.policy, false) => {
                rejected.push(FieldError::new("invite_code", Problem::Required));
            }
            None => {}
            Some(hash) => match codes::find_invite(&self.db, tenant.id, hash).await? {
                None => rejected.push(FieldError::new("invite_code", Problem::Invalid)),
                Some(code) if !code.is_usable(now) => {
                    rejected.push(FieldError::new("invite_code", Problem::Expired));
                }
                Some(_) => {}
            },
        }
        let Some(promo) = extras.promo_code.as_deref() else {
            return Ok(None);
        };
        if !tenant.policy.promo_codes_enabled {
            rejected.push(FieldError::new("promo_code", Problem::NotAllowed));
            return Ok(None);
        }
        match codes::find_promo(&self.db, tenant.id, promo).await? {
            None => rejected.push(FieldError::new("promo_code", Problem::Invalid)),
            Some(code) if !code.is_usable(now) => {
                rejected.push(FieldError::new("promo_code", Problem::Expired));
            }
            Some(code) => return Ok(Some(code.id)),
        }
        Ok(None)
    }
}

/// A role the requester may not grant.
pub fn role_not_allowed() -> FieldError {
    FieldError::new("role", Problem::NotAllowed)
}
