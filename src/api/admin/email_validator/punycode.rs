//! Punycode (RFC 3492) as CPython's `Lib/encodings/punycode.py` encodes and
//! decodes it, which `idna` 3.20 uses for A-labels.

use std::collections::BTreeSet;

/// `T(j, bias)`
fn punycode_t(j: u64, bias: u64) -> u64 {
    (36 * (j + 1)).saturating_sub(bias).clamp(1, 26)
}

/// `adapt(delta, first, numchars)`
fn punycode_adapt(delta: u64, first: bool, numchars: u64) -> u64 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / numchars.max(1);
    let mut divisions = 0;
    while delta > 455 {
        delta /= 35;
        divisions += 36;
    }
    divisions + (36 * delta / (delta + 38))
}

/// `punycode_encode(text)`
pub(super) fn punycode_encode(text: &[u32]) -> String {
    const DIGITS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let base: String = text
        .iter()
        .filter(|&&cp| cp < 128)
        .filter_map(|&cp| char::from_u32(cp))
        .collect();
    let extended: BTreeSet<u32> = text.iter().copied().filter(|&cp| cp >= 128).collect();
    // insertion_unsort
    let mut deltas: Vec<u64> = Vec::new();
    let mut oldchar: u64 = 0x80;
    let mut oldindex: i64 = -1;
    for &c in &extended {
        let char_ = u64::from(c);
        let curlen = text.iter().filter(|&&x| x < c).count() as u64;
        let mut delta = (curlen + 1) * (char_ - oldchar);
        let mut index: i64 = -1;
        for &x in text {
            if x == c {
                index += 1;
                delta = delta.wrapping_add((index - oldindex) as u64);
                deltas.push(delta.wrapping_sub(1));
                oldindex = index;
                delta = 0;
            } else if x < c {
                index += 1;
            }
        }
        oldchar = char_;
    }
    // generate_integers
    let mut out = String::new();
    let mut bias = 72;
    for (points, &delta) in deltas.iter().enumerate() {
        let mut n = delta;
        let mut j = 0;
        loop {
            let t = punycode_t(j, bias);
            if n < t {
                out.push(char::from(DIGITS.get(n as usize).copied().unwrap_or(b'?')));
                break;
            }
            let digit = t + (n - t) % (36 - t);
            out.push(char::from(
                DIGITS.get(digit as usize).copied().unwrap_or(b'?'),
            ));
            n = (n - t) / (36 - t);
            j += 1;
        }
        bias = punycode_adapt(delta, points == 0, (base.len() + points + 1) as u64);
    }
    if base.is_empty() {
        out
    } else {
        format!("{base}-{out}")
    }
}

/// `punycode_decode(text, "strict")` as code points, or None where Python
/// raises UnicodeError. Arithmetic that would overflow only happens where
/// Python ends up with a code point above U+10FFFF, which it refuses too.
pub(super) fn punycode_decode(text: &str) -> Option<Vec<u32>> {
    let (base, extended) = match text.rfind('-') {
        None => ("", text),
        Some(pos) => (text.get(..pos)?, text.get(pos + 1..)?),
    };
    let mut output: Vec<u32> = base.chars().map(u32::from).collect();
    let extended = extended.as_bytes();
    let mut char_: u64 = 0x80;
    let mut pos: i64 = -1;
    let mut bias: u64 = 72;
    let mut extpos = 0;
    while extpos < extended.len() {
        // decode_generalized_number
        let start = extpos;
        let mut result: u64 = 0;
        let mut w: u64 = 1;
        let mut j = 0;
        let delta = loop {
            let byte = *extended.get(extpos)?;
            extpos += 1;
            let digit = match byte.to_ascii_uppercase() {
                b @ b'A'..=b'Z' => u64::from(b - b'A'),
                b @ b'0'..=b'9' => u64::from(b) - 22,
                _ => return None,
            };
            let t = punycode_t(j, bias);
            result = result.checked_add(digit.checked_mul(w)?)?;
            if digit < t {
                break result;
            }
            w = w.checked_mul(36 - t)?;
            j += 1;
        };
        let len = output.len() as i64 + 1;
        pos = pos.checked_add(i64::try_from(delta).ok()?.checked_add(1)?)?;
        char_ = char_.checked_add(u64::try_from(pos / len).ok()?)?;
        if char_ > 0x10FFFF {
            return None;
        }
        pos %= len;
        let at = usize::try_from(pos).ok()?;
        if at > output.len() {
            return None;
        }
        output.insert(at, u32::try_from(char_).ok()?);
        bias = punycode_adapt(delta, start == 0, output.len() as u64);
    }
    Some(output)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::api::admin::email_validator::idna::code_points;

    #[test]
    fn punycode_matches_rfc_3492_samples() {
        let samples = [
            (
                "\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}",
                "ihqwcrb4cv8a8dqg056pqjye",
            ),
            ("m\u{FC}nchen", "mnchen-3ya"),
            ("\u{DF}", "zca"),
            ("-> $1.00 <-", "-> $1.00 <--"),
        ];
        for (unicode, encoded) in samples {
            let cps = code_points(unicode);
            assert_eq!(punycode_encode(&cps), encoded);
            assert_eq!(punycode_decode(encoded), Some(cps));
        }
        assert_eq!(punycode_decode("99"), None);
    }
}
