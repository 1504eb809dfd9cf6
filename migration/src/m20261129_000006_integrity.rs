//! What integrity under concurrency needs: versions on the resources the
//! management API changes (for `ETag`/`If-Match`), the change feed that tells
//! running instances what the CLI or another instance changed, and the stored
//! answers of `Idempotency-Key` requests.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Versioned::Tenants,
            Versioned::PromoCodes,
            Versioned::CustomFields,
        ] {
            if !manager.has_column(table.name(), "version").await? {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table)
                            .add_column(big_integer(Versioned::Version).default(1))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Changes::Id))
                    .col(string_len(Changes::Kind, 20))
                    .col(string_len_null(Changes::Subject, 64))
                    .col(timestamp_with_time_zone(Changes::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    .col(string_len(IdempotencyKeys::Scope, 80))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(integer_null(IdempotencyKeys::Status))
                    .col(string_len_null(IdempotencyKeys::ContentType, 100))
                    .col(text_null(IdempotencyKeys::Body))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ux_idempotency_keys_scope_key")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::Scope)
                .col(IdempotencyKeys::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        crate::create_index(
            manager,
            Index::create()
                .if_not_exists()
                .name("ix_idempotency_keys_expires_at")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Changes::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for table in [
            Versioned::Tenants,
            Versioned::PromoCodes,
            Versioned::CustomFields,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Versioned::Version)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Versioned {
    Tenants,
    PromoCodes,
    CustomFields,
    Version,
}

impl Versioned {
    fn name(self) -> &'static str {
        match self {
            Versioned::Tenants => "tenants",
            Versioned::PromoCodes => "promo_codes",
            Versioned::CustomFields => "custom_fields",
            Versioned::Version => "version",
        }
    }
}

/// What the CLI or an instance changed that other instances cache: a tenant's
/// policy, the signing keys, revoked tokens. Instances follow it by id.
#[derive(DeriveIden)]
enum Changes {
    Table,
    Id,
    Kind,
    Subject,
    At,
}

/// The stored answer of a request sent with an `Idempotency-Key`.
#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    Fingerprint,
    Status,
    ContentType,
    Body,
    CreatedAt,
    ExpiresAt,
}
