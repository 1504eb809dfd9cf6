//! What the audit trail records: events, the context they come from, and the
//! filter that lists them. A leaf the store writes and reads by.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Where a change comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: String,
    pub surface: &'static str,
    pub request_id: Option<String>,
}

impl AuditContext {
    /// A request nobody has authenticated (yet).
    pub fn anonymous(surface: &'static str, request_id: String) -> Self {
        Self {
            actor: "anonymous".to_owned(),
            surface,
            request_id: Some(request_id),
        }
    }

    /// The command line, and anything else outside a request.
    pub fn cli() -> Self {
        Self {
            actor: "cli".to_owned(),
            surface: "cli",
            request_id: None,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserImported,
    RoleGranted,
    InviteConsumed,
    PromoRedeemed,
    LoginFailed,
    TokenIssued,
    TokenRevoked,
    SecretRotated,
    PolicyUpdated,
    InviteCreated,
    InviteRevoked,
    PromoCreated,
    PromoUpdated,
    TagCreated,
    TagRenamed,
    TagDeleted,
    FieldCreated,
    FieldUpdated,
    FieldDeleted,
}

impl Kind {
    pub const ALL: [Kind; 22] = [
        Kind::UserCreated,
        Kind::UserUpdated,
        Kind::UserDeleted,
        Kind::UserImported,
        Kind::RoleGranted,
        Kind::InviteConsumed,
        Kind::PromoRedeemed,
        Kind::LoginFailed,
        Kind::TokenIssued,
        Kind::TokenRevoked,
        Kind::SecretRotated,
        Kind::PolicyUpdated,
        Kind::InviteCreated,
        Kind::InviteRevoked,
        Kind::PromoCreated,
        Kind::PromoUpdated,
        Kind::TagCreated,
        Kind::TagRenamed,
        Kind::TagDeleted,
        Kind::FieldCreated,
        Kind::FieldUpdated,
        Kind::FieldDeleted,
    ];

    /// The name the trail and its filter use, such as `user.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::UserCreated => "user.created",
            Kind::UserUpdated => "user.updated",
            Kind::UserDeleted => "user.deleted",
            Kind::UserImported => "user.imported",
            Kind::RoleGranted => "role.granted",
            Kind::InviteConsumed => "invite.consumed",
            Kind::PromoRedeemed => "promo.redeemed",
            Kind::LoginFailed => "login.failed",
            Kind::TokenIssued => "token.issued",
            Kind::TokenRevoked => "token.revoked",
            Kind::SecretRotated => "secret.rotated",
            Kind::PolicyUpdated => "policy.updated",
            Kind::InviteCreated => "invite.created",
            Kind::InviteRevoked => "invite.revoked",
            Kind::PromoCreated => "promo.created",
            Kind::PromoUpdated => "promo.updated",
            Kind::TagCreated => "tag.created",
            Kind::TagRenamed => "tag.renamed",
            Kind::TagDeleted => "tag.deleted",
            Kind::FieldCreated => "field.created",
            Kind::FieldUpdated => "field.updated",
            Kind::FieldDeleted => "field.deleted",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// How events and actors name a user: by the id the APIs show.
pub fn user(uuid: uuid::Uuid) -> String {
    format!("user:{uuid}")
}

/// One event about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: Kind,
    pub subject: Option<String>,
    pub detail: Option<Value>,
}

impl Event {
    pub fn new(kind: Kind, subject: impl Into<String>) -> Self {
        Self {
            kind,
            subject: Some(subject.into()),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// One event as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The kind's name (a trail may hold kinds this version no longer writes).
    pub kind: String,
    pub actor: String,
    pub subject: Option<String>,
    pub surface: String,
    pub request_id: Option<String>,
    pub detail: Option<Value>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Events after this id, oldest first (a cursor that skips nothing).
    pub after: Option<i64>,
}
