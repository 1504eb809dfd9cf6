//! Importing a user base: each user checked by the rules a registration meets
//! (the tenant's username, email and password rules, its custom fields and
//! tags), with a password (hashed here, on the bounded pool) or the hash the old
//! system kept (verified and replaced at the first sign-in), then written all
//! or nothing, or each row that can be.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::register::Registrar;
use crate::{
    auth::foreign_hash::{self, FirebaseConfig, FormatError},
    domain::{
        Email, Error, FieldError, Password, Problem, Role, Tenant, Username, audit, users::fields,
        values::UserStatus,
    },
    store::{
        imports::{self, Given, ImportRow, Written},
        tags,
        users::Duplicate,
    },
};

pub use crate::store::imports::OnConflict;

/// The most users one call takes.
pub const MAX_BATCH: usize = 1000;

/// How many passwords of one batch are hashed at once: the pool's queue stays
/// open to sign-ups meanwhile.
const HASHING_AT_ONCE: usize = 4;

/// One user as the old system knew them.
#[derive(Default)]
pub struct ImportUser {
    pub username: String,
    pub email: Option<String>,
    pub ext_id: Option<i64>,
    pub roles: Vec<String>,
    /// Ids of the tenant's tags.
    pub tags: Vec<i64>,
    pub metadata: Map<String, Value>,
    /// Whether the row named its roles, tags and metadata (an update changes
    /// only what the row gave).
    pub roles_given: bool,
    pub tags_given: bool,
    pub metadata_given: bool,
    pub status: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub password: Option<String>,
    pub password_hash: Option<String>,
    /// A Firebase user's own salt (base64), beside its `password_hash`.
    pub password_salt: Option<String>,
}

pub struct ImportBatch {
    pub users: Vec<ImportUser>,
    pub on_conflict: OnConflict,
    pub atomic: bool,
    /// A Firebase project's hash settings, for its users' hashes.
    pub hash_config: Option<FirebaseConfig>,
}

/// What became of one user, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(i64),
    Updated(i64),
    /// Left out: the id of the user who holds the username, if one does.
    Skipped(Option<i64>),
    Failed(Vec<FieldError>),
    /// Valid, but not written: another row failed an all-or-nothing import.
    RolledBack,
}

/// A checked row: what to store, and the password still to hash.
struct Checked {
    row: ImportRow,
    password: Option<Password>,
}

impl Registrar {
    /// Imports a batch for `tenant`. Every row is checked before anything is
    /// hashed or written; the answer has one outcome per row.
    pub async fn import(&self, tenant: &Tenant, batch: ImportBatch) -> Result<Vec<Outcome>, Error> {
        let definitions = self.custom_fields(tenant).await?.definitions;
        let wanted_tags: Vec<i64> = batch.users.iter().flat_map(|u| u.tags.clone()).collect();
        let known_tags = if wanted_tags.is_empty() {
            Vec::new()
        } else {
            tags::existing(&self.db, tenant.id, &wanted_tags).await?
        };
        let now = self.clock.now();
        let size = batch.users.len();
        let mut seen = Seen::default();
        let rules = Rules {
            tenant,
            definitions: &definitions,
            known_tags: &known_tags,
            firebase: batch.hash_config.as_ref(),
            updating: batch.on_conflict == OnConflict::Update,
            now,
        };
        let mut checked: Vec<Result<Checked, Vec<FieldError>>> = batch
            .users
            .into_iter()
            .map(|user| {
                let row = check(&rules, user);
                row.and_then(|checked| seen.first(&checked.row).map(|()| checked))
            })
            .collect();
        // All or nothing, and something is wrong already: nothing to hash.
        if !(batch.atomic && checked.iter().any(Result::is_err)) {
            self.hash_passwords(&mut checked).await?;
        }

        let (positions, rows): (Vec<usize>, Vec<ImportRow>) = checked
            .iter_mut()
            .enumerate()
            .filter_map(|(index, row)| match row {
                Ok(checked) => Some((index, std::mem::replace(&mut checked.row, placeholder(now)))),
                Err(_) => None,
            })
            .unzip();
        let invalid = positions.len() < checked.len();
        let mut outcomes: Vec<Outcome> = checked
            .into_iter()
            .map(|row| match row {
                Ok(_) => Outcome::RolledBack,
                Err(errors) => Outcome::Failed(errors),
            })
            .collect();
        if batch.atomic && invalid {
            return Ok(outcomes);
        }
        let written = {
            // One import at a time per instance: a batch holds the tenant's
            // lock (and, on SQLite, the database's write lock) for its
            // thousands of statements.
            let _turn = self.imports.lock().await;
            let batch = imports::Batch {
                rows: &rows,
                on_conflict: batch.on_conflict,
                atomic: batch.atomic,
                size,
                case_insensitive: tenant.policy.username_case_insensitive,
            };
            imports::write(
                &self.db,
                tenant.id,
                batch,
                &audit::current(),
                self.clock.now(),
            )
            .await?
        };
        let rolled_back = batch.atomic && written.iter().any(Written::failed);
        for (position, written) in positions.into_iter().zip(written) {
            outcomes[position] = match written {
                Written::Taken(taken) => Outcome::Failed(taken_errors(&taken)),
                Written::UnknownTag => {
                    Outcome::Failed(vec![FieldError::new("tags", Problem::Invalid)])
                }
                _ if rolled_back => Outcome::RolledBack,
                Written::Created(id) => Outcome::Created(id),
                Written::Updated(id) => Outcome::Updated(id),
                Written::Skipped(id) => Outcome::Skipped(id),
            };
        }
        tracing::info!(rows = outcomes.len(), rolled_back, "users imported");
        Ok(outcomes)
    }

