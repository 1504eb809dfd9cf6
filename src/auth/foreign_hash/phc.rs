//! PHC strings (`$argon2id$…`, `$pbkdf2-sha256$i=…`, `$scrypt$ln=…`), parsed and
//! verified through the `password-hash` traits of the RustCrypto crates.

use argon2::password_hash::{self, PasswordHash, PasswordVerifier};

use super::{
    FormatError, MAX_ARGON2_M_KIB, MAX_ARGON2_P, MAX_ARGON2_T, Parsed, check_iterations,
    check_scrypt_cost,
};

/// The PHC algorithms we verify through the `password-hash` traits.
#[derive(Debug, Clone, Copy)]
pub(super) enum Phc {
    Argon2,
    Pbkdf2,
    Scrypt,
}

/// The PHC string itself, which must carry a salt and a hash.
fn parse_phc(hash: &str) -> Result<PasswordHash<'_>, FormatError> {
    let phc =
        PasswordHash::new(hash).map_err(|_| FormatError::Malformed("not a valid PHC string"))?;
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err(FormatError::Malformed(
            "the PHC string has no salt or no hash",
        ));
    }
    Ok(phc)
}

pub(super) fn parse_argon2(hash: &str) -> Result<Parsed<'_>, FormatError> {
    let phc = parse_phc(hash)?;
    let params = argon2::Params::try_from(&phc)
        .map_err(|_| FormatError::Malformed("invalid argon2 parameters"))?;
    if let Some(version) = phc.version {
        argon2::Version::try_from(version)
            .map_err(|_| FormatError::Malformed("unknown argon2 version"))?;
    }
    let mut salt = [0u8; 64];
    let salt_len = phc.salt.map(|s| s.decode_b64(&mut salt).map(<[u8]>::len));
    if !matches!(salt_len, Some(Ok(8..))) {
        return Err(FormatError::Malformed(
            "the argon2 salt is not base64 of at least 8 bytes",
        ));
    }
    if params.m_cost() > MAX_ARGON2_M_KIB {
        return Err(FormatError::TooCostly("argon2 memory (m) above 64 MiB"));
    }
    if params.t_cost() > MAX_ARGON2_T {
        return Err(FormatError::TooCostly("argon2 passes (t) above 10"));
    }
    if params.p_cost() > MAX_ARGON2_P {
        return Err(FormatError::TooCostly("argon2 lanes (p) above 4"));
    }
    Ok(Parsed::Phc(Phc::Argon2, phc))
}

pub(super) fn parse_pbkdf2_phc(hash: &str) -> Result<Parsed<'_>, FormatError> {
    let phc = parse_phc(hash)?;
    let params = pbkdf2::Params::try_from(&phc)
        .map_err(|_| FormatError::Malformed("invalid pbkdf2 parameters"))?;
    check_iterations(params.rounds)?;
    if phc.hash.map(|h| h.len()) != Some(params.output_length) {
        return Err(FormatError::Malformed(
            "the pbkdf2 hash length differs from its l parameter",
        ));
    }
    Ok(Parsed::Phc(Phc::Pbkdf2, phc))
}

pub(super) fn parse_scrypt_phc(hash: &str) -> Result<Parsed<'_>, FormatError> {
    let phc = parse_phc(hash)?;
    let params = scrypt::Params::try_from(&phc)
        .map_err(|_| FormatError::Malformed("invalid scrypt parameters"))?;
    check_scrypt_cost(params.log_n(), params.r(), params.p())?;
    Ok(Parsed::Phc(Phc::Scrypt, phc))
}

pub(super) fn verify(
    kind: Phc,
    phc: &PasswordHash<'_>,
    password: &str,
) -> Result<bool, FormatError> {
    let password = password.as_bytes();
    let outcome = match kind {
        Phc::Argon2 => argon2::Argon2::default().verify_password(password, phc),
        Phc::Pbkdf2 => pbkdf2::Pbkdf2.verify_password(password, phc),
        Phc::Scrypt => scrypt::Scrypt.verify_password(password, phc),
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(_) => Err(FormatError::Malformed("the PHC hash could not be checked")),
    }
}
