//! Migrations survive a crash: one interrupted halfway leaves nothing behind
//! (each runs in a transaction, on SQLite too) and a re-run completes it.

use migration::{Migrator, MigratorTrait};
use portcullis::store;
use sea_orm::{ConnectionTrait, Database};

use crate::{
    db_test,
    helpers::{Backend, fresh_database_url},
};

async fn an_interrupted_migration_completes_when_run_again(backend: Backend) {
    let url = fresh_database_url(backend).await;
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, Some(3)).await.unwrap();
    // Something in the way of the fourth migration, after it has created
    // several tables: it fails there, halfway through. (On SQLite a table named
    // like one of its indexes; PostgreSQL skips that quietly, but cannot index
    // a view where a table was expected.)
    let (obstacle, removal) = match backend {
        Backend::Sqlite => (
            "CREATE TABLE ux_custom_fields_tenant_name (x INTEGER)",
            "DROP TABLE ux_custom_fields_tenant_name",
        ),
        Backend::Postgres | Backend::Mariadb => (
            "CREATE VIEW custom_fields AS SELECT 1 AS id",
            "DROP VIEW custom_fields",
        ),
    };
    db.execute_unprepared(obstacle).await.unwrap();
    let interrupted = store::migrate(&db).await;
    assert!(interrupted.is_err(), "the migration was not interrupted");
    db.execute_unprepared(removal).await.unwrap();

    store::migrate(&db).await.unwrap();
    let status = store::migration_status(&db).await.unwrap();
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    // And again: nothing to do, nothing refused.
    store::migrate(&db).await.unwrap();
}
db_test!(an_interrupted_migration_completes_when_run_again);
