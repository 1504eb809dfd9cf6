//! Access tokens: compact EdDSA JWS (RFC 7515, RFC 8037) signed by the key ring's
//! current key. The keys stay decoded in the ring, so signing and verifying cost
//! one Ed25519 operation each.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};

use super::keys::{KeyError, KeyRing};

/// Longer bearer values are refused before any decoding.
const MAX_TOKEN_LEN: usize = 8 * 1024;

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

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Deserialize)]
struct ReceivedHeader {
    alg: String,
    kid: Option<String>,
    /// Critical extensions we do not understand make a token invalid (RFC 7515 4.1.11).
    crit: Option<serde_json::Value>,
}

pub fn sign(keys: &KeyRing, claims: &Claims) -> Result<String, KeyError> {
    let signer = keys.signer()?;
    let header = Header {
        alg: "EdDSA",
        typ: "JWT",
        kid: &signer.kid,
    };
    let material = |err: serde_json::Error| KeyError::Material(err.to_string());
    let mut token = String::with_capacity(512);
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(&header).map_err(material)?, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims).map_err(material)?, &mut token);
    let signature = signer.key.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut token);
    Ok(token)
}

/// Checks signature, issuer and expiry (against the given time, not the system clock).
pub async fn verify(
    keys: &KeyRing,
    token: &str,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Invalid);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
    let (header, payload) = signed.split_once('.').ok_or(TokenError::Invalid)?;
    let header: ReceivedHeader = decode_json(header)?;
    if header.alg != "EdDSA" || header.crit.is_some() {
        return Err(TokenError::Invalid);
    }
    let kid = header.kid.ok_or(TokenError::Invalid)?;
    let key = keys.verifying_key(&kid).await?.ok_or(TokenError::Invalid)?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(TokenError::Invalid)?;
    key.verify_strict(signed.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| TokenError::Invalid)?;
    let claims: Claims = decode_json(payload)?;
    if claims.iss != issuer {
        return Err(TokenError::Invalid);
    }
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Invalid)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Invalid)
}
