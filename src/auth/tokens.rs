//! Access tokens: EdDSA JWTs signed by the key ring's current key.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::keys::{KeyError, KeyRing};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user's id, or the client_id for client_credentials tokens.
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    /// The tenant's internal id.
    pub tid: i64,
    pub roles: Vec<String>,
    /// Space-separated scopes.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed, unsigned by a known key or for another issuer")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error(transparent)]
    Keys(#[from] KeyError),
}

pub fn sign(keys: &KeyRing, claims: &Claims) -> Result<String, KeyError> {
    let (kid, key) = keys.signing_key()?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    encode(&header, claims, &key).map_err(|err| KeyError::Material(err.to_string()))
}

/// Checks signature, issuer and expiry (against the given time, not the system clock).
pub async fn verify(
    keys: &KeyRing,
    token: &str,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Claims, TokenError> {
    let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
    if header.alg != Algorithm::EdDSA {
        return Err(TokenError::Invalid);
    }
    let kid = header.kid.ok_or(TokenError::Invalid)?;
    let key = keys.verifying_key(&kid).await?.ok_or(TokenError::Invalid)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::from(["exp".to_owned(), "iss".to_owned()]);
    validation.set_issuer(&[issuer]);
    let claims = decode::<Claims>(token, &key, &validation)
        .map_err(|_| TokenError::Invalid)?
        .claims;
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}
