//! What MySQL and MariaDB need beyond the portable schema: the two types whose
//! defaults there differ from SQLite's and PostgreSQL's in what they keep.
//!
//! - Text compares as bytes. MySQL's default collations fold case, accents and
//!   `ß`/`ss`, so a unique index on a canonical username or email key would
//!   merge keys the domain deliberately keeps apart; `utf8mb4_bin` compares
//!   them as PostgreSQL and SQLite do.
//! - Timestamps keep microseconds and reach past 2038: sea-query writes a
//!   `timestamp with time zone` as MySQL's `TIMESTAMP` (whole seconds, 1970 to
//!   2038); `DATETIME(6)` holds what the other databases hold, in UTC (sqlx
//!   sets the session's time zone to UTC).
//!
//! [`normalize`] is idempotent: a migration that creates tables ends with it.
//! It does nothing on the other databases.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DatabaseBackend, Statement},
};

pub async fn normalize(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::MySql {
        return Ok(());
    }
    db.execute_unprepared("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        .await?;
    let tables = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::MySql,
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
             AND TABLE_COLLATION <> 'utf8mb4_bin'",
        ))
        .await?;
    for row in tables {
        let table: String = row.try_get_by_index(0)?;
        db.execute_unprepared(&format!(
            "ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await?;
    }
    let columns = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::MySql,
            "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'timestamp'",
        ))
        .await?;
    for row in columns {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        let nullable: String = row.try_get_by_index(2)?;
        let null = if nullable == "YES" {
            "NULL"
        } else {
            "NOT NULL"
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE `{table}` MODIFY `{column}` DATETIME(6) {null}"
        ))
        .await?;
    }
    Ok(())
}

/// Whether an index of this name exists (on MySQL; false elsewhere, where
/// `IF NOT EXISTS` does the same).
pub async fn has_index_named(manager: &SchemaManager<'_>, name: &str) -> Result<bool, DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::MySql {
        return Ok(false);
    }
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::MySql,
            "SELECT 1 FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?",
            [name.into()],
        ))
        .await?;
    Ok(found.is_some())
}
