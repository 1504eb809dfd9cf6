//! Client authentication: HTTP Basic (`client_secret_basic`) or form fields
//! (`client_secret_post`), never both (RFC 6749 section 2.3.1).

use base64::{Engine, engine::general_purpose::STANDARD};
use percent_encoding::percent_decode_str;
use poem::{Request, http::header};

use crate::domain::{
    FieldError, Problem,
    error::{Credential, Error},
    tokens::ClientCredentials,
};

const INVALID_CLIENT: Error = Error::Unauthenticated(Credential::Client);

/// A malformed request (RFC 6749 `invalid_request`), saying why.
pub fn invalid_request(field: &'static str, reason: impl Into<String>) -> Error {
    Error::Rejected(vec![
        FieldError::new(field, Problem::Invalid).because(reason),
    ])
}

pub fn client_credentials(
    req: &Request,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<ClientCredentials, Error> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let Some(encoded) = basic else {
        let client_id = form_id.ok_or(INVALID_CLIENT)?;
        return Ok(ClientCredentials {
            client_id: client_id.to_owned(),
            client_secret: form_secret.map(str::to_owned),
        });
    };
    if form_secret.is_some() {
        return Err(invalid_request(
            "client_secret",
            "use one client authentication method, not Basic and form fields",
        ));
    }
    let credentials = parse_basic(encoded.trim())?;
    if form_id.is_some_and(|id| id != credentials.client_id) {
        return Err(invalid_request(
            "client_id",
            "client_id in the form differs from the Basic credentials",
        ));
    }
    Ok(credentials)
}

/// `base64(urlencode(id) ":" urlencode(secret))`.
fn parse_basic(encoded: &str) -> Result<ClientCredentials, Error> {
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(INVALID_CLIENT)?;
    let (id, secret) = decoded.split_once(':').ok_or(INVALID_CLIENT)?;
    Ok(ClientCredentials {
        client_id: form_decode(id)?,
        client_secret: Some(form_decode(secret)?),
    })
}

fn form_decode(value: &str) -> Result<String, Error> {
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| INVALID_CLIENT)
}
