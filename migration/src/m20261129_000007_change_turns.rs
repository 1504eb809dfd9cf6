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
                    .table(ChangeTurns::Table)
                    .if_not_exists()
                    .col(integer(ChangeTurns::Id).primary_key())
                    .col(big_integer(ChangeTurns::Turn).default(0))
                    .to_owned(),
            )
            .await?;
        let present = manager
            .get_connection()
            .query_one(
                &Query::select()
                    .column(ChangeTurns::Id)
                    .from(ChangeTurns::Table)
                    .to_owned(),
            )
            .await?;
        if present.is_none() {
            let insert = Query::insert()
                .into_table(ChangeTurns::Table)
                .columns([ChangeTurns::Id, ChangeTurns::Turn])
                .values([1.into(), 0.into()])
                .map_err(|err| DbErr::Custom(err.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeTurns::Table).to_owned())
            .await
    }
}

/// One row that publishers of the change feed lock in turn until they commit,
/// so that the feed's ids follow commits on every database (ids are handed out
/// at insert, not at commit).
#[derive(DeriveIden)]
enum ChangeTurns {
    Table,
    Id,
    Turn,
}
