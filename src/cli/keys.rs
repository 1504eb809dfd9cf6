use clap::Subcommand;

use crate::{
    auth::keys,
    context::AppContext,
    startup::BoxError,
    store::{self, signing_keys::Retired},
};

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
            match store::signing_keys::retire(&ctx.db, &kid, ctx.clock.now()).await? {
                Retired::Retired => println!("retired {kid}"),
                Retired::Unknown => return Err(format!("no active key {kid:?}").into()),
                Retired::LastActive => {
                    return Err("cannot retire the only active key; rotate first".into());
                }
            }
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
