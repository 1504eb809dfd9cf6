//! The Unicode data of the Python package `idna` 3.20 (`idna/uts46data.py`,
//! `idna/idnadata.py`) and of `unicodedata` that `idna/core.py` consults:
//! the UTS #46 mapping and bidirectional classes read off the `idna` crate
//! by probing, the CONTEXTO scripts, the PVALID class derived by the rules
//! of RFC 5892, and combining classes.

use ::idna::uts46::{AsciiDenyList, Hyphens, Uts46};
use unicode_normalization::char::canonical_combining_class;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// UTS #46 processing (non-transitional, no STD3 rules, hyphens allowed) of
/// a probe string, with errors marked by U+FFFD in the output: the output and
/// whether there was no error.
pub(super) fn uts46_probe(input: &str) -> (String, bool) {
    let (out, result) =
        Uts46::new().to_unicode(input.as_bytes(), AsciiDenyList::EMPTY, Hyphens::Allow);
    (out.into_owned(), result.is_ok())
}

/// A left-to-right letter that composes with nothing and a right-to-left one
/// (Hebrew letters form no canonical compositions), to put before a
/// character whose UTS #46 mapping is wanted.
const PROBE_BASES: [char; 2] = ['\u{4E2D}', '\u{05D0}'];

/// The UTS #46 mapping of one character (status valid or deviation: itself;
/// mapped: its mapping; ignored: empty), or None when it is disallowed.
///
/// The crate maps, NFC-normalizes and then validates; a character is put
/// after a letter (so that it never starts a label) of either direction (so
/// that the Bidi Rule is met by one of them) and the mapping is read off
/// the first probe without errors. A disallowed character is replaced by
/// U+FFFD in both.
pub(super) fn uts46_map_char(c: char) -> Option<String> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase().to_string());
    }
    if let Some(mapping) = uts46_mapping_exception(c) {
        return Some(mapping.to_owned());
    }
    for base in PROBE_BASES {
        let mut probe = String::from(base);
        probe.push(c);
        let (out, ok) = uts46_probe(&probe);
        if ok {
            return out.strip_prefix(base).map(str::to_owned);
        }
    }
    None
}

/// Characters whose UTS #46 mapping can't be read off a probe: the deviation
/// characters ZWNJ and ZWJ, which fail CONTEXTJ after a letter, and two
/// Arabic ligatures mapped to phrases with spaces, which fail the Bidi Rule
/// in any label.
fn uts46_mapping_exception(c: char) -> Option<&'static str> {
    match c {
        '\u{200C}' => Some("\u{200C}"),
        '\u{200D}' => Some("\u{200D}"),
        '\u{FDFA}' => Some(
            "\u{0635}\u{0644}\u{0649} \u{0627}\u{0644}\u{0644}\u{0647} \u{0639}\u{0644}\u{064A}\u{0647} \u{0648}\u{0633}\u{0644}\u{0645}",
        ),
        '\u{FDFB}' => Some("\u{062C}\u{0644} \u{062C}\u{0644}\u{0627}\u{0644}\u{0647}"),
        _ => None,
    }
}

/// A bidirectional class, as far as the Bidi Rule (RFC 5893) tells them apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Bidi {
    /// L
    L,
    /// R or AL
    Rtl,
    /// AN
    An,
    /// EN
    En,
    /// NSM
    Nsm,
    /// ES, CS, ET, ON or BN
    Neutral,
    /// B, S, WS and the explicit formatting classes
    Other,
}

/// `unicodedata.bidirectional(c)`, grouped. For non-ASCII characters it is
/// read off the Bidi Rule checks of the `idna` crate, which mark the
/// offending character with U+FFFD, on probes where the domain contains the
/// right-to-left HEBREW LETTER ALEF (U+05D0):
/// `中c.א` (c ends a left-to-right label: L, EN or NSM pass),
/// `אc` (c ends a right-to-left label: R, AL, EN, AN or NSM pass),
/// `אcא` (c inside it: anything but L and Other passes),
/// `אc1` (fails for AN) and `אc٣` (fails for EN).
pub(super) fn bidi_class(c: char) -> Bidi {
    if c.is_ascii() {
        return match c {
            'a'..='z' | 'A'..='Z' => Bidi::L,
            '0'..='9' => Bidi::En,
            // B, S, WS
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{20}' => Bidi::Other,
            // BN (controls), ES, CS, ET, ON
            _ => Bidi::Neutral,
        };
    }
    if matches!(c, '\u{200C}' | '\u{200D}') {
        return Bidi::Neutral;
    }
    let kept_at = |probe: String, index: usize| uts46_probe(&probe).0.chars().nth(index) == Some(c);
    let clean = |probe: String| uts46_probe(&probe).1;
    let ends_ltr = kept_at(format!("\u{4E2D}{c}.\u{05D0}"), 1);
    let ends_rtl = kept_at(format!("\u{05D0}{c}"), 1);
    match (ends_ltr, ends_rtl) {
        (true, false) => Bidi::L,
        (true, true) => {
            if clean(format!("\u{05D0}{c}\u{0663}")) {
                Bidi::Nsm
            } else {
                Bidi::En
            }
        }
        (false, true) => {
            if clean(format!("\u{05D0}{c}1")) {
                Bidi::Rtl
            } else {
                Bidi::An
            }
        }
        (false, false) => {
            if kept_at(format!("\u{05D0}{c}\u{05D0}"), 1) {
                Bidi::Neutral
            } else {
                Bidi::Other
            }
        }
    }
}

