//! Persistence with sea-orm. Every query about users is scoped by tenant.

pub mod audit;
pub mod codes;
pub mod custom_fields;
pub mod refresh_tokens;
pub mod revoked_tokens;
pub mod signing_keys;
pub mod tags;
pub mod tenants;
pub mod user_directory;
pub mod users;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Config;

/// Opens the connection pool; SQLite gets WAL, a busy timeout and foreign keys.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(&config.database_url);
    options
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Each migration's name and whether it has been applied.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                m.status() == migration::MigrationStatus::Applied,
            )
        })
        .collect())
}

/// Cheap liveness query for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
