//! The change feed: what the CLI or an instance changed that running instances
//! cache (a tenant's policy and secrets, the signing keys, revoked tokens),
//! written in the transaction of the change. Instances follow it by id; on
//! PostgreSQL a NOTIFY at commit wakes them at once.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use entity::changes;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sqlx::postgres::PgListener,
};
use tokio::sync::Notify;

/// The PostgreSQL channel instances listen on.
const CHANNEL: &str = "portcullis_changes";

/// Rows older than this are dropped: an instance further behind (it finds a gap
/// in the ids) drops and reloads everything it caches.
const KEPT: Duration = Duration::hours(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A tenant's policy or secrets, by client_id.
    Tenant(String),
    /// The signing keys (rotated or retired).
    Keys,
    /// Access tokens revoked.
    Revocations,
}

impl Change {
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Change::Tenant(client_id) => ("tenant", Some(client_id)),
            Change::Keys => ("keys", None),
            Change::Revocations => ("revocations", None),
        }
    }

    fn from_parts(kind: &str, subject: Option<String>) -> Option<Self> {
        match (kind, subject) {
            ("tenant", Some(client_id)) => Some(Change::Tenant(client_id)),
            ("keys", _) => Some(Change::Keys),
            ("revocations", _) => Some(Change::Revocations),
            _ => None,
        }
    }
}

/// Records a change, in the caller's transaction.
pub async fn publish<C: ConnectionTrait>(
    db: &C,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Ids are handed out at insert, not at commit: publishers take turns (the
    // one row of change_turns stays locked until they commit), so ids follow
    // commits and a follower that keeps the last id it saw skips none.
    let turn = db
        .execute_unprepared("UPDATE change_turns SET turn = turn + 1 WHERE id = 1")
        .await?;
    if turn.rows_affected() != 1 {
        return Err(DbErr::RecordNotFound("the row of change_turns".to_owned()));
    }
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Instances before change_turns took this lock instead: while one may
        // still run beside this version, publishers take both.
        db.execute_unprepared("SELECT pg_advisory_xact_lock(7011001)")
            .await?;
    }
    let (kind, subject) = change.parts();
    changes::Entity::insert(changes::ActiveModel {
        kind: Set(kind.to_owned()),
        subject: Set(subject.map(str::to_owned)),
        at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    changes::Entity::delete_many()
        .filter(changes::Column::At.lt(now - KEPT))
        .exec(db)
        .await?;
    // PostgreSQL delivers a notification when (and only if) the transaction commits.
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(())
}

/// The id of the newest change (0 when there is none).
pub async fn latest<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    Ok(changes::Entity::find()
        .select_only()
        .column(changes::Column::Id)
        .order_by_desc(changes::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

/// Changes after `after`, oldest first, with the id of the last.
pub async fn after<C: ConnectionTrait>(db: &C, after: i64) -> Result<Vec<(i64, Change)>, DbErr> {
    let rows: Vec<(i64, String, Option<String>)> = changes::Entity::find()
        .select_only()
        .column(changes::Column::Id)
        .column(changes::Column::Kind)
        .column(changes::Column::Subject)
        .filter(changes::Column::Id.gt(after))
        .order_by_asc(changes::Column::Id)
        .limit(1000)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, subject)| Some((id, Change::from_parts(&kind, subject)?)))
        .collect())
}

/// On PostgreSQL, a task that wakes `wake` whenever a change commits (it
/// reconnects after a failure); the other databases have no notifications, and
/// the follower's half-second reads are all there is.
pub fn notifications(
    db: DatabaseConnection,
    wake: Arc<Notify>,
) -> Option<impl Future<Output = ()> + Send + 'static> {
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    postgres.then_some(async move {
        loop {
            let listening = async {
                let mut listener =
                    PgListener::connect_with(db.get_postgres_connection_pool()).await?;
                listener.listen(CHANNEL).await?;
                loop {
                    listener.recv().await?;
                    wake.notify_one();
                }
            };
            let result: Result<(), sea_orm::sqlx::Error> = listening.await;
            if let Err(err) = result {
                tracing::debug!(error = %err, "change notifications interrupted");
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}
