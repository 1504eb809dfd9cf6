//! Persistence with sea-orm. Every query about users is scoped by tenant.

pub mod audit;
pub mod changes;
pub mod codes;
pub mod custom_fields;
pub mod idempotency;
pub mod imports;
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

/// Whether the database could not be reached (down, restarting, or no pooled
/// connection in time) or gave up a transaction it may take on a retry, as
/// opposed to refusing a statement: the caller may retry later, so surfaces
/// answer 503 rather than 500.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(err)) | DbErr::Query(RuntimeErr::SqlxError(err)) => {
            match err.as_ref() {
                Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => {
                    true
                }
                // SQLSTATE classes 08 (connection exception) and 57P (shutdown);
                // 40001 and 40P01, a transaction the database chose to abort
                // (a deadlock, or a serialization failure): a retry succeeds.
                Error::Database(db) => db.code().is_some_and(|code| {
                    code.starts_with("08")
                        || code.starts_with("57P")
                        || code == "40001"
                        || code == "40P01"
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Opens the connection pool; SQLite gets WAL, a busy timeout and foreign keys.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    open(url, max_connections).await
}

/// Applies pending migrations on a connection of their own, closed before
/// the serving pool opens. A pooled SQLite connection that lived through a
/// migration's `ALTER TABLE` was seen, about once in a thousand starts, to
/// read back the added column of a row it had just inserted as NULL.
pub async fn migrate_alone(url: &str) -> Result<(), DbErr> {
    let db = open(url, 1).await?;
    let migrated = migrate(&db).await;
    db.close().await?;
    migrated
}

async fn open(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        })
        .map_sqlx_mysql_pool_opts(|pool| {
            // The stores read what they just locked and expect to see the
            // latest commit, as PostgreSQL's default isolation gives; InnoDB's
            // default (REPEATABLE READ) would read a transaction's first snapshot.
            // And a value too long for its column is refused, never cut short
            // (strict mode, whatever the server's default).
            pool.after_connect(|conn, _| {
                Box::pin(async move {
                    use sea_orm::sqlx::Executor;
                    conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        .await?;
                    conn.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')")
                        .await
                        .map(drop)
                })
            })
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

/// The pool's open and idle connections.
pub fn pool_connections(db: &DatabaseConnection) -> Option<(u32, usize)> {
    use sea_orm::DatabaseConnectionType as Type;
    // Each driver has its own pool type; the getters panic on another driver,
    // which the match rules out.
    match &db.inner {
        Type::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        Type::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        Type::SqlxMySqlPoolConnection(_) => {
            let pool = db.get_mysql_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Cheap liveness query for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
