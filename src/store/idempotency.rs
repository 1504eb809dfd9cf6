//! The stored answers of requests sent with an `Idempotency-Key`: claimed before
//! the first request runs (a unique index on scope and key decides between
//! requests released at once), completed with the answer, or released when the
//! answer is not one to replay.

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_keys;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
    sea_query::Expr,
};

/// What a key's first use left behind, as the next request with it finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request is the first (or the first since the last one expired); the
    /// claim is its own while the row keeps this stamp.
    Claimed(DateTime<Utc>),
    /// The first is still running.
    InFlight,
    /// The key was used with another request.
    Mismatch,
    /// The first one's answer.
    Replay {
        status: u16,
        content_type: Option<String>,
        body: String,
    },
}

/// Claims `key` for this request, unless it was used already.
pub async fn claim(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    kept: Duration,
    lease: Duration,
) -> Result<Claim, DbErr> {
    // A plain insert whose unique index refuses a taken key: MySQL's
    // ON DUPLICATE KEY reports a found row as affected (sqlx asks for found
    // rows), so "was it inserted" is told the same way on every database.
    let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        status: Set(None),
        content_type: Set(None),
        body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + kept),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await;
    match inserted {
        Ok(_) => return Ok(Claim::Claimed(now)),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
        Err(err) => return Err(err),
    }
    // Taken over when it expired, or when its first request died unanswered.
    let taken_over = idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::Fingerprint,
            Expr::value(fingerprint),
        )
        .col_expr(
            idempotency_keys::Column::Status,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            idempotency_keys::Column::Body,
            Expr::value(Option::<String>::None),
        )
        .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
        .col_expr(idempotency_keys::Column::ExpiresAt, Expr::value(now + kept))
        .filter(idempotency_keys::Column::Scope.eq(scope))
        .filter(idempotency_keys::Column::Key.eq(key))
        .filter(
            Condition::any()
                .add(idempotency_keys::Column::ExpiresAt.lte(now))
                .add(
                    Condition::all()
                        .add(idempotency_keys::Column::Status.is_null())
                        .add(idempotency_keys::Column::CreatedAt.lt(now - lease)),
                ),
        )
        .exec(db)
        .await?;
    if taken_over.rows_affected == 1 {
        return Ok(Claim::Claimed(now));
    }
    let Some(first) = find(db, scope, key).await? else {
        // Released between our insert and our read: the caller may retry.
        return Ok(Claim::InFlight);
    };
    Ok(
        match (first.fingerprint == fingerprint, first.status, first.body) {
            (false, _, _) => Claim::Mismatch,
            (true, Some(status), Some(body)) => Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                content_type: first.content_type,
                body,
            },
            (true, _, _) => Claim::InFlight,
        },
    )
}

async fn find(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
) -> Result<Option<idempotency_keys::Model>, DbErr> {
    idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::Scope.eq(scope))
        .filter(idempotency_keys::Column::Key.eq(key))
        .one(db)
        .await
}

/// Stores the answer to replay, if the claim is still this request's (one that
/// ran past its lease may have been taken over).
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    claimed_at: DateTime<Utc>,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), DbErr> {
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::Status,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_keys::Column::ContentType,
            Expr::value(content_type.map(str::to_owned)),
        )
        .col_expr(idempotency_keys::Column::Body, Expr::value(body))
        .filter(idempotency_keys::Column::Scope.eq(scope))
        .filter(idempotency_keys::Column::Key.eq(key))
        .filter(idempotency_keys::Column::CreatedAt.eq(claimed_at))
        .exec(db)
        .await
        .map(drop)
}

/// Lets the key go, if the claim is still this request's: the answer was not
/// one to replay, so a retry runs afresh.
pub async fn release(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    claimed_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::Scope.eq(scope))
        .filter(idempotency_keys::Column::Key.eq(key))
        .filter(idempotency_keys::Column::CreatedAt.eq(claimed_at))
        .filter(idempotency_keys::Column::Status.is_null())
        .exec(db)
        .await
        .map(drop)
}

/// Drops the answers kept past their time (called every minute or so).
pub async fn purge_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
        .map(drop)
}
