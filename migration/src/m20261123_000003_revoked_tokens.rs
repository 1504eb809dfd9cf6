use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RevokedTokens::Id))
                    .col(string_len_uniq(RevokedTokens::Jti, 64))
                    .col(big_integer(RevokedTokens::TenantId))
                    .col(timestamp_with_time_zone(RevokedTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RevokedTokens::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RevokedTokens::Table, RevokedTokens::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ix_revoked_tokens_revoked_at")
                .table(RevokedTokens::Table)
                .col(RevokedTokens::RevokedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedTokens::Table).to_owned())
            .await
    }
}

/// Access tokens revoked before their expiry (RFC 7009), by `jti`; rows are
/// deleted once the token would have expired anyway.
#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Id,
    Jti,
    TenantId,
    RevokedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}
