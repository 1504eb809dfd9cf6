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
                    .table(Tenants::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Tenants::Id))
                    .col(string_len_uniq(Tenants::ClientId, 32))
                    .col(string(Tenants::Name))
                    .col(json(Tenants::Policy))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientSecrets::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ClientSecrets::Id))
                    .col(big_integer(ClientSecrets::TenantId))
                    .col(string_len_uniq(ClientSecrets::SecretHash, 64))
                    .col(timestamp_with_time_zone(ClientSecrets::CreatedAt))
                    .col(timestamp_with_time_zone_null(ClientSecrets::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientSecrets::Table, ClientSecrets::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Users::Id))
                    .col(uuid_uniq(Users::Uuid))
                    .col(big_integer(Users::TenantId))
                    .col(big_integer_null(Users::ExtId))
                    .col(string(Users::Username))
                    .col(string(Users::UsernameKey))
                    .col(string_null(Users::Email))
                    .col(string_null(Users::EmailKey))
                    .col(string_null(Users::PasswordHash))
                    .col(string_len(Users::Status, 16))
                    .col(json(Users::Metadata))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The unique indexes are the final arbiters of registration races.
        for (name, column) in [
            ("ux_users_tenant_username_key", Users::UsernameKey),
            ("ux_users_tenant_email_key", Users::EmailKey),
            ("ux_users_tenant_ext_id", Users::ExtId),
        ] {
            crate::create_index(
                manager,
                Index::create()
                    .if_not_exists()
                    .name(name)
                    .table(Users::Table)
                    .col(Users::TenantId)
                    .col(column)
                    .unique()
                    .to_owned(),
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .if_not_exists()
                    .col(big_integer(UserRoles::UserId))
                    .col(string_len(UserRoles::Role, 16))
                    .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserRoles::Table, UserRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserRoles::Table.into_iden(),
            Users::Table.into_iden(),
            ClientSecrets::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    ClientId,
    Name,
    Policy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClientSecrets {
    Table,
    Id,
    TenantId,
    SecretHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Uuid,
    TenantId,
    ExtId,
    Username,
    UsernameKey,
    Email,
    EmailKey,
    PasswordHash,
    Status,
    Metadata,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
}
