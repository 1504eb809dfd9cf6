//! `/manage/v1/users/import`: a tenant's existing users, with their passwords
//! or the hashes their old system kept.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};
use std::collections::BTreeMap;

use serde_json::Value;

use super::shared::{managed_tenant, reply};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        json_body::JsonBody,
        json_string::JsonString,
        problem::{
            FieldProblem, ProblemJson,
            errors::{Failure, answer, from_parse_error},
        },
    },
    auth::foreign_hash::FirebaseConfig,
    context::AppContext,
    domain::{
        FieldError, Problem,
        users::import::{ImportBatch, ImportUser, MAX_BATCH, OnConflict, Outcome},
    },
};

pub struct ImportApi;

#[OpenApi]
impl ImportApi {
    /// Import users
    ///
    /// Up to 1,000 users a call, each checked as a registration is (the
    /// tenant's username, email and password rules, its custom fields and
    /// tags), with a `password` (hashed here) or the `password_hash` the old
    /// system kept: PHC argon2, pbkdf2 and scrypt strings, bcrypt, Django's
    /// `pbkdf2_sha256$`, SHA-crypt `$5$`/`$6$`, or Firebase scrypt (with the
    /// user's `password_salt` and the project's `hash_config`). A foreign hash
    /// is replaced by argon2id at the user's first sign-in. With `atomic`
    /// (the default) one failed user leaves everything as it was; otherwise
    /// every valid user is written. The answer has one result per user, in
    /// input order.
    #[oai(
        path = "/manage/v1/users/import",
        method = "post",
        operation_id = "importUsers"
    )]
    async fn import_users(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<ImportRequest>,
    ) -> ImportAnswer {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                if body.users.len() > MAX_BATCH {
                    return Err(Failure::too_large(&format!(
                        "at most {MAX_BATCH} users a call; this one has {}",
                        body.users.len()
                    )));
                }
                let batch = ImportBatch {
                    users: body.users.into_iter().map(ImportUser::from).collect(),
                    on_conflict: on_conflict(body.on_conflict)
                        .map_err(|error| Failure::invalid(&[error]))?,
                    atomic: body.atomic.unwrap_or(true),
                    hash_config: body.hash_config.map(Into::into),
                };
                Ok(ctx.registrar.import(&tenant, batch).await?)
            },
            |outcomes| ImportAnswer::Ok(Json(ImportSummary::of(outcomes))),
        )
        .await
    }
}

reply!(takes_body ImportAnswer {
    /// What became of each user.
    #[oai(status = 200)]
    Ok(Json<ImportSummary>),
}, PayloadTooLarge);

#[derive(Debug, Object)]
#[oai(rename = "UserImport")]
pub struct ImportRequest {
    /// At most 1,000.
    pub users: Vec<ImportedUser>,
    /// What to do with a user whose username, email or ext_id another user of
    /// the tenant holds: `fail` (the default) the user, `skip` it, or `update`
    /// the user holding the username with the values given, unless another
    /// holds the email or ext_id. (A user repeating an earlier user of the
    /// same call always fails.)
    #[oai(nullable)]
    pub on_conflict: Option<JsonString>,
    /// All or nothing (the default), or every valid user.
    #[oai(nullable)]
    pub atomic: Option<bool>,
    /// A Firebase project's password hash settings, as its console shows them.
    #[oai(nullable)]
    pub hash_config: Option<FirebaseHashConfig>,
}

/// `fail`, `skip` or `update`; absent or null is `fail`.
fn on_conflict(given: Option<JsonString>) -> Result<OnConflict, FieldError> {
    match given.as_ref().map(|choice| choice.0.as_str()) {
        None | Some("fail") => Ok(OnConflict::Fail),
        Some("skip") => Ok(OnConflict::Skip),
        Some("update") => Ok(OnConflict::Update),
        Some(_) => Err(FieldError::new("on_conflict", Problem::Invalid)
            .because("on_conflict is fail, skip or update")),
    }
}

