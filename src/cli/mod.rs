//! The `portcullis` command line. Every command reads the same configuration, so
//! `PORTCULLIS_DATABASE_URL` points them all at the server's database.

mod catalog;
mod import;
mod keys;
mod openapi;
mod tenant;
mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{
    config::Config,
    domain::Clock,
    startup::{self, Application, BoxError},
    store, telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "A multi-tenant identity service"
)]
pub struct Cli {
    /// TOML configuration file (defaults, then this file, then PORTCULLIS_* variables).
    #[arg(long, global = true, env = "PORTCULLIS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations (`migrate status` lists them).
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Manage tenants (apps, OAuth2 clients).
    Tenant {
        #[command(subcommand)]
        action: tenant::TenantAction,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: user::UserAction,
    },
    /// Issue invite codes for the community API v2.
    Invite {
        #[command(subcommand)]
        action: catalog::InviteAction,
    },
    /// Manage promo codes.
    Promo {
        #[command(subcommand)]
        action: catalog::PromoAction,
    },
    /// Manage tags users can carry.
    Tag {
        #[command(subcommand)]
        action: catalog::TagAction,
    },
    /// Define custom user fields (metadata).
    Field {
        #[command(subcommand)]
        action: catalog::FieldAction,
    },
    /// Manage the keys that sign access tokens.
    Keys {
        #[command(subcommand)]
        action: keys::KeysAction,
    },
    /// Ask the local server's `/healthz` or `/readyz` (container health checks,
    /// where there is no curl); fails unless it answers 2xx.
    Probe {
        /// `healthz` or `readyz`.
        #[arg(default_value = "readyz", value_parser = ["healthz", "readyz"])]
        check: String,
    },
    /// Work with the OpenAPI documents.
    Openapi {
        #[command(subcommand)]
        action: openapi::OpenapiAction,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// List each migration and whether it is applied.
    Status,
}

pub async fn run(cli: Cli) -> Result<(), BoxError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let _flush_logs_on_exit = telemetry::init(&config);
            let app = Application::build(&config, Clock::system()).await?;
            app.run_until(startup::shutdown_signal()).await
        }
        Command::Migrate { action } => migrate(&config, action).await,
        Command::Tenant { action } => tenant::run(&connect(&config).await?, action).await,
        Command::User { action } => user::run(&connect(&config).await?, action).await,
        Command::Invite { action } => catalog::invite(&connect(&config).await?, action).await,
        Command::Promo { action } => catalog::promo(&connect(&config).await?, action).await,
        Command::Tag { action } => catalog::tag(&connect(&config).await?, action).await,
        Command::Field { action } => catalog::field(&connect(&config).await?, action).await,
        Command::Keys { action } => keys::run(&connect(&config).await?, action).await,
        Command::Openapi { action } => openapi::run(action),
        Command::Probe { check } => probe(&config, &check).await,
    }
}

async fn probe(config: &Config, check: &str) -> Result<(), BoxError> {
    let mut address = config.listen;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let response = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()?
        .get(format!("http://{address}/{check}"))
        .send()
        .await?;
    let status = response.status();
    println!("{}", response.text().await.unwrap_or_default());
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("/{check} answered {status}").into())
    }
}

async fn connect(config: &Config) -> Result<crate::context::AppContext, BoxError> {
    startup::connect(config, Clock::system()).await
}

async fn migrate(config: &Config, action: Option<MigrateAction>) -> Result<(), BoxError> {
    let db = store::connect(&config.database_url, config.database_max_connections)
        .await
        .map_err(|err| format!("cannot open database: {err}"))?;
    match action {
        None => {
            store::migrate(&db).await?;
            println!("migrations applied");
        }
        Some(MigrateAction::Status) => {
            for (name, applied) in store::migration_status(&db).await? {
                let state = if applied { "applied" } else { "pending" };
                println!("{state:8} {name}");
            }
        }
    }
    Ok(())
}