/// Scripts used by the CONTEXTO rules, from `idna/idnadata.py` (idna 3.20,
/// Unicode 18.0.0), as inclusive ranges.
pub(super) const SCRIPT_GREEK: &[(u32, u32)] = &[
    (0x0370, 0x0373),
    (0x0375, 0x0377),
    (0x037A, 0x037D),
    (0x037F, 0x037F),
    (0x0384, 0x0384),
    (0x0386, 0x0386),
    (0x0388, 0x038A),
    (0x038C, 0x038C),
    (0x038E, 0x03A1),
    (0x03A3, 0x03E1),
    (0x03F0, 0x03FF),
    (0x1D26, 0x1D2A),
    (0x1D5D, 0x1D61),
    (0x1D66, 0x1D6A),
    (0x1DBF, 0x1DBF),
    (0x1F00, 0x1F15),
    (0x1F18, 0x1F1D),
    (0x1F20, 0x1F45),
    (0x1F48, 0x1F4D),
    (0x1F50, 0x1F57),
    (0x1F59, 0x1F59),
    (0x1F5B, 0x1F5B),
    (0x1F5D, 0x1F5D),
    (0x1F5F, 0x1F7D),
    (0x1F80, 0x1FB4),
    (0x1FB6, 0x1FC4),
    (0x1FC6, 0x1FD3),
    (0x1FD6, 0x1FDB),
    (0x1FDD, 0x1FEF),
    (0x1FF2, 0x1FF4),
    (0x1FF6, 0x1FFE),
    (0x2126, 0x2126),
    (0xAB65, 0xAB65),
    (0x10140, 0x1018E),
    (0x101A0, 0x101A0),
    (0x1D200, 0x1D245),
    (0x1DFF3, 0x1DFF4),
];
pub(super) const SCRIPT_HAN: &[(u32, u32)] = &[
    (0x2E80, 0x2E99),
    (0x2E9B, 0x2EF3),
    (0x2F00, 0x2FD5),
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3021, 0x3029),
    (0x3038, 0x303B),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFA6D),
    (0xFA70, 0xFAD9),
    (0x16FE2, 0x16FE3),
    (0x16FF0, 0x16FF6),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B81E),
    (0x2B820, 0x2CEAD),
    (0x2CEB0, 0x2EBE0),
    (0x2EBF0, 0x2EE5D),
    (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A),
    (0x31350, 0x33479),
];
pub(super) const SCRIPT_HEBREW: &[(u32, u32)] = &[
    (0x0591, 0x05C9),
    (0x05D0, 0x05EA),
    (0x05EF, 0x05F4),
    (0xFB1D, 0xFB36),
    (0xFB38, 0xFB3C),
    (0xFB3E, 0xFB3E),
    (0xFB40, 0xFB41),
    (0xFB43, 0xFB44),
    (0xFB46, 0xFB4F),
];
pub(super) const SCRIPT_HIRAGANA: &[(u32, u32)] = &[
    (0x3041, 0x3096),
    (0x309D, 0x309F),
    (0x1B001, 0x1B11F),
    (0x1B123, 0x1B123),
    (0x1B132, 0x1B132),
    (0x1B150, 0x1B152),
    (0x1F200, 0x1F200),
];
pub(super) const SCRIPT_KATAKANA: &[(u32, u32)] = &[
    (0x30A1, 0x30FA),
    (0x30FD, 0x30FF),
    (0x31F0, 0x31FF),
    (0x32D0, 0x32FE),
    (0x3300, 0x3357),
    (0xFF66, 0xFF6F),
    (0xFF71, 0xFF9D),
    (0x1AFF0, 0x1AFF3),
    (0x1AFF5, 0x1AFFB),
    (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B000),
    (0x1B120, 0x1B122),
    (0x1B124, 0x1B128),
    (0x1B155, 0x1B155),
    (0x1B164, 0x1B168),
];

