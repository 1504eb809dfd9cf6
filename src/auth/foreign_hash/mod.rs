//! Foreign password hashes (user import): tell from the string alone which
//! format an imported user's hash is in, and check a password against it, so the user
//! can sign in once and be rehashed to argon2id.
//!
//! Only the formats' text is parsed here; every digest comes from a RustCrypto or
//! ecosystem crate. [`recognise`] parses fully and bounds the work a hash asks for, so
//! a bad row is refused at import instead of stalling the hashing pool at sign-in.
//! Errors carry fixed reasons only: never a hash, a salt or a password.

mod crypt;
mod django;
mod firebase;
mod passlib;
mod phc;
#[cfg(test)]
mod tests;

pub use firebase::{FirebaseConfig, firebase_hash};

use argon2::password_hash::PasswordHash;
use subtle::ConstantTimeEq;

use phc::Phc;

/// The formats [`recognise`] knows, each named after what produces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PHC `$argon2id$`, `$argon2i$`, `$argon2d$` (argon2-cffi, libsodium, the argon2 crate).
    Argon2,
    /// PHC `$pbkdf2-sha256$i=…,l=…$` and `$pbkdf2-sha512$` (the pbkdf2 crate's form).
    Pbkdf2Phc,
    /// passlib's `$pbkdf2-sha256$<rounds>$`, `$pbkdf2-sha512$` and `$pbkdf2$` (SHA-1):
    /// bare rounds and passlib's "adapted" base64 (`.` for `+`), so not PHC.
    PasslibPbkdf2,
    /// PHC `$scrypt$ln=…,r=…,p=…$` (passlib, the scrypt crate).
    ScryptPhc,
    /// bcrypt `$2a$`, `$2b$`, `$2y$`.
    Bcrypt,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64>` and `pbkdf2_sha1$…`.
    DjangoPbkdf2,
    /// SHA-crypt `$5$` and `$6$`, with or without `rounds=N$`.
    ShaCrypt,
    /// Firebase's modified scrypt, in our own string: see [`firebase_hash`].
    FirebaseScrypt,
}

/// Why a hash cannot be imported; the reason is fit to show a tenant admin per user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the password hash is in no format we can import")]
    Unknown,
    #[error("the password hash is malformed: {0}")]
    Malformed(&'static str),
    #[error("the password hash asks for more work than we allow: {0}")]
    TooCostly(&'static str),
}

// Bounds on the work one hash may ask for, near what the usual tools' defaults
// cost (bcrypt 12, Django's 1,000,000 and passlib's ~650,000 rounds, scrypt
// 16 MiB, argon2 64 MiB): anyone may try a password against an imported user,
// and each try holds one of the hashing pool's few threads, and its memory.
const MAX_HASH_LEN: usize = 1024;
const MAX_BCRYPT_COST: u32 = 13;
const MAX_ITERATIONS: u32 = 1_500_000; // PBKDF2 and SHA-crypt
const MAX_SCRYPT_LOG_N: u8 = 17;
const MAX_SCRYPT_MEMORY: u64 = 64 << 20; // bytes: 128 · r · N
const MAX_SCRYPT_P: u32 = 4;
const MAX_ARGON2_M_KIB: u32 = 64 * 1024; // 64 MiB
const MAX_ARGON2_T: u32 = 10;
const MAX_ARGON2_P: u32 = 4;

/// Which format `hash` is in. Parses it fully and checks its cost; never hashes.
pub fn recognise(hash: &str) -> Result<Format, FormatError> {
    parse(hash).map(|parsed| parsed.format())
}

/// Whether `password` matches `hash`. Blocking and deliberately slow: run it on the
/// hashing pool. `Err` only for a hash [`recognise`] would refuse.
pub fn verify(hash: &str, password: &str) -> Result<bool, FormatError> {
    match parse(hash)? {
        Parsed::Phc(kind, phc) => phc::verify(kind, &phc, password),
        Parsed::Bcrypt(hash) => bcrypt::verify(password, hash)
            .map_err(|_| FormatError::Malformed("bcrypt refused the hash")),
        Parsed::ShaCrypt {
            sha512,
            rounds,
            salt,
            checksum,
        } => crypt::verify_sha_crypt(sha512, rounds, salt, checksum, password),
        Parsed::Pbkdf2(pbkdf2) => Ok(pbkdf2.verify(password)),
        Parsed::Firebase(firebase) => firebase.verify(password),
    }
}

/// A hash parsed and within bounds, ready to verify.
enum Parsed<'a> {
    Phc(Phc, PasswordHash<'a>),
    Bcrypt(&'a str),
    ShaCrypt {
        sha512: bool,
        rounds: u32,
        salt: &'a str,
        checksum: &'a str,
    },
    Pbkdf2(Pbkdf2Hash),
    Firebase(firebase::FirebaseHash),
}

impl Parsed<'_> {
    fn format(&self) -> Format {
        match self {
            Parsed::Phc(Phc::Argon2, _) => Format::Argon2,
            Parsed::Phc(Phc::Pbkdf2, _) => Format::Pbkdf2Phc,
            Parsed::Phc(Phc::Scrypt, _) => Format::ScryptPhc,
            Parsed::Bcrypt(_) => Format::Bcrypt,
            Parsed::ShaCrypt { .. } => Format::ShaCrypt,
            Parsed::Pbkdf2(pbkdf2) => pbkdf2.format,
            Parsed::Firebase(_) => Format::FirebaseScrypt,
        }
    }
}

fn parse(hash: &str) -> Result<Parsed<'_>, FormatError> {
    if hash.len() > MAX_HASH_LEN {
        return Err(FormatError::Malformed("longer than 1024 characters"));
    }
    if hash.starts_with("pbkdf2_") {
        return django::parse(hash).map(Parsed::Pbkdf2);
    }
    let Some(body) = hash.strip_prefix('$') else {
        return Err(FormatError::Unknown);
    };
    let mut fields = body.split('$');
    let ident = fields.next().unwrap_or_default();
    let passlib_rounds = fields
        .next()
        .is_some_and(|f| f.starts_with(|c: char| c.is_ascii_digit()));
    match ident {
        "2a" | "2b" | "2y" => crypt::parse_bcrypt(hash),
        "5" | "6" => crypt::parse_sha_crypt(hash, ident == "6"),
        "argon2id" | "argon2i" | "argon2d" => phc::parse_argon2(hash),
        "pbkdf2" => passlib::parse(hash).map(Parsed::Pbkdf2),
        "pbkdf2-sha256" | "pbkdf2-sha512" if passlib_rounds => {
            passlib::parse(hash).map(Parsed::Pbkdf2)
        }
        "pbkdf2-sha256" | "pbkdf2-sha512" => phc::parse_pbkdf2_phc(hash),
        "scrypt" => phc::parse_scrypt_phc(hash),
        "firebase-scrypt" => firebase::parse(hash).map(Parsed::Firebase),
        _ => Err(FormatError::Unknown),
    }
}

/// Shared by PHC scrypt and Firebase's scrypt.
fn check_scrypt_cost(log_n: u8, r: u32, p: u32) -> Result<(), FormatError> {
    if log_n > MAX_SCRYPT_LOG_N {
        return Err(FormatError::TooCostly("scrypt log2(N) above 17"));
    }
    if (128 * u64::from(r)) << log_n > MAX_SCRYPT_MEMORY {
        return Err(FormatError::TooCostly(
            "scrypt memory (128·r·N) above 256 MiB",
        ));
    }
    if p > MAX_SCRYPT_P {
        return Err(FormatError::TooCostly("scrypt parallelism (p) above 4"));
    }
    Ok(())
}

/// The PRF of a PBKDF2 hash kept in a non-PHC text form (Django, passlib).
#[derive(Debug, Clone, Copy)]
enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    fn output_len(self) -> usize {
        match self {
            Prf::Sha1 => 20,
            Prf::Sha256 => 32,
            Prf::Sha512 => 64,
        }
    }
}

/// A PBKDF2 hash whose text form was parsed by hand; `expected` is the digest size.
struct Pbkdf2Hash {
    format: Format,
    prf: Prf,
    rounds: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Pbkdf2Hash {
    fn verify(&self, password: &str) -> bool {
        let mut derived = vec![0u8; self.expected.len()];
        let (password, salt) = (password.as_bytes(), self.salt.as_slice());
        match self.prf {
            Prf::Sha1 => {
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, self.rounds, &mut derived)
            }
            Prf::Sha256 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, self.rounds, &mut derived)
            }
            Prf::Sha512 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, self.rounds, &mut derived)
            }
        }
        derived.ct_eq(&self.expected).into()
    }
}

/// An iteration count in decimal, within bounds.
fn parse_iterations(field: &str) -> Result<u32, FormatError> {
    let rounds = field
        .parse()
        .map_err(|_| FormatError::Malformed("the iteration count is not a number"))?;
    check_iterations(rounds)?;
    Ok(rounds)
}

fn check_iterations(rounds: u32) -> Result<(), FormatError> {
    match rounds {
        0 => Err(FormatError::Malformed("the iteration count is zero")),
        r if r > MAX_ITERATIONS => Err(FormatError::TooCostly("more than 1,500,000 iterations")),
        _ => Ok(()),
    }
}
