//! A tenant (an app, an OAuth2 client) and the policy it sets for its users,
//! as stored.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, Quota};

#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    pub policy: TenantPolicy,
    pub created_at: DateTime<Utc>,
    /// Bumped by every change of the policy: the tenant's `ETag`.
    pub version: i64,
}

/// Stored as JSON; absent keys take their defaults, so old rows read fine after new
/// keys are added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantPolicy {
    /// Whether `POST /sign-up` accepts registrations for this tenant.
    pub public_signup_enabled: bool,
    /// RFC 8265 UsernameCaseMapped (true) or UsernameCasePreserved (false).
    pub username_case_insensitive: bool,
    /// Browser origins allowed to call the public surfaces; `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Minimum password length for sign-ups (8 unless the tenant lowers it).
    pub password_min_length: usize,
    /// How many of lower / upper / digit / symbol a sign-up password needs.
    pub password_min_classes: u8,
    /// A public client (RFC 6749 section 2.1: a browser or mobile app that cannot
    /// keep a secret) may use the password and refresh_token grants with its
    /// client_id alone.
    pub public_client: bool,
    /// The community API v2 account surface requires an email (the account document's second
    /// edition), or not (its first).
    pub require_email: bool,
    /// The account surface requires a password; without one a user is `pending`.
    pub require_password: bool,
    /// Registrations through the community API v2 need an invite code.
    pub invite_only: bool,
    /// Registrations may redeem a promo code.
    pub promo_codes_enabled: bool,
    /// Quotas that replace the configured ones for this tenant, by policy name.
    pub rate_limits: BTreeMap<String, Quota>,
}

impl Default for TenantPolicy {
    fn default() -> Self {
        Self {
            public_signup_enabled: true,
            username_case_insensitive: true,
            allowed_origins: vec!["*".to_owned()],
            // NIST SP 800-63B: at least 8 characters for passwords users choose.
            password_min_length: 8,
            password_min_classes: 0,
            public_client: false,
            require_email: true,
            require_password: true,
            invite_only: false,
            promo_codes_enabled: false,
            rate_limits: BTreeMap::new(),
        }
    }
}

/// Whether the public sign-up registers anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicSignUp {
    Open,
    /// `public_signup_enabled = false`.
    Closed,
    /// `invite_only = true`: the public sign-up has no field for a code.
    InviteOnly,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_open_sign_up_with_eight_character_passwords() {
        let policy = TenantPolicy::default();
        assert!(policy.public_signup_enabled);
        assert!(policy.username_case_insensitive);
        assert_eq!(policy.password_min_length, 8);
    }

    #[test]
    fn missing_keys_in_stored_json_take_defaults() {
        let policy: TenantPolicy =
            serde_json::from_str(r#"{"public_signup_enabled":false}"#).unwrap();
        assert!(!policy.public_signup_enabled);
        assert!(policy.username_case_insensitive);
    }
}
