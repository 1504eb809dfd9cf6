//! What email-validator calls in the Python package `idna` 3.20
//! (`idna/core.py`): `uts46_remap`, `check_bidi`, `valid_contextj`,
//! `valid_contexto`, `check_label`, `alabel`, `ulabel`, `decode` and
//! `encode`, with their error messages.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::Res;
use super::idna_data::{
    Bidi, SCRIPT_GREEK, SCRIPT_HAN, SCRIPT_HEBREW, SCRIPT_HIRAGANA, SCRIPT_KATAKANA, bidi_class,
    ccc, in_ranges, is_contexto, is_pvalid, is_unnamed, uts46_map_char, uts46_probe,
};
use super::punycode::{punycode_decode, punycode_encode};
use super::python::{py_repr, py_repr_cps};
use super::syntax::DOMAIN_MAX_LENGTH;

const IDNA_MAX_INPUT_LENGTH: usize = 1024;

/// `_unot(cp)`
fn unot(cp: u32) -> String {
    format!("U+{cp:04X}")
}

fn is_unicode_dot(c: char) -> bool {
    matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}')
}

/// `uts46_remap(domain, std3_rules=False, transitional=False)`
pub(super) fn idna_uts46_remap(domain: &str) -> Res<String> {
    if domain.chars().count() > IDNA_MAX_INPUT_LENGTH {
        return Err("Domain too long".to_owned());
    }
    if domain.is_ascii() {
        return Ok(domain.to_ascii_lowercase());
    }
    let mut output = String::new();
    for (pos, c) in domain.chars().enumerate() {
        match uts46_map_char(c) {
            Some(mapping) => output.push_str(&mapping),
            None => {
                return Err(format!(
                    "Codepoint {} not allowed at position {} in {}",
                    unot(u32::from(c)),
                    pos + 1,
                    py_repr(domain)
                ));
            }
        }
    }
    Ok(output.nfc().collect())
}

/// `check_bidi(label, check_ltr)`
pub(super) fn idna_check_bidi(label: &[char], check_ltr: bool) -> Res<()> {
    if label.len() > IDNA_MAX_INPUT_LENGTH {
        return Err("Label too long".to_owned());
    }
    let repr = || py_repr(&label.iter().collect::<String>());
    let mut classes = Vec::with_capacity(label.len());
    let mut bidi_label = false;
    for (idx, &c) in label.iter().enumerate() {
        if c.general_category() == GeneralCategory::Unassigned {
            return Err(format!(
                "Unknown directionality in label {} at position {}",
                repr(),
                idx + 1
            ));
        }
        let class = bidi_class(c);
        if matches!(class, Bidi::Rtl | Bidi::An) {
            bidi_label = true;
        }
        classes.push(class);
    }
    if !bidi_label && !check_ltr {
        return Ok(());
    }
    // Bidi rule 1
    let rtl = match classes.first() {
        Some(Bidi::Rtl) => true,
        Some(Bidi::L) => false,
        _ => {
            return Err(format!(
                "First codepoint in label {} must be directionality L, R or AL",
                repr()
            ));
        }
    };
    let mut valid_ending = false;
    let mut number_type: Option<Bidi> = None;
    for (idx, &class) in classes.iter().enumerate() {
        let idx = idx + 1;
        if rtl {
            // Bidi rule 2
            if matches!(class, Bidi::L | Bidi::Other) {
                return Err(format!(
                    "Invalid direction for codepoint at position {idx} in a right-to-left label"
                ));
            }
            // Bidi rule 3
            if matches!(class, Bidi::Rtl | Bidi::En | Bidi::An) {
                valid_ending = true;
            } else if class != Bidi::Nsm {
                valid_ending = false;
            }
            // Bidi rule 4
            if matches!(class, Bidi::An | Bidi::En) {
                match number_type {
                    None => number_type = Some(class),
                    Some(t) if t != class => {
                        return Err("Can not mix numeral types in a right-to-left label".to_owned());
                    }
                    Some(_) => {}
                }
            }
        } else {
            // Bidi rule 5
            if matches!(class, Bidi::Rtl | Bidi::An | Bidi::Other) {
                return Err(format!(
                    "Invalid direction for codepoint at position {idx} in a left-to-right label"
                ));
            }
            // Bidi rule 6
            if matches!(class, Bidi::L | Bidi::En) {
                valid_ending = true;
            } else if class != Bidi::Nsm {
                valid_ending = false;
            }
        }
    }
    if !valid_ending {
        return Err("Label ends with illegal codepoint directionality".to_owned());
    }
    Ok(())
}

