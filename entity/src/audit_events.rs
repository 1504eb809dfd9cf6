use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub occurred_at: DateTimeUtc,
    /// `user.created`, `login.failed`, ...
    pub event_type: String,
    /// `user:<uuid>`, `client` (the tenant's backend), `anonymous` or `cli`.
    pub actor: String,
    /// What the event is about, e.g. `user:<uuid>`.
    pub subject: Option<String>,
    /// The API surface, or `cli`.
    pub surface: String,
    pub request_id: Option<String>,
    pub detail: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
