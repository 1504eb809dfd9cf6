//! What the community API v2 needs: tags, invite codes, promo codes and custom
//! user fields, all per tenant.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tenant_fk(table: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Tags::Id))
                    .col(big_integer(Tags::TenantId))
                    .col(string_len(Tags::Name, 100))
                    .col(timestamp_with_time_zone(Tags::CreatedAt))
                    .foreign_key(&mut tenant_fk(Tags::Table, Tags::TenantId))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ux_tags_tenant_name")
                .table(Tags::Table)
                .col(Tags::TenantId)
                .col(Tags::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserTags::Table)
                    .if_not_exists()
                    .col(big_integer(UserTags::UserId))
                    .col(big_integer(UserTags::TagId))
                    .primary_key(Index::create().col(UserTags::UserId).col(UserTags::TagId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserTags::Table, UserTags::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserTags::Table, UserTags::TagId)
                            .to(Tags::Table, Tags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InviteCodes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(InviteCodes::Id))
                    .col(big_integer(InviteCodes::TenantId))
                    .col(string_len_uniq(InviteCodes::CodeHash, 64))
                    .col(integer(InviteCodes::MaxUses))
                    .col(integer(InviteCodes::Uses).default(0))
                    .col(timestamp_with_time_zone_null(InviteCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(InviteCodes::RevokedAt))
                    .col(timestamp_with_time_zone(InviteCodes::CreatedAt))
                    .foreign_key(&mut tenant_fk(InviteCodes::Table, InviteCodes::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PromoCodes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(PromoCodes::Id))
                    .col(big_integer(PromoCodes::TenantId))
                    .col(string_len(PromoCodes::Code, 64))
                    .col(integer_null(PromoCodes::MaxRedemptions))
                    .col(integer(PromoCodes::Redemptions).default(0))
                    .col(timestamp_with_time_zone_null(PromoCodes::ValidFrom))
                    .col(timestamp_with_time_zone_null(PromoCodes::ValidUntil))
                    .col(boolean(PromoCodes::Active))
                    .col(timestamp_with_time_zone(PromoCodes::CreatedAt))
                    .foreign_key(&mut tenant_fk(PromoCodes::Table, PromoCodes::TenantId))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ux_promo_codes_tenant_code")
                .table(PromoCodes::Table)
                .col(PromoCodes::TenantId)
                .col(PromoCodes::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomFields::Table)
                    .if_not_exists()
                    .col(big_pk_auto(CustomFields::Id))
                    .col(big_integer(CustomFields::TenantId))
                    .col(string_len(CustomFields::Name, 64))
                    .col(string_len(CustomFields::FieldType, 16))
                    .col(boolean(CustomFields::Required))
                    .col(integer_null(CustomFields::MaxLength))
                    .col(string_null(CustomFields::Pattern))
                    .col(json_null(CustomFields::Choices))
                    .col(timestamp_with_time_zone(CustomFields::CreatedAt))
                    .foreign_key(&mut tenant_fk(CustomFields::Table, CustomFields::TenantId))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ux_custom_fields_tenant_name")
                .table(CustomFields::Table)
                .col(CustomFields::TenantId)
                .col(CustomFields::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        if manager.has_column("users", "promo_code_id").await? {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(big_integer_null(Users::PromoCodeId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::PromoCodeId)
                    .to_owned(),
            )
            .await?;
        for table in [
            CustomFields::Table.into_iden(),
            PromoCodes::Table.into_iden(),
            InviteCodes::Table.into_iden(),
            UserTags::Table.into_iden(),
            Tags::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tags {
    Table,
    Id,
    TenantId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserTags {
    Table,
    UserId,
    TagId,
}

#[derive(DeriveIden, Clone, Copy)]
enum InviteCodes {
    Table,
    Id,
    TenantId,
    CodeHash,
    MaxUses,
    Uses,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PromoCodes {
    Table,
    Id,
    TenantId,
    Code,
    MaxRedemptions,
    Redemptions,
    ValidFrom,
    ValidUntil,
    Active,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomFields {
    Table,
    Id,
    TenantId,
    Name,
    FieldType,
    Required,
    MaxLength,
    Pattern,
    Choices,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PromoCodeId,
}