/// `valid_contextj(label, pos)`; Err for the "Unknown codepoint adjacent to
/// joiner" case (Python's ValueError).
fn idna_valid_contextj(label: &[u32], pos: usize) -> Res<bool> {
    let cp = label.get(pos).copied().unwrap_or(0);
    let previous_is_virama = match pos.checked_sub(1).and_then(|p| label.get(p)) {
        None => false,
        Some(&prev) => {
            let class = ccc(prev);
            if class == 0 && is_unnamed(prev) {
                return Err(format!(
                    "Unknown codepoint adjacent to joiner {} at position {} in {}",
                    unot(cp),
                    pos + 1,
                    py_repr_cps(label)
                ));
            }
            class == 9
        }
    };
    if cp == 0x200C {
        if previous_is_virama {
            return Ok(true);
        }
        // The joining type rule (RFC 5892 A.1) as the `idna` crate applies
        // it: it marks a ZWNJ that fails it with U+FFFD. The crate looks at
        // characters after UTS #46 mapping and Python at the characters
        // themselves; those before `pos` passed PVALID, so they map to
        // themselves, and those after are replaced by ones of the same
        // joining type where the mapping would change it.
        let probe: String = label
            .iter()
            .enumerate()
            .map(|(i, &cp)| {
                let c = char::from_u32(cp).unwrap_or('a');
                if i <= pos {
                    c
                } else {
                    joining_type_stand_in(c)
                }
            })
            .collect();
        let (out, _) = uts46_probe(&probe);
        return Ok(out.chars().nth(pos) == Some('\u{200C}'));
    }
    if cp == 0x200D {
        return Ok(previous_is_virama);
    }
    Ok(false)
}

/// A character that, after UTS #46 mapping, has the joining type `c` has
/// in `idnadata.joining_types`: `c` itself when the mapping keeps it or
/// keeps its type (HIGH HAMZA letters and capital Adlam letters map to
/// letters of their own type), ARABIC FATHATAN (transparent) for the
/// transparent marks and format characters, and `a` (non-joining) for the
/// others (compatibility forms, the prepended concatenation marks and the
/// isolates, unassigned and private-use code points). Checked against
/// idna 3.20 for every code point.
fn joining_type_stand_in(c: char) -> char {
    let mut itself = [0u8; 4];
    if uts46_map_char(c).as_deref() == Some(c.encode_utf8(&mut itself))
        || matches!(c, '\u{675}'..='\u{678}' | '\u{1E900}'..='\u{1E921}')
    {
        return c;
    }
    let transparent = match c.general_category() {
        GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark => true,
        GeneralCategory::Format => !matches!(
            c,
            '\u{600}'..='\u{605}'
                | '\u{6DD}'
                | '\u{890}'
                | '\u{891}'
                | '\u{8E2}'
                | '\u{180E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{110BD}'
                | '\u{110CD}'
        ),
        _ => false,
    };
    if transparent { '\u{64B}' } else { 'a' }
}

/// `valid_contexto(label, pos)`
fn idna_valid_contexto(label: &[u32], pos: usize) -> bool {
    let len = label.len();
    let at = |i: usize| label.get(i).copied().unwrap_or(0);
    let cp = at(pos);
    if cp == 0xB7 {
        return 0 < pos && pos + 1 < len && at(pos - 1) == 0x6C && at(pos + 1) == 0x6C;
    }
    if cp == 0x375 {
        if pos + 1 < len && len > 1 {
            return in_ranges(at(pos + 1), SCRIPT_GREEK);
        }
        return false;
    }
    if cp == 0x5F3 || cp == 0x5F4 {
        if pos > 0 {
            return in_ranges(at(pos - 1), SCRIPT_HEBREW);
        }
        return false;
    }
    if cp == 0x30FB {
        return label.iter().any(|&c| {
            c != 0x30FB
                && (in_ranges(c, SCRIPT_HIRAGANA)
                    || in_ranges(c, SCRIPT_KATAKANA)
                    || in_ranges(c, SCRIPT_HAN))
        });
    }
    if (0x660..=0x669).contains(&cp) {
        return !label.iter().any(|c| (0x6F0..=0x6F9).contains(c));
    }
    if (0x6F0..=0x6F9).contains(&cp) {
        return !label.iter().any(|c| (0x660..=0x669).contains(c));
    }
    false
}

