//! Append-only schema migrations. Never change what a shipped migration does; add
//! a new one. Each runs in a transaction (on SQLite too, where sea-orm would not:
//! a crash mid-migration then leaves nothing behind) and creates its objects
//! only if they are missing, so a re-run after a crash completes it.

pub use sea_orm_migration::{MigrationStatus, prelude::*};

mod m20261123_000001_tenants_and_users;
mod m20261123_000002_oauth;
mod m20261123_000003_revoked_tokens;
mod m20261123_000004_community;
mod m20261123_000005_audit_events;
mod m20261129_000006_integrity;

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
        ]
    }
}
