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
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(big_integer(AuditEvents::TenantId))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string_len(AuditEvents::EventType, 40))
                    .col(string_len(AuditEvents::Actor, 80))
                    .col(string_len_null(AuditEvents::Subject, 120))
                    .col(string_len(AuditEvents::Surface, 20))
                    .col(string_len_null(AuditEvents::RequestId, 128))
                    .col(json_null(AuditEvents::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::TenantId)
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
                .name("ix_audit_events_tenant_time")
                .table(AuditEvents::Table)
                .col(AuditEvents::TenantId)
                .col(AuditEvents::OccurredAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}

/// What changed in a tenant, who did it, through which surface and request;
/// written in the transaction of the change itself.
#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    OccurredAt,
    EventType,
    Actor,
    Subject,
    Surface,
    RequestId,
    Detail,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}
