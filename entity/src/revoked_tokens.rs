use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revoked_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The revoked access token's `jti`.
    #[sea_orm(unique)]
    pub jti: String,
    pub tenant_id: i64,
    pub revoked_at: DateTimeUtc,
    /// When the token expires anyway; the row can go after that.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
