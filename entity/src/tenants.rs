use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    pub policy: Json,
    pub created_at: DateTimeUtc,
    /// Bumped by every change of the policy (the `ETag` of the tenant).
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::users::Entity")]
    Users,
    #[sea_orm(has_many = "super::client_secrets::Entity")]
    ClientSecrets,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl Related<super::client_secrets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ClientSecrets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
