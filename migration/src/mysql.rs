//! What MySQL and MariaDB need beyond the portable schema, where their defaults
//! keep less than SQLite and PostgreSQL do.
//!
//! - Text compares as bytes. MySQL's default collations fold case, accents and
//!   `ß`/`ss`, so a unique index on a canonical username or email key would
//!   merge keys the domain deliberately keeps apart. The binary collation
//!   without padding (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on
//!   MySQL 8; `utf8mb4_bin`, which ignores trailing spaces, where neither
//!   exists) compares them as PostgreSQL and SQLite do.
//! - Timestamps keep microseconds and reach past 2038: sea-query writes a
//!   `timestamp with time zone` as MySQL's `TIMESTAMP` (whole seconds, 1970 to
//!   2038); `DATETIME(6)` holds what the other databases hold, in UTC (sqlx
//!   sets the session's time zone to UTC).
//! - Text is as long as the domain allows: sea-query's unbounded strings become
//!   `VARCHAR(255)` there, and `TEXT` holds 64 KiB ([`WIDER`]).
//!
//! [`normalize`] is idempotent and does nothing on the other databases. A
//! migration that adds tables or columns ends with it. It changes only
//! timestamp columns without a default (MariaDB reports a nullable column's as
//! the text `NULL`), yet every table of the database: Portcullis wants a
//! database of its own.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DatabaseBackend, Statement},
};

/// Columns whose values can outgrow sea-query's MySQL type, with the type that
/// holds them: a username's key after case mapping (255 characters may double),
/// an email (RFC 5321: 64 + 1 + 255), an imported password hash (up to 1,024
/// characters, a Firebase one carries its project's key), a custom field's
/// pattern, and a stored answer that echoes a request of up to 64 KiB.
const WIDER: [(&str, &str, &str); 6] = [
    ("users", "username_key", "VARCHAR(510)"),
    ("users", "email", "VARCHAR(320)"),
    ("users", "email_key", "VARCHAR(320)"),
    ("users", "password_hash", "VARCHAR(1024)"),
    ("custom_fields", "pattern", "TEXT"),
    ("idempotency_keys", "body", "MEDIUMTEXT"),
];

pub async fn normalize(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::MySql {
        return Ok(());
    }
    let collation = binary_collation(manager).await?;
    db.execute_unprepared(&format!(
        "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE {collation}"
    ))
    .await?;
    for row in rows(
        manager,
        "SELECT TABLE_NAME FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
         AND TABLE_COLLATION <> ?",
        [collation.as_str().into()],
    )
    .await?
    {
        let table: String = row.try_get_by_index(0)?;
        db.execute_unprepared(&format!(
            "ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE {collation}"
        ))
        .await?;
    }
    for row in rows(
        manager,
        "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'timestamp' \
         AND (COLUMN_DEFAULT IS NULL OR COLUMN_DEFAULT = 'NULL') AND EXTRA = ''",
        [],
    )
    .await?
    {
        let (table, column, nullable) = column_of(&row)?;
        modify(manager, &table, &column, "DATETIME(6)", &nullable).await?;
    }
    for (table, column, wider) in WIDER {
        let found = rows(
            manager,
            "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? \
             AND UPPER(COLUMN_TYPE) <> ?",
            [table.into(), column.into(), wider.into()],
        )
        .await?;
        for row in found {
            let (table, column, nullable) = column_of(&row)?;
            modify(manager, &table, &column, wider, &nullable).await?;
        }
    }
    Ok(())
}

/// Whether an index of this name exists (on MySQL; false elsewhere, where
/// `IF NOT EXISTS` does the same). The index names are unique in the schema.
pub async fn has_index_named(manager: &SchemaManager<'_>, name: &str) -> Result<bool, DbErr> {
    if manager.get_connection().get_database_backend() != DatabaseBackend::MySql {
        return Ok(false);
    }
    let found = rows(
        manager,
        "SELECT 1 FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?",
        [name.into()],
    )
    .await?;
    Ok(!found.is_empty())
}

/// The binary collation without padding this server has, else `utf8mb4_bin`.
async fn binary_collation(manager: &SchemaManager<'_>) -> Result<String, DbErr> {
    let found = rows(
        manager,
        "SELECT COLLATION_NAME FROM information_schema.COLLATIONS \
         WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
        [],
    )
    .await?;
    match found.first() {
        Some(row) => row.try_get_by_index(0),
        None => Ok("utf8mb4_bin".to_owned()),
    }
}

async fn rows<const N: usize>(
    manager: &SchemaManager<'_>,
    sql: &str,
    values: [Value; N],
) -> Result<Vec<sea_orm_migration::sea_orm::QueryResult>, DbErr> {
    manager
        .get_connection()
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::MySql,
            sql,
            values,
        ))
        .await
}

fn column_of(
    row: &sea_orm_migration::sea_orm::QueryResult,
) -> Result<(String, String, String), DbErr> {
    Ok((
        row.try_get_by_index(0)?,
        row.try_get_by_index(1)?,
        row.try_get_by_index(2)?,
    ))
}

async fn modify(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    ty: &str,
    nullable: &str,
) -> Result<(), DbErr> {
    let null = if nullable == "YES" {
        "NULL"
    } else {
        "NOT NULL"
    };
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE `{table}` MODIFY `{column}` {ty} {null}"
        ))
        .await
        .map(drop)
}