/// `check_label(label)`, on code points (a Punycode label may decode to
/// surrogates, which Python keeps in a str).
fn idna_check_label(label: &[u32]) -> Res<()> {
    if label.len() > IDNA_MAX_INPUT_LENGTH {
        return Err("Label too long".to_owned());
    }
    if label.is_empty() {
        return Err("Empty Label".to_owned());
    }
    if label.len() > DOMAIN_MAX_LENGTH + 1 {
        return Err("Label too long".to_owned());
    }
    // check_nfc: surrogates are starters that NFC leaves alone.
    let nfc = label
        .split(|&cp| char::from_u32(cp).is_none())
        .all(|segment| {
            let s: String = segment
                .iter()
                .filter_map(|&cp| char::from_u32(cp))
                .collect();
            s.nfc().eq(s.chars())
        });
    if !nfc {
        return Err("Label must be in Normalization Form C".to_owned());
    }
    // check_hyphen_ok
    let hyphen = u32::from('-');
    if label.get(2..4) == Some(&[hyphen, hyphen][..]) {
        return Err("Label has disallowed hyphens in 3rd and 4th position".to_owned());
    }
    if label.first() == Some(&hyphen) || label.last() == Some(&hyphen) {
        return Err("Label must not start or end with a hyphen".to_owned());
    }
    // check_initial_combiner
    if label
        .first()
        .and_then(|&cp| char::from_u32(cp))
        .is_some_and(|c| c.general_category_group() == GeneralCategoryGroup::Mark)
    {
        return Err("Label begins with an illegal combining character".to_owned());
    }
    for (pos, &cp) in label.iter().enumerate() {
        if is_pvalid(cp) {
            continue;
        }
        if cp == 0x200C || cp == 0x200D {
            if !idna_valid_contextj(label, pos)? {
                return Err(format!(
                    "Joiner {} not allowed at position {} in {}",
                    unot(cp),
                    pos + 1,
                    py_repr_cps(label)
                ));
            }
        } else if is_contexto(cp) {
            if !idna_valid_contexto(label, pos) {
                return Err(format!(
                    "Codepoint {} not allowed at position {} in {}",
                    unot(cp),
                    pos + 1,
                    py_repr_cps(label)
                ));
            }
        } else {
            return Err(format!(
                "Codepoint {} at position {} of {} not allowed",
                unot(cp),
                pos + 1,
                py_repr_cps(label)
            ));
        }
    }
    // Every code point passed, so there are no surrogates left.
    let chars: Vec<char> = label.iter().filter_map(|&cp| char::from_u32(cp)).collect();
    idna_check_bidi(&chars, false)
}

pub(super) fn code_points(s: &str) -> Vec<u32> {
    s.chars().map(u32::from).collect()
}

/// `alabel(label)`
pub(super) fn idna_alabel(label: &str) -> Res<String> {
    if label.chars().count() > IDNA_MAX_INPUT_LENGTH {
        return Err("Label too long".to_owned());
    }
    if label.is_ascii() {
        idna_ulabel(label)?;
        if label.len() > 63 {
            return Err("Label too long".to_owned());
        }
        return Ok(label.to_owned());
    }
    let cps = code_points(label);
    idna_check_label(&cps)?;
    let alabel = format!("xn--{}", punycode_encode(&cps));
    if alabel.len() > 63 {
        return Err("Label too long".to_owned());
    }
    Ok(alabel)
}

/// `ulabel(label)` for a str.
fn idna_ulabel(label: &str) -> Res<String> {
    if label.chars().count() > IDNA_MAX_INPUT_LENGTH {
        return Err("Label too long".to_owned());
    }
    if !label.is_ascii() {
        idna_check_label(&code_points(label))?;
        return Ok(label.to_owned());
    }
    let lower = label.to_ascii_lowercase();
    let Some(encoded) = lower.strip_prefix("xn--") else {
        idna_check_label(&code_points(&lower))?;
        return Ok(lower);
    };
    if encoded.is_empty() {
        return Err("Malformed A-label, no Punycode eligible content found".to_owned());
    }
    if encoded.ends_with('-') {
        return Err("A-label must not end with a hyphen".to_owned());
    }
    let decoded = punycode_decode(encoded).ok_or_else(|| "Invalid A-label".to_owned())?;
    if punycode_encode(&decoded) != encoded {
        return Err("A-label is not the canonical Punycode encoding of its U-label".to_owned());
    }
    idna_check_label(&decoded)?;
    Ok(decoded
        .iter()
        .filter_map(|&cp| char::from_u32(cp))
        .collect())
}

/// The labels of `_unicode_dots_re.split(s)` with the trailing empty label
/// (a trailing dot) removed, or the "Empty domain" error.
fn idna_split_labels(s: &str) -> Res<(Vec<&str>, bool)> {
    let mut labels: Vec<&str> = s.split(is_unicode_dot).collect();
    if labels.is_empty() || labels == [""] {
        return Err("Empty domain".to_owned());
    }
    let trailing_dot = labels.last() == Some(&"");
    if trailing_dot {
        labels.pop();
    }
    Ok((labels, trailing_dot))
}

