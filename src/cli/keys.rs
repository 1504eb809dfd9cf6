use clap::Subcommand;

use crate::{auth::keys, context::AppContext, startup::BoxError, store};

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Add a new signing key; older keys keep verifying until retired.
    Rotate,
    /// Retire a key: tokens it signed stop verifying.
    Retire { kid: String },
    /// List active keys, newest (the signing key) last.
    List,
}

pub async fn run(ctx: &AppContext, action: KeysAction) -> Result<(), BoxError> {
    match action {
        KeysAction::Rotate => {
            let kid = keys::add_key(&ctx.db, ctx.tokens.keys().master(), ctx.clock.now()).await?;
            println!("new signing key: {kid}");
        }
        KeysAction::Retire { kid } => {
            let active = store::signing_keys::active(&ctx.db).await?;
            if active.len() == 1 && active.iter().any(|k| k.kid == kid) {
                return Err("cannot retire the only active key; rotate first".into());
            }
            if !store::signing_keys::retire(&ctx.db, &kid, ctx.clock.now()).await? {
                return Err(format!("no active key {kid:?}").into());
            }
            println!("retired {kid}");
        }
        KeysAction::List => {
            for key in store::signing_keys::active(&ctx.db).await? {
                println!(
                    "{}  {}  {}",
                    key.kid,
                    key.algorithm,
                    key.created_at.to_rfc3339()
                );
            }
        }
    }
    Ok(())
}
