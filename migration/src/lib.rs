//! Append-only schema migrations. Never change what a shipped migration does; add
//! a new one. Each runs in a transaction (on SQLite too, where sea-orm would not:
//! a crash mid-migration then leaves nothing behind) and creates its objects
//! only if they are missing, so a re-run after a crash completes it. (MySQL
//! and MariaDB commit DDL at once; there the "if missing" alone makes a re-run
//! complete a migration.) On MySQL, [`mysql::normalize`] fits the tables to
//! what the domain stores: the eighth migration does it for the first seven,
//! and a later one that adds tables or columns ends with it.

pub use sea_orm_migration::{MigrationStatus, prelude::*};

mod m20261123_000001_tenants_and_users;
mod m20261123_000002_oauth;
mod m20261123_000003_revoked_tokens;
mod m20261123_000004_community;
mod m20261123_000005_audit_events;
mod m20261129_000006_integrity;
mod m20261129_000007_change_turns;
mod m20261129_000008_mysql_types;
pub mod mysql;

/// Creates an index unless one of its name exists. MySQL has no `CREATE INDEX
/// IF NOT EXISTS` (MariaDB has, sea-query writes it for neither), so there the
/// name is looked up first; the index names are unique in the schema.
pub(crate) async fn create_index(
    manager: &SchemaManager<'_>,
    index: IndexCreateStatement,
) -> Result<(), DbErr> {
    if let Some(name) = index.get_index_spec().get_name()
        && mysql::has_index_named(manager, name).await?
    {
        return Ok(());
    }
    manager.create_index(index).await
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_tenants_and_users::Migration),
            Box::new(m20261123_000002_oauth::Migration),
            Box::new(m20261123_000003_revoked_tokens::Migration),
            Box::new(m20261123_000004_community::Migration),
            Box::new(m20261123_000005_audit_events::Migration),
            Box::new(m20261129_000006_integrity::Migration),
            Box::new(m20261129_000007_change_turns::Migration),
            Box::new(m20261129_000008_mysql_types::Migration),
        ]
    }
}