    /// Hashes the rows' passwords, a few at a time.
    async fn hash_passwords(
        &self,
        rows: &mut [Result<Checked, Vec<FieldError>>],
    ) -> Result<(), Error> {
        let waiting: Vec<(usize, Password)> = rows
            .iter_mut()
            .enumerate()
            .filter_map(|(index, row)| Some((index, row.as_mut().ok()?.password.take()?)))
            .collect();
        for chunk in waiting.chunks(HASHING_AT_ONCE) {
            let mut hashing = JoinSet::new();
            for (index, password) in chunk.iter().cloned() {
                let hasher = self.hasher.clone();
                hashing.spawn(async move { (index, hasher.hash(&password).await) });
            }
            for (index, hash) in hashing.join_all().await {
                if let Some(Ok(checked)) = rows.get_mut(index) {
                    checked.row.password_hash = Some(hash?);
                }
            }
        }
        Ok(())
    }
}

fn taken_errors(taken: &[Duplicate]) -> Vec<FieldError> {
    taken
        .iter()
        .map(|duplicate| FieldError::new(duplicate.field(), Problem::Taken))
        .collect()
}

/// Stands in for a row moved out to the store.
fn placeholder(now: DateTime<Utc>) -> ImportRow {
    ImportRow {
        username: String::new(),
        username_key: String::new(),
        email: None,
        email_key: None,
        password_hash: None,
        status: UserStatus::Pending,
        roles: Vec::new(),
        tags: Vec::new(),
        ext_id: None,
        metadata: Value::Null,
        created_at: now,
        given: Given::default(),
    }
}

/// What every row of a batch is checked against.
struct Rules<'a> {
    tenant: &'a Tenant,
    definitions: &'a [fields::FieldDefinition],
    known_tags: &'a [i64],
    firebase: Option<&'a FirebaseConfig>,
    /// Rows may update users, whose stored password counts.
    updating: bool,
    now: DateTime<Utc>,
}

