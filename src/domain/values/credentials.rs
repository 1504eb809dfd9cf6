//! What the token service keeps: refresh tokens (by hash) and signing keys.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A refresh token as stored; its text is known only to its holder.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshToken {
    pub id: i64,
    /// Every rotation of one login shares a family; reuse revokes the family.
    pub family: Uuid,
    pub tenant_id: i64,
    pub user_id: i64,
    pub scope: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token-signing key as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKey {
    pub id: i64,
    pub kid: String,
    /// `EdDSA`.
    pub algorithm: String,
    /// Base64 of the PKCS#8 DER private key, or its sealed form.
    pub private_key: String,
    /// Base64url of the raw Ed25519 public key (the JWK `x`).
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    /// Retired keys neither sign nor verify.
    pub retired_at: Option<DateTime<Utc>>,
}