/// One user to import.
#[derive(Object)]
#[oai(rename = "ImportedUser")]
pub struct ImportedUser {
    pub username: JsonString,
    #[oai(nullable)]
    pub email: Option<JsonString>,
    #[oai(nullable)]
    pub ext_id: Option<i64>,
    /// `admin`, `moderator`, `editor`, `viewer`. With `on_conflict: update`, a
    /// field left out keeps the user's value; here and below.
    #[oai(nullable)]
    pub roles: Option<Vec<JsonString>>,
    /// Ids of the tenant's tags.
    #[oai(nullable)]
    pub tags: Option<Vec<i64>>,
    /// Values of the tenant's custom fields.
    #[oai(nullable)]
    pub metadata: Option<BTreeMap<String, Value>>,
    /// `active`, `pending` or `disabled`; by default `active` with a password
    /// or hash, `pending` without.
    #[oai(nullable)]
    pub status: Option<JsonString>,
    /// Kept as given (not in the future).
    #[oai(nullable)]
    pub created_at: Option<DateTime<Utc>>,
    /// Hashed here with the tenant's password rules.
    #[oai(nullable)]
    pub password: Option<JsonString>,
    /// The old system's hash, instead of `password`.
    #[oai(nullable)]
    pub password_hash: Option<JsonString>,
    /// A Firebase user's salt (base64), with `hash_config`.
    #[oai(nullable)]
    pub password_salt: Option<JsonString>,
}

impl std::fmt::Debug for ImportedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedUser")
            .field("username", &self.username.0)
            .finish_non_exhaustive()
    }
}

impl From<ImportedUser> for ImportUser {
    fn from(user: ImportedUser) -> Self {
        ImportUser {
            username: user.username.0,
            email: user.email.map(|email| email.0),
            ext_id: user.ext_id,
            roles_given: user.roles.is_some(),
            tags_given: user.tags.is_some(),
            metadata_given: user.metadata.is_some(),
            roles: JsonString::strings(user.roles.unwrap_or_default()),
            tags: user.tags.unwrap_or_default(),
            metadata: user.metadata.unwrap_or_default().into_iter().collect(),
            status: user.status.map(|status| status.0),
            created_at: user.created_at,
            password: user.password.map(|password| password.0),
            password_hash: user.password_hash.map(|hash| hash.0),
            password_salt: user.password_salt.map(|salt| salt.0),
        }
    }
}

/// Firebase's `hash_config`.
#[derive(Object)]
#[oai(rename = "FirebaseHashConfig")]
pub struct FirebaseHashConfig {
    pub base64_signer_key: JsonString,
    pub base64_salt_separator: JsonString,
    pub rounds: u32,
    pub mem_cost: u32,
}

impl std::fmt::Debug for FirebaseHashConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirebaseHashConfig")
            .field("rounds", &self.rounds)
            .field("mem_cost", &self.mem_cost)
            .finish_non_exhaustive()
    }
}

impl From<FirebaseHashConfig> for FirebaseConfig {
    fn from(config: FirebaseHashConfig) -> Self {
        FirebaseConfig {
            signer_key: config.base64_signer_key.0,
            salt_separator: config.base64_salt_separator.0,
            rounds: config.rounds,
            mem_cost: config.mem_cost,
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "UserImportResult")]
pub struct ImportSummary {
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub failed: u32,
    /// One per user, in input order.
    pub results: Vec<ImportResult>,
}

#[derive(Debug, Object)]
#[oai(rename = "ImportedUserResult")]
pub struct ImportResult {
    pub index: u32,
    /// `created`, `updated`, `skipped`, `failed`, or `rolled_back` (valid, but
    /// another user failed an all-or-nothing import).
    pub status: String,
    /// The user's id (created, updated, or holding a skipped user's username).
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<i64>,
    /// Why the user failed (empty otherwise).
    pub errors: Vec<FieldProblem>,
}

impl ImportSummary {
    fn of(outcomes: Vec<Outcome>) -> Self {
        let mut summary = ImportSummary {
            created: 0,
            updated: 0,
            skipped: 0,
            failed: 0,
            results: Vec::with_capacity(outcomes.len()),
        };
        for (index, outcome) in (0u32..).zip(outcomes) {
            let (status, id, errors) = match outcome {
                Outcome::Created(id) => {
                    summary.created += 1;
                    ("created", Some(id), Vec::new())
                }
                Outcome::Updated(id) => {
                    summary.updated += 1;
                    ("updated", Some(id), Vec::new())
                }
                Outcome::Skipped(id) => {
                    summary.skipped += 1;
                    ("skipped", id, Vec::new())
                }
                Outcome::Failed(errors) => {
                    summary.failed += 1;
                    (
                        "failed",
                        None,
                        errors.iter().map(FieldProblem::from).collect(),
                    )
                }
                Outcome::RolledBack => ("rolled_back", None, Vec::new()),
            };
            summary.results.push(ImportResult {
                index,
                status: status.to_owned(),
                id,
                errors,
            });
        }
        summary
    }
}