pub(super) fn in_ranges(cp: u32, ranges: &[(u32, u32)]) -> bool {
    ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

/// `idnadata.codepoint_classes["CONTEXTO"]`
pub(super) fn is_contexto(cp: u32) -> bool {
    matches!(cp, 0xB7 | 0x375 | 0x5F3 | 0x5F4 | 0x660..=0x669 | 0x6F0..=0x6F9 | 0x30FB)
}

/// `idnadata.codepoint_classes["PVALID"]`, derived by the rules of RFC 5892
/// section 3 (exceptions, LDH, Unstable via the UTS #46 mapping, ignorable
/// properties and blocks, old Hangul jamo, LetterDigits). Checked against
/// the table of idna 3.20 for every code point of Unicode 18.0.
pub(super) fn is_pvalid(cp: u32) -> bool {
    let Some(c) = char::from_u32(cp) else {
        return false;
    };
    if c.is_ascii() {
        return matches!(c, 'a'..='z' | '0'..='9' | '-');
    }
    match cp {
        // Exceptions (RFC 5892 2.6): PVALID
        0xDF | 0x3C2 | 0x6FD | 0x6FE | 0xF0B | 0x3007 => return true,
        // Exceptions: DISALLOWED
        0x640 | 0x7FA | 0x302E | 0x302F | 0x3031..=0x3035 | 0x303B => return false,
        // CONTEXTJ, CONTEXTO
        0x200C | 0x200D => return false,
        _ if is_contexto(cp) => return false,
        // IgnorableBlocks
        0x20D0..=0x20FF | 0x1D100..=0x1D1FF | 0x1D200..=0x1D24F => return false,
        // OldHangulJamo
        0x1100..=0x11FF | 0xA960..=0xA97F | 0xD7B0..=0xD7FF => return false,
        _ => {}
    }
    if !matches!(
        c.general_category(),
        GeneralCategory::LowercaseLetter
            | GeneralCategory::UppercaseLetter
            | GeneralCategory::OtherLetter
            | GeneralCategory::DecimalNumber
            | GeneralCategory::ModifierLetter
            | GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
    ) {
        return false;
    }
    // Stable under the UTS #46 mapping (which drops default-ignorable code
    // points and applies NFKC_Casefold): status "valid".
    let mut itself = [0u8; 4];
    uts46_map_char(c).as_deref() == Some(c.encode_utf8(&mut itself))
}

/// Python's `unicodedata.name(c)` raises for these (used by
/// `idna.core._combining_class`).
pub(super) fn is_unnamed(cp: u32) -> bool {
    char::from_u32(cp).is_none_or(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Surrogate
                | GeneralCategory::PrivateUse
                | GeneralCategory::Unassigned
        )
    })
}

pub(super) fn ccc(cp: u32) -> u8 {
    char::from_u32(cp).map_or(0, canonical_combining_class)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::api::admin::email_validator::python::unicode_name;

    #[test]
    fn unicode_data_read_off_the_idna_crate() {
        assert_eq!(uts46_map_char('\u{1E9E}').as_deref(), Some("\u{DF}"));
        assert_eq!(uts46_map_char('\u{AD}').as_deref(), Some(""));
        assert_eq!(uts46_map_char('\u{2FF0}'), None);
        assert_eq!(bidi_class('\u{5D0}'), Bidi::Rtl);
        assert_eq!(bidi_class('\u{661}'), Bidi::An);
        assert_eq!(bidi_class('\u{6F1}'), Bidi::En);
        assert_eq!(bidi_class('\u{301}'), Bidi::Nsm);
        assert_eq!(bidi_class('\u{2C6}'), Bidi::Neutral);
        assert_eq!(bidi_class('\u{E9}'), Bidi::L);
        assert!(is_pvalid(u32::from('\u{E9}')));
        assert!(!is_pvalid(u32::from('\u{2665}')));
        assert_eq!(
            unicode_name('\u{93E}').as_deref(),
            Some("DEVANAGARI VOWEL SIGN AA")
        );
        assert_eq!(
            unicode_name('\u{E0100}').as_deref(),
            Some("VARIATION SELECTOR-17")
        );
        assert_eq!(unicode_name('a'), None);
    }
}