/// One row against the tenant's rules: every problem found, not the first.
fn check(rules: &Rules<'_>, user: ImportUser) -> Result<Checked, Vec<FieldError>> {
    let Rules {
        tenant,
        definitions,
        known_tags,
        firebase,
        updating,
        now,
    } = *rules;
    let mut errors = Vec::new();
    let given = Given {
        email: user.email.is_some(),
        ext_id: user.ext_id.is_some(),
        roles: user.roles_given,
        tags: user.tags_given,
        metadata: user.metadata_given,
        status: user.status.is_some(),
    };
    let policy = &tenant.policy;
    let username = Username::parse(&user.username, policy.signup_username_rules())
        .map_err(|problem| errors.push(FieldError::new("username", problem)))
        .ok();
    let email = match user.email.as_deref() {
        Some(raw) => Email::parse(raw)
            .map_err(|problem| errors.push(FieldError::new("email", problem)))
            .ok(),
        None => None,
    };
    let mut roles: Vec<Role> = Vec::new();
    for raw in &user.roles {
        match raw.parse() {
            Ok(role) if !roles.contains(&role) => roles.push(role),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new("roles", Problem::Invalid)),
        }
    }
    if user.tags.iter().any(|tag| !known_tags.contains(tag)) {
        errors.push(FieldError::new("tags", Problem::Invalid));
    }
    let metadata = fields::validate(definitions, &user.metadata)
        .map_err(|found| errors.extend(found))
        .ok();
    let (password, password_hash) = match (&user.password, &user.password_hash) {
        (Some(_), Some(_)) => {
            errors.push(
                FieldError::new("password_hash", Problem::NotAllowed)
                    .because("password_hash is not allowed beside a password"),
            );
            (None, None)
        }
        (Some(raw), None) => (
            Password::parse(raw, policy.signup_password_policy())
                .map_err(|problem| errors.push(FieldError::new("password", problem)))
                .ok(),
            None,
        ),
        (None, Some(hash)) => (
            None,
            foreign(hash, user.password_salt.as_deref(), firebase)
                .map_err(|reason| {
                    errors.push(FieldError::new("password_hash", Problem::Invalid).because(reason));
                })
                .ok(),
        ),
        (None, None) => (None, None),
    };
    let has_password = password.is_some() || password_hash.is_some();
    let status = match user.status.as_deref().map(UserStatus::parse) {
        None if has_password => Some(UserStatus::Active),
        None => Some(UserStatus::Pending),
        Some(Some(UserStatus::Active)) if !has_password && !updating => {
            errors.push(
                FieldError::new("status", Problem::Invalid)
                    .because("status active needs a password or a password_hash"),
            );
            None
        }
        Some(Some(status)) => Some(status),
        Some(None) => {
            errors.push(FieldError::new("status", Problem::Invalid));
            None
        }
    };
    if user.created_at.is_some_and(|at| at > now) {
        errors.push(
            FieldError::new("created_at", Problem::Invalid).because("created_at is in the future"),
        );
    }
    match (username, metadata, status) {
        (Some(username), Some(metadata), Some(status)) if errors.is_empty() => Ok(Checked {
            row: ImportRow {
                username_key: username.key().to_owned(),
                username: username.as_str().to_owned(),
                email_key: email.as_ref().map(|email| email.key().to_owned()),
                email: email.map(|email| email.as_str().to_owned()),
                password_hash,
                status,
                roles,
                tags: dedup(user.tags),
                ext_id: user.ext_id,
                metadata: Value::Object(metadata),
                created_at: user.created_at.unwrap_or(now),
                given,
            },
            password,
        }),
        _ => Err(errors),
    }
}

/// The hash to store: the old system's, once its format is known and its cost
/// bounded; a Firebase hash with its project's settings and its own salt.
fn foreign(
    hash: &str,
    salt: Option<&str>,
    firebase: Option<&FirebaseConfig>,
) -> Result<String, String> {
    let reason = |err: FormatError| err.to_string();
    match (firebase, salt) {
        (Some(config), Some(salt)) => {
            foreign_hash::firebase_hash(config, salt, hash).map_err(reason)
        }
        (None, Some(_)) => {
            Err("a password_salt needs the import's hash_config (Firebase)".to_owned())
        }
        (_, None) => foreign_hash::recognise(hash)
            .map(|_| hash.to_owned())
            .map_err(reason),
    }
}

fn dedup(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The unique values earlier rows of the batch took: a later row repeating one
/// fails, as it would against a user already stored.
#[derive(Default)]
struct Seen {
    usernames: HashSet<String>,
    emails: HashSet<String>,
    ext_ids: HashSet<i64>,
}

impl Seen {
    fn first(&mut self, row: &ImportRow) -> Result<(), Vec<FieldError>> {
        let mut repeated = Vec::new();
        if self.usernames.contains(&row.username_key) {
            repeated.push(Duplicate::Username);
        }
        if row
            .email_key
            .as_ref()
            .is_some_and(|key| self.emails.contains(key))
        {
            repeated.push(Duplicate::Email);
        }
        if row.ext_id.is_some_and(|id| self.ext_ids.contains(&id)) {
            repeated.push(Duplicate::ExtId);
        }
        if !repeated.is_empty() {
            return Err(repeated
                .iter()
                .map(|d| {
                    FieldError::new(d.field(), Problem::Taken)
                        .because(format!("{} is repeated in this import", d.field()))
                })
                .collect());
        }
        self.usernames.insert(row.username_key.clone());
        self.emails.extend(row.email_key.clone());
        self.ext_ids.extend(row.ext_id);
        Ok(())
    }
}
