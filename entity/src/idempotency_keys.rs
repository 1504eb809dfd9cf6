use sea_orm::entity::prelude::*;

/// The stored answer of a request sent with an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who sent it: keys are the caller's own.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the request the key was first used with.
    pub fingerprint: String,
    /// `None` while the first request is in flight.
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
