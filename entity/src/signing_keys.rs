use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub kid: String,
    /// `EdDSA`.
    pub algorithm: String,
    /// Base64 of the PKCS#8 DER private key.
    pub private_key: String,
    /// Base64url of the raw Ed25519 public key (the JWK `x`).
    pub public_key: String,
    pub created_at: DateTimeUtc,
    /// Retired keys neither sign nor verify.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
