//! The Python built-ins the ported code relies on, emulated for one
//! character or string as CPython 3 defines them: `str.isspace()` (and the
//! regex `\s`), `str.rstrip()`, `str.isprintable()`, `repr()` of a str, the
//! general-category test of email-validator's `safe_character_display`, and
//! `unicodedata.name()`.

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::names::UNICODE_NAMES;

/// `str.isspace()` / `\s` (whitespace: bidi class WS, B or S, or category Zs).
pub(super) fn py_isspace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

pub(super) fn py_rstrip(mut chars: Vec<char>) -> Vec<char> {
    while chars.last().copied().is_some_and(py_isspace) {
        chars.pop();
    }
    chars
}

/// `str.isprintable()` for one code point.
fn py_isprintable(cp: u32) -> bool {
    if cp == 0x20 {
        return true;
    }
    match char::from_u32(cp) {
        None => false,
        Some(c) => !matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::Surrogate
                | GeneralCategory::PrivateUse
                | GeneralCategory::Unassigned
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::SpaceSeparator
        ),
    }
}

/// `repr(s)` for a str, given as code points (a Punycode label may decode
/// to surrogates).
pub(super) fn py_repr_cps(cps: &[u32]) -> String {
    let has_single = cps.contains(&u32::from('\''));
    let has_double = cps.contains(&u32::from('"'));
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut out = String::new();
    out.push(quote);
    for &cp in cps {
        match char::from_u32(cp) {
            Some(c) if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            Some('\t') => out.push_str("\\t"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some(_) if cp < 0x20 || cp == 0x7f => out.push_str(&format!("\\x{cp:02x}")),
            Some(c) if cp < 0x7f => out.push(c),
            Some(c) if py_isprintable(cp) => out.push(c),
            _ if cp <= 0xff => out.push_str(&format!("\\x{cp:02x}")),
            _ if cp <= 0xffff => out.push_str(&format!("\\u{cp:04x}")),
            _ => out.push_str(&format!("\\U{cp:08x}")),
        }
    }
    out.push(quote);
    out
}

pub(super) fn py_repr(s: &str) -> String {
    py_repr_cps(&s.chars().map(u32::from).collect::<Vec<_>>())
}

pub(super) fn is_lnps(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    )
}

/// `unicodedata.name(c)`, for the characters whose names the messages can
/// show (general categories M*, Z* and Cf; Cc, Cs, Co and Cn have none).
pub(super) fn unicode_name(c: char) -> Option<String> {
    let named = match c.general_category_group() {
        GeneralCategoryGroup::Mark | GeneralCategoryGroup::Separator => true,
        GeneralCategoryGroup::Other => c.general_category() == GeneralCategory::Format,
        _ => false,
    };
    if !named {
        return None;
    }
    let target = u32::from(c);
    let mut cp = 0u32;
    let mut name = String::new();
    for entry in UNICODE_NAMES.split('|') {
        let mut fields = entry.splitn(3, ' ');
        let (Some(delta), Some(shared), Some(suffix)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Ok(delta), Ok(shared)) = (u32::from_str_radix(delta, 16), shared.parse::<usize>())
        else {
            continue;
        };
        cp += delta;
        let mut next = String::from(name.get(..shared).unwrap_or(&name));
        next.push_str(suffix);
        name = next;
        if cp == target {
            return Some(name);
        }
        if cp > target {
            return None;
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(
            py_repr("\u{81}\u{200D}\u{E0001}\\"),
            "'\\x81\\u200d\\U000e0001\\\\'"
        );
        assert_eq!(py_repr_cps(&[0xD800]), "'\\ud800'");
    }
}
