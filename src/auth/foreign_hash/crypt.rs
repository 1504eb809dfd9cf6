//! Modular-crypt hashes: bcrypt (`$2a$`, `$2b$`, `$2y$`) and SHA-crypt (`$5$`, `$6$`).

use subtle::ConstantTimeEq;

use super::{FormatError, MAX_BCRYPT_COST, MAX_ITERATIONS, Parsed};

pub(super) fn parse_bcrypt(hash: &str) -> Result<Parsed<'_>, FormatError> {
    let parts: bcrypt::HashParts = hash
        .parse()
        .map_err(|_| FormatError::Malformed("not a valid bcrypt hash"))?;
    match parts.get_cost() {
        cost if cost < 4 => Err(FormatError::Malformed("bcrypt cost below 4")),
        cost if cost > MAX_BCRYPT_COST => Err(FormatError::TooCostly("bcrypt cost above 13")),
        _ => Ok(Parsed::Bcrypt(hash)),
    }
}

/// `$5$[rounds=N$]<salt, at most 16>$<43 or 86 crypt-base64 characters>`.
pub(super) fn parse_sha_crypt(hash: &str, sha512: bool) -> Result<Parsed<'_>, FormatError> {
    let body = hash
        .get(3..)
        .ok_or(FormatError::Malformed("sha-crypt has no salt"))?; // after "$5$"
    let (rounds, rest) = match body.strip_prefix("rounds=") {
        Some(rounds) => {
            let (rounds, rest) = rounds
                .split_once('$')
                .ok_or(FormatError::Malformed("sha-crypt has nothing after rounds"))?;
            let rounds: u32 = rounds
                .parse()
                .map_err(|_| FormatError::Malformed("sha-crypt rounds is not a number"))?;
            (rounds, rest)
        }
        None => (5_000, body),
    };
    if rounds < 1_000 {
        return Err(FormatError::Malformed("sha-crypt rounds below 1000"));
    }
    if rounds > MAX_ITERATIONS {
        return Err(FormatError::TooCostly(
            "more than 10,000,000 sha-crypt rounds",
        ));
    }
    let (salt, checksum) = rest
        .split_once('$')
        .ok_or(FormatError::Malformed("sha-crypt has no hash"))?;
    if salt.len() > 16 {
        return Err(FormatError::Malformed(
            "sha-crypt salt longer than 16 characters",
        ));
    }
    let expected_len = if sha512 { 86 } else { 43 };
    let crypt_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'/';
    if checksum.len() != expected_len || !checksum.bytes().all(crypt_b64) {
        return Err(FormatError::Malformed(
            "sha-crypt hash has the wrong length or characters",
        ));
    }
    Ok(Parsed::ShaCrypt {
        sha512,
        rounds,
        salt,
        checksum,
    })
}

pub(super) fn verify_sha_crypt(
    sha512: bool,
    rounds: u32,
    salt: &str,
    checksum: &str,
    password: &str,
) -> Result<bool, FormatError> {
    let invalid = |_| FormatError::Malformed("the sha-crypt hash could not be checked");
    let (password, salt, rounds) = (password.as_bytes(), salt.as_bytes(), rounds as usize);
    let computed = if sha512 {
        sha_crypt::sha512_crypt_b64(
            password,
            salt,
            &sha_crypt::Sha512Params::new(rounds).map_err(invalid)?,
        )
    } else {
        sha_crypt::sha256_crypt_b64(
            password,
            salt,
            &sha_crypt::Sha256Params::new(rounds).map_err(invalid)?,
        )
    }
    .map_err(invalid)?;
    Ok(computed.as_bytes().ct_eq(checksum.as_bytes()).into())
}