/// `decode(s)` (strict=False, uts46=False)
pub(super) fn idna_decode(s: &str) -> Res<String> {
    let len = s.chars().count();
    if len > IDNA_MAX_INPUT_LENGTH || len > DOMAIN_MAX_LENGTH + 1 {
        return Err("Domain too long".to_owned());
    }
    let (labels, trailing_dot) = idna_split_labels(s)?;
    let mut result = Vec::new();
    for label in labels {
        let ulabel = idna_ulabel(label)?;
        if ulabel.is_empty() {
            return Err("Empty label".to_owned());
        }
        result.push(ulabel);
    }
    if trailing_dot {
        result.push(String::new());
    }
    Ok(result.join("."))
}

/// `encode(s)` (strict=False, uts46=False)
pub(super) fn idna_encode(s: &str) -> Res<String> {
    let len = s.chars().count();
    if len > IDNA_MAX_INPUT_LENGTH || len > DOMAIN_MAX_LENGTH + 1 {
        return Err("Domain too long".to_owned());
    }
    let (labels, trailing_dot) = idna_split_labels(s)?;
    let mut result = Vec::new();
    for label in labels {
        let alabel = idna_alabel(label)?;
        if alabel.is_empty() {
            return Err("Empty label".to_owned());
        }
        result.push(alabel);
    }
    if trailing_dot {
        result.push(String::new());
    }
    let encoded = result.join(".");
    if encoded.len() > DOMAIN_MAX_LENGTH + usize::from(trailing_dot) {
        return Err("Domain too long".to_owned());
    }
    Ok(encoded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    reason_tests! {
        domain_disallowed_by_uts46: "bob@⿰.com"
            => "The part after the @-sign contains invalid characters (Codepoint U+2FF0 not allowed at position 1 in '⿰.com').";
        idna_disallowed_symbol: "bob@i♥ny.com"
            => "The part after the @-sign is invalid (Codepoint U+2665 at position 2 of 'i♥ny' not allowed).";
        idna_label_too_long: &["bob@", &"ü".repeat(63), ".com"].concat()
            => "The part after the @-sign is invalid (Label too long).";
        idna_leading_combining_mark: "bob@example.\u{0301}com"
            => "The part after the @-sign is invalid (Label begins with an illegal combining character).";
        idna_contexto_middle_dot: "bob@a·b.com"
            => "The part after the @-sign is invalid (Codepoint U+00B7 not allowed at position 2 in 'a·b').";
        idna_tatweel_disallowed: "bob@examـple.com"
            => "The part after the @-sign is invalid (Codepoint U+0640 at position 5 of 'examـple' not allowed).";
        idna_invalid_a_label: "bob@xn--99.com"
            => "The part after the @-sign is not valid IDNA (Invalid A-label).";
        idna_a_label_decodes_to_control: "bob@xn--ab.com"
            => "The part after the @-sign is not valid IDNA (Codepoint U+0081 at position 1 of '\\x81\\x80' not allowed).";
        idna_non_canonical_a_label: "bob@xn---abc.com"
            => "The part after the @-sign is not valid IDNA (A-label is not the canonical Punycode encoding of its U-label).";
        idna_a_label_disallowed_codepoint: "bob@xn--ls8h.la"
            => "The part after the @-sign is not valid IDNA (Codepoint U+1F4A9 at position 1 of '💩' not allowed).";
        idna_a_label_not_nfc: "bob@xn--ex-8tb.com"
            => "The part after the @-sign is not valid IDNA (Label must be in Normalization Form C).";
        idna_a_label_hyphens_3_4: "bob@xn--ab---3ra.com"
            => "The part after the @-sign is not valid IDNA (Label has disallowed hyphens in 3rd and 4th position).";
        idna_a_label_leading_hyphen: "bob@xn----eha.com"
            => "The part after the @-sign is not valid IDNA (Label must not start or end with a hyphen).";
        idna_a_label_joiner: "bob@xn--1ug.com"
            => "The part after the @-sign is not valid IDNA (Joiner U+200D not allowed at position 1 in '\\u200d').";
        idna_bidi_first_codepoint: "bob@1.אב.com"
            => "The part after the @-sign is not valid IDNA (First codepoint in label '1' must be directionality L, R or AL).";
        idna_bidi_rtl_label_with_ltr: "bob@אa.com"
            => "The part after the @-sign is invalid (Invalid direction for codepoint at position 2 in a right-to-left label).";
        idna_bidi_ltr_label_with_rtl: "bob@xn--a-0hc.com"
            => "The part after the @-sign is not valid IDNA (Invalid direction for codepoint at position 2 in a left-to-right label).";
        idna_bidi_mixed_numerals: "bob@א١1.com"
            => "The part after the @-sign is invalid (Can not mix numeral types in a right-to-left label).";
        idna_bidi_bad_ending: "bob@אˆ.com"
            => "The part after the @-sign is invalid (Label ends with illegal codepoint directionality).";
    }
}
