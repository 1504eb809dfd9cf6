use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custom_fields")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    /// `string` | `integer` | `boolean` | `date` | `email` | `url` | `enum`.
    pub field_type: String,
    pub required: bool,
    pub max_length: Option<i32>,
    pub pattern: Option<String>,
    /// For `enum`: the allowed values, a JSON array of strings.
    pub choices: Option<Json>,
    pub created_at: DateTimeUtc,
    /// Bumped by every change (the `ETag`).
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
