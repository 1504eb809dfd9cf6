use clap::Subcommand;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::{
    auth::secrets::generate_client_secret,
    context::AppContext,
    domain::{ClientId, PolicyChange, Tenant, audit},
    startup::BoxError,
    store,
};

#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Create a tenant; prints its client_id and client_secret (shown only once).
    Create {
        #[arg(long)]
        name: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Issue a new client_secret; the current ones stay valid for the grace period.
    RotateSecret {
        client_id: String,
        /// Seconds the previous secrets remain valid.
        #[arg(long, default_value_t = 86_400)]
        grace_secs: u32,
        #[arg(long)]
        json: bool,
    },
    /// Change policy keys, e.g. `public_signup_enabled=false`.
    Set {
        client_id: String,
        #[arg(value_name = "KEY=VALUE", required = true)]
        settings: Vec<String>,
    },
}

pub async fn run(ctx: &AppContext, action: TenantAction) -> Result<(), BoxError> {
    match action {
        TenantAction::Create { name, json } => create(ctx, &name, json).await,
        TenantAction::List { json } => list(ctx, json).await,
        TenantAction::RotateSecret {
            client_id,
            grace_secs,
            json,
        } => rotate_secret(ctx, &client_id, grace_secs, json).await,
        TenantAction::Set {
            client_id,
            settings,
        } => set(ctx, &client_id, &settings).await,
    }
}

async fn create(ctx: &AppContext, name: &str, as_json: bool) -> Result<(), BoxError> {
    let name = name.trim();
    if name.is_empty() {
        return Err("--name must not be blank".into());
    }
    let client_id = ClientId::generate();
    let (secret, secret_hash) = generate_client_secret();
    let tenant =
        store::tenants::create(&ctx.db, name, &client_id, &secret_hash, ctx.clock.now()).await?;
    if as_json {
        let out = json!({
            "client_id": tenant.client_id.as_str(),
            "client_secret": secret.expose_secret(),
            "name": tenant.name,
        });
        println!("{out}");
    } else {
        println!("created tenant {:?}", tenant.name);
        println!("client_id:     {}", tenant.client_id);
        println!("client_secret: {}", secret.expose_secret());
        println!("(the secret is shown only this once)");
    }
    Ok(())
}

async fn rotate_secret(
    ctx: &AppContext,
    client_id: &str,
    grace_secs: u32,
    as_json: bool,
) -> Result<(), BoxError> {
    let tenant = ctx
        .tenants
        .by_client_id(client_id)
        .await?
        .ok_or_else(|| format!("no tenant with client_id {client_id:?}"))?;
    let (secret, secret_hash) = generate_client_secret();
    let now = ctx.clock.now();
    let old_valid_until = now + chrono::Duration::seconds(i64::from(grace_secs));
    let event = audit::Event::new(audit::Kind::SecretRotated, "client")
        .with_detail(json!({"previous_valid_until": old_valid_until}));
    let audit = (audit::current(), vec![event]);
    store::tenants::rotate_secret(&ctx.db, &tenant, &secret_hash, now, old_valid_until, audit)
        .await?;
    if as_json {
        let out = json!({
            "client_id": tenant.client_id.as_str(),
            "client_secret": secret.expose_secret(),
            "previous_secrets_valid_until": old_valid_until.to_rfc3339(),
        });
        println!("{out}");
    } else {
        println!("client_secret: {}", secret.expose_secret());
        println!(
            "previous secrets stay valid until {}",
            old_valid_until.to_rfc3339()
        );
    }
    Ok(())
}

async fn list(ctx: &AppContext, as_json: bool) -> Result<(), BoxError> {
    let tenants = store::tenants::list(&ctx.db).await?;
    if as_json {
        let out: Vec<_> = tenants.iter().map(tenant_json).collect();
        println!("{}", serde_json::Value::Array(out));
    } else {
        println!("{:32}  {:25}  NAME", "CLIENT_ID", "CREATED_AT");
        for tenant in &tenants {
            println!(
                "{:32}  {:25}  {}",
                tenant.client_id,
                tenant.created_at.to_rfc3339(),
                tenant.name
            );
        }
    }
    Ok(())
}

async fn set(ctx: &AppContext, client_id: &str, settings: &[String]) -> Result<(), BoxError> {
    let tenant = ctx
        .tenants
        .by_client_id(client_id)
        .await?
        .ok_or_else(|| format!("no tenant with client_id {client_id:?}"))?;
    let pairs = settings
        .iter()
        .map(|setting| {
            setting
                .split_once('=')
                .ok_or_else(|| format!("expected KEY=VALUE, got {setting:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let change = PolicyChange::from_settings(pairs)?;
    let tenant = ctx
        .tenants
        .change_policy(&tenant, &change, None, ctx.clock.now())
        .await?;
    println!("{}", tenant_json(&tenant));
    Ok(())
}

fn tenant_json(tenant: &Tenant) -> serde_json::Value {
    json!({
        "client_id": tenant.client_id.as_str(),
        "name": tenant.name,
        "created_at": tenant.created_at.to_rfc3339(),
        "policy": serde_json::to_value(&tenant.policy).unwrap_or_default(),
    })
}
