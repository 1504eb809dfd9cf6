//! A tenant's user: its standing, its row as stored, and the view the
//! surfaces report.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub ext_id: Option<i64>,
    /// Ids of the tenant's tags the user carries.
    pub tags: Vec<i64>,
    /// Values of the tenant's custom fields (a JSON object).
    pub metadata: Value,
}

/// A user's row as stored: what sign-in, the bearer check and the surfaces
/// read. Roles and tags are rows of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub uuid: Uuid,
    pub tenant_id: i64,
    pub ext_id: Option<i64>,
    pub username: String,
    pub email: Option<String>,
    /// PHC string; `None` means the user has no usable password.
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Account {
    /// Whether the user may sign in or use its tokens.
    pub fn is_disabled(&self) -> bool {
        self.status == UserStatus::Disabled
    }

    /// The surfaces' view, with the user's roles and tags.
    pub fn into_user(self, roles: Vec<Role>, tags: Vec<i64>) -> User {
        User {
            id: self.id,
            uuid: self.uuid,
            username: self.username,
            email: self.email,
            status: self.status,
            roles,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
            ext_id: self.ext_id,
            tags,
            metadata: self.metadata,
        }
    }
}
