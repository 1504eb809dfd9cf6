use std::{io::BufRead, path::PathBuf};

use clap::Subcommand;
use serde_json::json;

use super::import::{self, ConflictArg};
use crate::{
    context::AppContext,
    domain::{
        Email, FieldError, Password, Role, Tenant, Username, tokens::Grantor, users::NewUser,
    },
    startup::BoxError,
};

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user through the registration pipeline; the password is read from
    /// standard input (one line).
    Create {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
        /// admin, moderator, editor or viewer; repeat for several.
        #[arg(long = "role")]
        roles: Vec<Role>,
        /// Read the password from standard input (required: passwords never go in argv).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import users from a file: NDJSON (one user a line) or a JSON array, in
    /// the fields of `POST /manage/v1/users/import`, with passwords or hashes.
    /// Exits non-zero when any user was not imported.
    Import {
        #[arg(long)]
        client_id: String,
        file: PathBuf,
        #[arg(long, value_enum, default_value = "fail")]
        on_conflict: ConflictArg,
        /// Users per transaction (at most 1000).
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Write the refused lines here (NDJSON: line number and reason)
        /// instead of to standard error.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Write the tenant's users as NDJSON in the import format, password
    /// hashes included (the only way hashes leave).
    Export {
        #[arg(long)]
        client_id: String,
        /// Standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(ctx: &AppContext, action: UserAction) -> Result<(), BoxError> {
    match action {
        UserAction::Create {
            client_id,
            username,
            email,
            roles,
            password_stdin: _,
            json,
        } => {
            let tenant = tenant(ctx, &client_id).await?;
            create(ctx, &tenant, username, email, roles, json).await
        }
        UserAction::Import {
            client_id,
            file,
            on_conflict,
            batch,
            report,
        } => {
            let tenant = tenant(ctx, &client_id).await?;
            import::import(ctx, &tenant, file, on_conflict, batch, report).await
        }
        UserAction::Export { client_id, out } => {
            let tenant = tenant(ctx, &client_id).await?;
            import::export(ctx, &tenant, out).await
        }
    }
}

async fn tenant(ctx: &AppContext, client_id: &str) -> Result<Tenant, BoxError> {
    Ok(ctx
        .tenants
        .by_client_id(client_id)
        .await?
        .ok_or_else(|| format!("no tenant with client_id {client_id:?}"))?)
}

async fn create(
    ctx: &AppContext,
    tenant: &Tenant,
    username: String,
    email: Option<String>,
    mut roles: Vec<Role>,
    json: bool,
) -> Result<(), BoxError> {
    let password = read_password_line()?;

    let rules = tenant.policy.signup_username_rules();
    let username = Username::parse(&username, rules)
        .map_err(|p| FieldError::new("username", p).to_string())?;
    let email = email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|p| FieldError::new("email", p).to_string())?;
    let password = Password::parse(&password, tenant.policy.signup_password_policy())
        .map_err(|p| FieldError::new("password", p).to_string())?;
    roles.sort();
    roles.dedup();

    let new_user = NewUser {
        username,
        email,
        password: Some(password),
        roles,
    };
    let user = ctx
        .registrar
        .register(tenant, new_user, Grantor::Operator)
        .await?;
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    if json {
        let out = json!({
            "id": user.id,
            "uuid": user.uuid,
            "username": user.username,
            "email": user.email,
            "roles": roles,
            "status": user.status.as_str(),
        });
        println!("{out}");
    } else {
        println!(
            "created user {} ({}) in tenant {} with roles [{}]",
            user.username,
            user.id,
            tenant.client_id,
            roles.join(", ")
        );
    }
    Ok(())
}

fn read_password_line() -> Result<String, BoxError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|err| format!("cannot read the password from stdin: {err}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
