//! Users brought from another system keep their password hashes: the first
//! sign-in verifies the foreign format, then stores argon2id in the same
//! transaction that records the login. (The formats themselves are tested
//! against the reference tools' output in `auth::foreign_hash`.)

use entity::users;
use portcullis::ratelimit::{BackendKind, Quota};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    db_test,
    helpers::{Backend, TestApp, TestTenant, USER_PASSWORD, spawn_app},
};

/// Hashes of [`USER_PASSWORD`] as other systems store them: glibc's crypt
/// (SHA-512 with explicit rounds, SHA-256) and Django's `make_password`
/// format (computed with Python's `hashlib.pbkdf2_hmac`).
const FOREIGN: [&str; 3] = [
    "$6$rounds=5000$portcullissalt$4nkU/8XmhsG.Xs1a/k1jRQaOXVzcvT4Tumuwh0yrOZFCT9iQel0xekpMrVSZWvCsr/eN/4uAyK8KR7j7V4Dmk.",
    "$5$portcullissalt$ea7Ev.IM.ps17BS0mfxwsc2hrI7HZMW6bWwVK2dIEM6",
    "pbkdf2_sha256$1000$seasalt0123456789abc$YWw8jfCVjyX8dpb8qVEME1tXOV0pcN5R8XnzhPKuCS8=",
];

async fn stored_hash(app: &TestApp, tenant: &TestTenant, username: &str) -> String {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant.tenant.id))
        .filter(users::Column::Username.eq(username))
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap()
}

async fn set_hash(app: &TestApp, tenant: &TestTenant, username: &str, hash: &str) {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::TenantId.eq(tenant.tenant.id))
        .filter(users::Column::Username.eq(username))
        .exec(&app.ctx.db)
        .await
        .unwrap();
}

async fn a_foreign_hash_signs_in_once_then_is_argon2id(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = app.create_tenant("migrated").await;
    for (i, foreign) in FOREIGN.iter().enumerate() {
        let username = format!("old{i}");
        app.create_user(&tenant, &username, vec![]).await;
        set_hash(&app, &tenant, &username, foreign).await;

        let (status, body) = app
            .password_grant(&tenant, &username, "Wrong-horse-1", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{foreign}: {body}");
        assert_eq!(body["error"], "invalid_grant");
        assert_eq!(stored_hash(&app, &tenant, &username).await, *foreign);

        let (status, body) = app
            .password_grant(&tenant, &username, USER_PASSWORD, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{foreign}: {body}");
        let upgraded = stored_hash(&app, &tenant, &username).await;
        assert!(
            upgraded.starts_with("$argon2id$"),
            "{foreign} became {upgraded}"
        );

        let (status, _) = app
            .password_grant(&tenant, &username, USER_PASSWORD, None)
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{foreign}: the argon2id hash verifies"
        );
    }
}
db_test!(a_foreign_hash_signs_in_once_then_is_argon2id);

/// A wrong password against an imported hash counts toward the lockout like
/// any other: once locked, the right one is refused too, and nothing is upgraded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_on_an_imported_hash_lock_the_user_out() {
    let mut config = crate::rate_limits::limited_config(BackendKind::Memory).await;
    config.rate_limit.policies.login_failures = Quota::new(2, 900);
    let app = TestApp::builder(Backend::Sqlite)
        .config(config)
        .spawn()
        .await;
    let tenant = app.create_tenant("migrated").await;
    app.create_user(&tenant, "old", vec![]).await;
    set_hash(&app, &tenant, "old", FOREIGN[0]).await;
    let (status, wrong) = app.password_grant(&tenant, "old", "wrong", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.password_grant(&tenant, "old", "wrong", None).await;
    assert_eq!(
        app.password_grant(&tenant, "old", USER_PASSWORD, None)
            .await,
        (StatusCode::BAD_REQUEST, wrong)
    );
    assert_eq!(stored_hash(&app, &tenant, "old").await, FOREIGN[0]);
}
