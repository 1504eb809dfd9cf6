//! Django's PBKDF2 hashers: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` and
//! `pbkdf2_sha1$…` (django.contrib.auth.hashers). The salt is used as its UTF-8 text
//! and the hash is standard padded base64 of the full digest.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Format, FormatError, Pbkdf2Hash, Prf, parse_iterations};

pub(super) fn parse(hash: &str) -> Result<Pbkdf2Hash, FormatError> {
    let fields: Vec<&str> = hash.split('$').collect();
    let prf = match fields.first() {
        Some(&"pbkdf2_sha256") => Prf::Sha256,
        Some(&"pbkdf2_sha1") => Prf::Sha1,
        _ => return Err(FormatError::Unknown),
    };
    let [_, iterations, salt, encoded] = fields[..] else {
        return Err(FormatError::Malformed(
            "django pbkdf2 needs algorithm$iterations$salt$hash",
        ));
    };
    let rounds = parse_iterations(iterations)?;
    if salt.is_empty() {
        return Err(FormatError::Malformed("the django salt is empty"));
    }
    let expected = STANDARD
        .decode(encoded)
        .map_err(|_| FormatError::Malformed("the django hash is not base64"))?;
    if expected.len() != prf.output_len() {
        return Err(FormatError::Malformed(
            "the django hash has the wrong length",
        ));
    }
    Ok(Pbkdf2Hash {
        format: Format::DjangoPbkdf2,
        prf,
        rounds,
        salt: salt.as_bytes().to_vec(),
        expected,
    })
}
