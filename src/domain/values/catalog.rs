//! What a tenant offers its registrations: invite codes, promo codes, tags
//! and custom field definitions, as stored.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// An invite code (its text is shown once; only its hash is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct InviteCode {
    pub id: i64,
    pub max_uses: i32,
    pub uses: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl InviteCode {
    /// Whether the code can still be used at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none()
            && self.uses < self.max_uses
            && self.expires_at.is_none_or(|at| at > now)
    }
}

/// How often and when a promo code may be redeemed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromoLimits {
    /// `None`: unlimited.
    pub max_redemptions: Option<i32>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// A promo code, as users type it.
#[derive(Debug, Clone, PartialEq)]
pub struct PromoCode {
    pub id: i64,
    pub code: String,
    pub limits: PromoLimits,
    pub redemptions: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Bumped by every change (the `ETag`).
    pub version: i64,
}

impl PromoCode {
    /// Whether the code can be redeemed at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        let limits = &self.limits;
        self.active
            && limits
                .max_redemptions
                .is_none_or(|max| self.redemptions < max)
            && limits.valid_from.is_none_or(|from| from <= now)
            && limits.valid_until.is_none_or(|until| until > now)
    }
}

/// A tag users may carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// The definition of a custom user field.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    pub id: i64,
    pub name: String,
    /// `string` | `integer` | `boolean` | `date` | `email` | `url` | `enum`.
    pub field_type: String,
    pub required: bool,
    pub max_length: Option<i32>,
    pub pattern: Option<String>,
    /// For `enum`: the allowed values, a JSON array of strings.
    pub choices: Option<Value>,
    pub created_at: DateTime<Utc>,
    /// Bumped by every change (the `ETag`).
    pub version: i64,
}
