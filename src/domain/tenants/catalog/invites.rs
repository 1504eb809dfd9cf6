//! Invite codes: issued (shown once, stored hashed), listed and revoked.

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::{ITEM, audited, rejected};
use crate::{
    auth::secrets::hash_secret,
    domain::{Error, Page, Problem, Tenant, audit, values::InviteCode},
    store::{self},
};

/// Invite codes are 20 characters of an unambiguous alphabet (about 100 bits).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 20;

pub async fn list_invites(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<InviteCode>, Error> {
    Ok(store::codes::list_invites(db, tenant.id, page.skip, page.limit).await?)
}

fn generate_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Issues an invite code; the code itself is returned once and stored hashed.
pub async fn issue_invite(
    db: &DatabaseConnection,
    tenant: &Tenant,
    max_uses: i32,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(String, InviteCode), Error> {
    if !(1..=1_000_000).contains(&max_uses) {
        return Err(rejected("max_uses", Problem::Invalid));
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(rejected("expires_at", Problem::Invalid));
    }
    let code = generate_code();
    let hash = hash_secret(&code);
    let model = audited(db, tenant, now, async |txn| {
        let model =
            store::codes::create_invite(txn, tenant.id, &hash, max_uses, expires_at, now).await?;
        let event = audit::Event::new(audit::Kind::InviteCreated, format!("invite:{}", model.id))
            .with_detail(json!({"max_uses": max_uses, "expires_at": expires_at}));
        Ok((model, vec![event]))
    })
    .await?;
    Ok((code, model))
}

/// Revokes an unrevoked invite code of the tenant.
pub async fn revoke_invite(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audited(db, tenant, now, async |txn| {
        if !store::codes::revoke_invite(txn, tenant.id, id, now).await? {
            return Err(Error::NotFound(ITEM));
        }
        Ok((
            (),
            vec![audit::Event::new(
                audit::Kind::InviteRevoked,
                format!("invite:{id}"),
            )],
        ))
    })
    .await
}
