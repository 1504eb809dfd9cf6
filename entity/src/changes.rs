use sea_orm::entity::prelude::*;

/// One change that running instances may have cached: they follow the feed by id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `tenant`, `keys` or `revocation`.
    pub kind: String,
    /// Which one, when the kind has several (a tenant's client_id).
    pub subject: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
