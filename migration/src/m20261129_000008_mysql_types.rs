use sea_orm_migration::prelude::*;

use crate::mysql;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        mysql::normalize(manager).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Going back to MySQL's folding collations would let the database merge
        // keys the domain keeps apart; there is nothing to undo elsewhere.
        Ok(())
    }
}
