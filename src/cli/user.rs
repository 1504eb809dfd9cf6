use std::io::BufRead;

use clap::Subcommand;
use serde_json::json;

use crate::{
    context::AppContext,
    domain::{Email, FieldError, Password, Role, Username, tokens::Grantor, users::NewUser},
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
}

pub async fn run(ctx: &AppContext, action: UserAction) -> Result<(), BoxError> {
    let UserAction::Create {
        client_id,
        username,
        email,
        mut roles,
        password_stdin: _,
        json,
    } = action;
    let tenant = ctx
        .tenants
        .by_client_id(&client_id)
        .await?
        .ok_or_else(|| format!("no tenant with client_id {client_id:?}"))?;
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
        .register(&tenant, new_user, Grantor::Operator)
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
