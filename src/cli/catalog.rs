//! `portcullis invite|promo|tag|field create`: what the management API does for
//! invite codes, promo codes, tags and custom fields, from the command line.

use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use serde_json::json;

use crate::{
    context::AppContext,
    domain::{
        Tenant,
        tenants::catalog::{self, FieldSettings, PromoLimits},
    },
    startup::BoxError,
};

#[derive(Debug, Subcommand)]
pub enum InviteAction {
    /// Issue an invite code; it is printed once and stored hashed.
    Create {
        #[arg(long)]
        client_id: String,
        /// How many registrations it admits.
        #[arg(long, default_value_t = 1)]
        max_uses: i32,
        /// Lifetime such as `7d`, `12h`, `30m` or `90s`; no expiry when absent.
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<Duration>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PromoAction {
    /// Create a promo code.
    Create {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        code: String,
        /// Unlimited when absent.
        #[arg(long)]
        max_redemptions: Option<i32>,
        /// RFC 3339 time from which it can be redeemed.
        #[arg(long)]
        valid_from: Option<DateTime<Utc>>,
        /// RFC 3339 time until which it can be redeemed.
        #[arg(long)]
        valid_until: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagAction {
    /// Create a tag; prints its id.
    Create {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FieldAction {
    /// Define a custom user field.
    Create {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        name: String,
        /// string, integer, boolean, date, email, url or enum.
        #[arg(long = "type")]
        field_type: String,
        #[arg(long)]
        required: bool,
        #[arg(long)]
        max_length: Option<i32>,
        /// A regular expression the whole value must match.
        #[arg(long)]
        pattern: Option<String>,
        /// The values of an enum, comma-separated.
        #[arg(long, value_delimiter = ',')]
        choices: Vec<String>,
    },
}

/// `7d`, `12h`, `30m` or `90s`.
fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let invalid = || format!("expected a lifetime like 7d, 12h, 30m or 90s, got {text:?}");
    let unit = text.chars().last().ok_or_else(invalid)?;
    let n: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(invalid)?;
    match unit {
        'd' => Duration::try_days(n),
        'h' => Duration::try_hours(n),
        'm' => Duration::try_minutes(n),
        's' => Duration::try_seconds(n),
        _ => None,
    }
    .filter(|lifetime| *lifetime <= Duration::days(3650))
    .ok_or_else(invalid)
}

async fn tenant(ctx: &AppContext, client_id: &str) -> Result<Tenant, BoxError> {
    Ok(ctx
        .tenants
        .by_client_id(client_id)
        .await?
        .ok_or_else(|| format!("no tenant with client_id {client_id:?}"))?)
}

pub async fn invite(ctx: &AppContext, action: InviteAction) -> Result<(), BoxError> {
    let InviteAction::Create {
        client_id,
        max_uses,
        expires_in,
        json,
    } = action;
    let tenant = tenant(ctx, &client_id).await?;
    let now = ctx.clock.now();
    let expires_at = expires_in.map(|lifetime| now + lifetime);
    let (code, model) = catalog::issue_invite(&ctx.db, &tenant, max_uses, expires_at, now).await?;
    if json {
        println!(
            "{}",
            json!({"id": model.id, "code": code, "max_uses": model.max_uses, "expires_at": model.expires_at})
        );
    } else {
        println!("invite code (shown only once): {code}");
    }
    Ok(())
}

pub async fn promo(ctx: &AppContext, action: PromoAction) -> Result<(), BoxError> {
    let PromoAction::Create {
        client_id,
        code,
        max_redemptions,
        valid_from,
        valid_until,
    } = action;
    let tenant = tenant(ctx, &client_id).await?;
    let limits = PromoLimits {
        max_redemptions,
        valid_from,
        valid_until,
    };
    let model = catalog::create_promo(&ctx.db, &tenant, &code, limits, ctx.clock.now()).await?;
    println!("promo code {} created (id {})", model.code, model.id);
    Ok(())
}

pub async fn tag(ctx: &AppContext, action: TagAction) -> Result<(), BoxError> {
    let TagAction::Create { client_id, name } = action;
    let tenant = tenant(ctx, &client_id).await?;
    let model = catalog::create_tag(&ctx.db, &tenant, &name, ctx.clock.now()).await?;
    println!("{}", model.id);
    Ok(())
}

pub async fn field(ctx: &AppContext, action: FieldAction) -> Result<(), BoxError> {
    let FieldAction::Create {
        client_id,
        name,
        field_type,
        required,
        max_length,
        pattern,
        choices,
    } = action;
    let tenant = tenant(ctx, &client_id).await?;
    let settings = FieldSettings {
        name,
        field_type,
        required,
        max_length,
        pattern,
        choices: (!choices.is_empty()).then_some(choices),
    };
    let model = catalog::create_field(&ctx.db, &tenant, settings, ctx.clock.now()).await?;
    println!("custom field {} ({}) created", model.name, model.field_type);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_lifetime("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_lifetime("90s"), Ok(Duration::seconds(90)));
        for bad in ["7w", "d", "", "7д", "-1d", "99999999999999d"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
