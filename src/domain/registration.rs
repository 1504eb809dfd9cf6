//! The registration pipeline every surface shares: validate (done by parsing into
//! [`NewUser`]), check availability cheaply, hash on the bounded pool, insert in one
//! transaction with the unique index as the final arbiter.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use tracing::instrument;
use uuid::Uuid;

use super::{Clock, Email, FieldError, Password, Problem, Role, Tenant, Username};
use crate::{
    auth::{HashError, PasswordHasher},
    store::users::{self, Duplicate, InsertError, NewUserRow},
};

/// A registration request, already parsed into valid domain values.
#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub email: Option<Email>,
    pub password: Option<Password>,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    /// No usable password yet.
    Pending,
    Disabled,
}

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [
        UserStatus::Active,
        UserStatus::Pending,
        UserStatus::Disabled,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Pending => "pending",
            UserStatus::Disabled => "disabled",
        }
    }
}

/// A user as the surfaces report it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub uuid: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub status: UserStatus,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("rejected: {0:?}")]
    Rejected(Vec<FieldError>),
    #[error("too many registrations in flight")]
    Overloaded,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("storage failure: {0}")]
    Storage(#[from] DbErr),
}

#[derive(Clone)]
pub struct Registrar {
    pub(super) db: DatabaseConnection,
    pub(super) hasher: PasswordHasher,
    pub(super) clock: Clock,
}

impl Registrar {
    pub fn new(db: DatabaseConnection, hasher: PasswordHasher, clock: Clock) -> Self {
        Self { db, hasher, clock }
    }

    #[instrument(skip_all, fields(tenant = %tenant.client_id, username = %new_user.username.as_str()))]
    pub async fn register(
        &self,
        tenant: &Tenant,
        new_user: NewUser,
    ) -> Result<User, RegistrationError> {
        let email_key = new_user.email.as_ref().map(Email::key);
        let taken = users::taken(&self.db, tenant.id, new_user.username.key(), email_key).await?;
        if !taken.is_empty() {
            return Err(rejected_as_taken(&taken));
        }

        let password_hash = match &new_user.password {
            Some(password) => Some(self.hasher.hash(password).await.map_err(|err| match err {
                HashError::Overloaded => RegistrationError::Overloaded,
                HashError::Failed(reason) => RegistrationError::Hashing(reason),
            })?),
            None => None,
        };
        let status = if password_hash.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Pending
        };

        let row = NewUserRow {
            tenant_id: tenant.id,
            username: new_user.username.as_str(),
            username_key: new_user.username.key(),
            email: new_user.email.as_ref().map(Email::as_str),
            email_key,
            password_hash,
            status: status.as_str(),
            roles: &new_user.roles,
            now: self.clock.now(),
        };
        let model = users::insert(&self.db, row)
            .await
            .map_err(|err| match err {
                InsertError::Duplicate(duplicate) => rejected_as_taken(&[duplicate]),
                InsertError::Db(err) => RegistrationError::Storage(err),
            })?;
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
        })
    }
}

fn rejected_as_taken(duplicates: &[Duplicate]) -> RegistrationError {
    RegistrationError::Rejected(
        duplicates
            .iter()
            .map(|duplicate| {
                let field = match duplicate {
                    Duplicate::Username => "username",
                    Duplicate::Email => "email",
                };
                FieldError::new(field, Problem::Taken)
            })
            .collect(),
    )
}
