//! passlib's PBKDF2 strings: `$pbkdf2-sha256$<rounds>$<salt>$<checksum>`, likewise
//! `$pbkdf2-sha512$` and `$pbkdf2$` (SHA-1). They look like PHC but are not: the rounds
//! stand bare, and salt and checksum are passlib's "adapted base64" (standard base64
//! with `.` for `+`, unpadded) of raw bytes (passlib.utils.binary.ab64_encode).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::{Format, FormatError, Pbkdf2Hash, Prf, parse_iterations};

pub(super) fn parse(hash: &str) -> Result<Pbkdf2Hash, FormatError> {
    let fields: Vec<&str> = hash.split('$').collect();
    let ["", ident, rounds, salt, checksum] = fields[..] else {
        return Err(FormatError::Malformed(
            "passlib pbkdf2 needs $ident$rounds$salt$checksum",
        ));
    };
    let prf = match ident {
        "pbkdf2" => Prf::Sha1,
        "pbkdf2-sha256" => Prf::Sha256,
        "pbkdf2-sha512" => Prf::Sha512,
        _ => return Err(FormatError::Unknown),
    };
    let rounds = parse_iterations(rounds)?;
    let salt = ab64_decode(salt).ok_or(FormatError::Malformed(
        "the passlib salt is not adapted base64",
    ))?;
    if salt.is_empty() {
        return Err(FormatError::Malformed("the passlib salt is empty"));
    }
    let expected = ab64_decode(checksum).ok_or(FormatError::Malformed(
        "the passlib checksum is not adapted base64",
    ))?;
    if expected.len() != prf.output_len() {
        return Err(FormatError::Malformed(
            "the passlib checksum has the wrong length",
        ));
    }
    Ok(Pbkdf2Hash {
        format: Format::PasslibPbkdf2,
        prf,
        rounds,
        salt,
        expected,
    })
}

fn ab64_decode(text: &str) -> Option<Vec<u8>> {
    if text.contains('+') {
        return None;
    }
    STANDARD_NO_PAD.decode(text.replace('.', "+")).ok()
}
