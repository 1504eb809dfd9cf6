//! The syntax of the address and of its local part, from email-validator
//! 2.4.0: the constants of `rfc_constants.py` (lengths, RFC 2142 mailbox
//! names, special-use domains, character classes) and, from `syntax.py`,
//! `split_email`, `validate_email_local_part`, `validate_email_length` and
//! the helpers they share with the domain checks (`get_length_reason`,
//! `safe_character_display`, `check_unsafe_chars`, `check_dot_atom`).

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::Res;
use super::python::{is_lnps, py_repr, py_rstrip, unicode_name};

// ---------------------------------------------------------------------------
// email_validator/rfc_constants.py and __init__.py
// ---------------------------------------------------------------------------

/// `EMAIL_MAX_LENGTH`
const EMAIL_MAX_LENGTH: usize = 254;
/// `DNS_LABEL_LENGTH_LIMIT`
pub(super) const DNS_LABEL_LENGTH_LIMIT: usize = 63;
/// `DOMAIN_MAX_LENGTH`
pub(super) const DOMAIN_MAX_LENGTH: usize = 253;

/// `CASE_INSENSITIVE_MAILBOX_NAMES` (RFC 2142)
pub(super) const CASE_INSENSITIVE_MAILBOX_NAMES: [&str; 15] = [
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
];

/// `SPECIAL_USE_DOMAIN_NAMES` ("test" included: `test_environment=False`)
pub(super) const SPECIAL_USE_DOMAIN_NAMES: [&str; 6] =
    ["arpa", "invalid", "local", "localhost", "onion", "test"];

/// `ATEXT` (RFC 5322 3.2.3), one character.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_!#$%&'*+-/=?^`{|}~".contains(c)
}

/// `ATEXT_INTL`: `ATEXT` plus U+0080 to U+10FFFF.
fn is_atext_intl(c: char) -> bool {
    is_atext(c) || u32::from(c) >= 0x80
}

/// `ATEXT_RE.match(c)`: `ATEXT` plus dots.
fn atext_re(c: char) -> bool {
    is_atext(c) || c == '.'
}

/// `ATEXT_INTL_DOT_RE.match(c)`
fn atext_intl_dot_re(c: char) -> bool {
    is_atext_intl(c) || c == '.'
}

/// `DOT_ATOM_TEXT.match(s)` / `DOT_ATOM_TEXT_INTL.match(s)`:
/// `[atext]+(?:\.[atext]+)*\Z`.
fn dot_atom_text(s: &str, atext: fn(char) -> bool) -> bool {
    s.split('.')
        .all(|part| !part.is_empty() && part.chars().all(atext))
}

/// `ATEXT_HOSTNAME_INTL.match(c)`: `[a-zA-Z0-9\-\.\u0080-\U0010FFFF]`.
pub(super) fn atext_hostname_intl(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || u32::from(c) >= 0x80
}

/// `DOT_ATOM_TEXT_HOSTNAME.match(s)`: labels of `[a-zA-Z0-9-]` that start
/// and end with a letter or digit, separated by single dots.
pub(super) fn dot_atom_text_hostname(s: &str) -> bool {
    s.split('.').all(|label| {
        let first = label.chars().next();
        let last = label.chars().last();
        first.is_some_and(|c| c.is_ascii_alphanumeric())
            && last.is_some_and(|c| c.is_ascii_alphanumeric())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// `QTEXT_INTL.match(c)`: `[\u0020-\u007E\u0080-\U0010FFFF]`.
fn qtext_intl(c: char) -> bool {
    matches!(u32::from(c), 0x20..=0x7e | 0x80..)
}

/// `DOMAIN_LITERAL_CHARS.match(c)`: `[\u0021-\u00FA\u005E-\u007E]`.
pub(super) fn domain_literal_char(c: char) -> bool {
    matches!(u32::from(c), 0x21..=0xfa)
}

// ---------------------------------------------------------------------------
// email_validator/syntax.py: helpers
// ---------------------------------------------------------------------------

/// `get_length_reason(addr, limit)`, given `len(addr)`.
pub(super) fn get_length_reason(len: usize, limit: usize) -> String {
    let diff = len.saturating_sub(limit);
    let suffix = if diff > 1 { "s" } else { "" };
    format!("({diff} character{suffix} too many)")
}

/// `safe_character_display(c)`
fn safe_character_display(c: char) -> String {
    if c == '\\' {
        return "\"\\\"".to_owned();
    }
    if is_lnps(c) {
        return py_repr(c.encode_utf8(&mut [0; 4]));
    }
    let cp = u32::from(c);
    // Python: f"U+{ord(c):04x}".upper() if ord(c) < 0xFFFF, else 08x.
    let hex = if cp < 0xffff {
        format!("U+{cp:04X}")
    } else {
        format!("U+{cp:08X}")
    };
    unicode_name(c).unwrap_or(hex)
}

/// `", ".join(sorted({safe_character_display(c) for c in chars if bad(c)}))`,
/// or None when no character is bad.
pub(super) fn bad_chars(
    chars: impl IntoIterator<Item = char>,
    bad: impl Fn(char) -> bool,
) -> Option<String> {
    let set: BTreeSet<String> = chars
        .into_iter()
        .filter(|&c| bad(c))
        .map(safe_character_display)
        .collect();
    if set.is_empty() {
        None
    } else {
        Some(set.into_iter().collect::<Vec<_>>().join(", "))
    }
}

/// `check_unsafe_chars(s, allow_space)`
pub(super) fn check_unsafe_chars(s: &[char], allow_space: bool) -> Res<()> {
    let mut bad: BTreeSet<char> = BTreeSet::new();
    for (i, &c) in s.iter().enumerate() {
        let category = c.general_category();
        match c.general_category_group() {
            GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol => {}
            GeneralCategoryGroup::Mark => {
                if i == 0 {
                    bad.insert(c);
                }
            }
            GeneralCategoryGroup::Separator if category == GeneralCategory::SpaceSeparator => {
                if !allow_space {
                    bad.insert(c);
                }
            }
            GeneralCategoryGroup::Separator | GeneralCategoryGroup::Other => {
                bad.insert(c);
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = bad.into_iter().map(safe_character_display).collect();
    Err(format!(
        "The email address contains unsafe characters: {}.",
        shown.join(", ")
    ))
}

/// `check_dot_atom(label, start_descr, end_descr, is_hostname)`; the
/// descriptions contain `{}`.
pub(super) fn check_dot_atom(
    label: &str,
    start_descr: &str,
    end_descr: &str,
    is_hostname: bool,
) -> Res<()> {
    if label.ends_with('.') {
        return Err(end_descr.replace("{}", "period"));
    }
    if label.starts_with('.') {
        return Err(start_descr.replace("{}", "period"));
    }
    if label.contains("..") {
        return Err("An email address cannot have two periods in a row.".to_owned());
    }
    if is_hostname {
        if label.ends_with('-') {
            return Err(end_descr.replace("{}", "hyphen"));
        }
        if label.starts_with('-') {
            return Err(start_descr.replace("{}", "hyphen"));
        }
        if label.contains(".-") || label.contains("-.") {
            return Err(
                "An email address cannot have a period and a hyphen next to each other.".to_owned(),
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// email_validator/syntax.py: split_email
// ---------------------------------------------------------------------------

pub(super) struct SplitEmail {
    pub(super) display_name: Option<Vec<char>>,
    pub(super) original_local_part: String,
    pub(super) unescaped_local_part: String,
    pub(super) is_quoted_local_part: bool,
    pub(super) domain_part: String,
}

/// `split_string_at_unquoted_special(text, specials)`
fn split_string_at_unquoted_special(
    text: &[char],
    specials: &[char],
) -> Res<(Vec<char>, Vec<char>)> {
    let mut inside_quote = false;
    let mut escaped = false;
    let mut left_part: Vec<char> = Vec::new();
    for (i, &c) in text.iter().enumerate() {
        // unicodedata.normalize("NFC", text[i:i + 32])[0] != c
        let window = text.get(i..(i + 32).min(text.len())).unwrap_or_default();
        let first = window.iter().copied().nfc().next();
        if first != Some(c) {
            left_part.push(c);
        } else if inside_quote {
            left_part.push(c);
            if c == '\\' && !escaped {
                escaped = true;
            } else if c == '"' && !escaped {
                inside_quote = false;
                escaped = false;
            } else {
                escaped = false;
            }
        } else if c == '"' {
            left_part.push(c);
            inside_quote = true;
        } else if specials.contains(&c) {
            break;
        } else {
            left_part.push(c);
        }
    }
    if left_part.len() == text.len() {
        if text.contains(&'\u{FF20}') {
            return Err("The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.".to_owned());
        }
        if text.contains(&'\u{FE6B}') {
            return Err("The email address has the \"small commercial at\" character instead of a regular at-sign.".to_owned());
        }
        return Err("An email address must have an @-sign.".to_owned());
    }
    let right_part = text.get(left_part.len()..).unwrap_or_default().to_vec();
    Ok((left_part, right_part))
}

/// `unquote_quoted_string(text)`
fn unquote_quoted_string(text: &[char]) -> Res<(Vec<char>, bool)> {
    let mut quoted = false;
    let mut escaped = false;
    let mut value = Vec::new();
    for (i, &c) in text.iter().enumerate() {
        if quoted {
            if escaped {
                value.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                if i + 1 != text.len() {
                    let rest = text.get(i + 1..).unwrap_or_default();
                    let shown: Vec<String> =
                        rest.iter().map(|&c| safe_character_display(c)).collect();
                    return Err(format!(
                        "Extra character(s) found after close quote: {}",
                        shown.join(", ")
                    ));
                }
                break;
            } else {
                value.push(c);
            }
        } else if i == 0 && c == '"' {
            quoted = true;
        } else {
            value.push(c);
        }
    }
    Ok((value, quoted))
}

/// `split_email(email)`
pub(super) fn split_email(email: &str) -> Res<SplitEmail> {
    let text: Vec<char> = email.chars().collect();
    let (left_part, right_part) = split_string_at_unquoted_special(&text, &['@', '<'])?;
    let (display_name, local_part, mut domain_part);
    if right_part.first() == Some(&'<') {
        let left_part = py_rstrip(left_part);
        let (name, name_quoted) = unquote_quoted_string(&left_part)?;
        if !name_quoted
            && let Some(bad) = bad_chars(name.iter().copied(), |c| {
                (!atext_re(c) && c != ' ') || c == '.'
            })
        {
            return Err(format!(
                "The display name contains invalid characters when not quoted: {bad}."
            ));
        }
        check_unsafe_chars(&name, true)?;
        if !right_part.contains(&'>') {
            return Err("An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.".to_owned());
        }
        let mut right_part = right_part;
        while right_part.last() == Some(&' ') {
            right_part.pop();
        }
        if right_part.last() != Some(&'>') {
            return Err("There can't be anything after the email address.".to_owned());
        }
        let addr_spec = right_part
            .get(1..right_part.len().saturating_sub(1))
            .unwrap_or_default();
        let (local, domain) = split_string_at_unquoted_special(addr_spec, &['@'])?;
        display_name = Some(name);
        local_part = local;
        domain_part = domain;
    } else {
        display_name = None;
        local_part = left_part;
        domain_part = right_part;
    }
    if domain_part.first() == Some(&'@') {
        domain_part = domain_part.get(1..).unwrap_or_default().to_vec();
    }
    let (unescaped, is_quoted) = unquote_quoted_string(&local_part)?;
    Ok(SplitEmail {
        display_name,
        original_local_part: local_part.into_iter().collect(),
        unescaped_local_part: unescaped.into_iter().collect(),
        is_quoted_local_part: is_quoted,
        domain_part: domain_part.into_iter().collect(),
    })
}

// ---------------------------------------------------------------------------
// email_validator/syntax.py: the local part
// ---------------------------------------------------------------------------

pub(super) struct LocalPartInfo {
    pub(super) local_part: String,
    pub(super) ascii_local_part: Option<String>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum LocalPartForm {
    DotAtom,
    Quoted,
}

/// `validate_email_local_part(local, allow_smtputf8=True,
/// allow_empty_local=False, quoted_local_part, strict=False)`
pub(super) fn validate_email_local_part(
    local: &str,
    quoted_local_part: bool,
) -> Res<LocalPartInfo> {
    let chars: Vec<char> = local.chars().collect();
    if chars.is_empty() {
        return Err("There must be something before the @-sign.".to_owned());
    }
    // (strict=False: no check of the 64-character local part limit.)
    if dot_atom_text(local, is_atext) {
        return Ok(LocalPartInfo {
            local_part: local.to_owned(),
            ascii_local_part: Some(local.to_owned()),
        });
    }
    let mut valid = None;
    let mut requires_smtputf8 = false;
    if dot_atom_text(local, is_atext_intl) {
        valid = Some(LocalPartForm::DotAtom);
        requires_smtputf8 = true;
    } else if quoted_local_part {
        if let Some(bad) = bad_chars(chars.iter().copied(), |c| !qtext_intl(c)) {
            return Err(format!(
                "The email address contains invalid characters in quotes before the @-sign: {bad}."
            ));
        }
        if chars.iter().any(|&c| !matches!(u32::from(c), 32..=126)) {
            requires_smtputf8 = true;
        }
        valid = Some(LocalPartForm::Quoted);
    }
    if let Some(form) = valid {
        check_unsafe_chars(&chars, form == LocalPartForm::Quoted)?;
        let local_part = if form == LocalPartForm::Quoted {
            let mut quoted = String::from('"');
            for c in local.chars() {
                if c == '"' || c == '\\' {
                    quoted.push('\\');
                }
                quoted.push(c);
            }
            quoted.push('"');
            quoted
        } else {
            local.to_owned()
        };
        let ascii_local_part = (!requires_smtputf8).then(|| local_part.clone());
        return Ok(LocalPartInfo {
            local_part,
            ascii_local_part,
        });
    }
    if let Some(bad) = bad_chars(chars.iter().copied(), |c| !atext_intl_dot_re(c)) {
        return Err(format!(
            "The email address contains invalid characters before the @-sign: {bad}."
        ));
    }
    check_dot_atom(
        local,
        "An email address cannot start with a {}.",
        "An email address cannot have a {} immediately before the @-sign.",
        false,
    )?;
    Err("The email address contains invalid characters before the @-sign.".to_owned())
}

// ---------------------------------------------------------------------------
// email_validator/syntax.py: the length of the address
// ---------------------------------------------------------------------------

/// `validate_email_length(addrinfo)`
pub(super) fn validate_email_length(original: &str, normalized: &str, ascii_form: &str) -> Res<()> {
    let addresses = [
        (original, None),
        (normalized, Some("after normalization")),
        (
            ascii_form,
            Some("when the part after the @-sign is converted to IDNA ASCII"),
        ),
    ];
    for (addr, reason) in addresses {
        let addr_len = addr.chars().count();
        let addr_utf8_len = addr.len();
        if addr_utf8_len <= EMAIL_MAX_LENGTH {
            continue;
        }
        let diff = addr_utf8_len - EMAIL_MAX_LENGTH;
        let suffix = if diff > 1 { "s" } else { "" };
        let reason = match reason {
            None if addr_len == addr_utf8_len => get_length_reason(addr_len, EMAIL_MAX_LENGTH),
            None => {
                let mbpc = addr.chars().map(char::len_utf8).max().unwrap_or(1);
                let mchars = (diff / mbpc).max(1);
                if mchars == diff {
                    format!("({diff} character{suffix} too many)")
                } else {
                    format!("({mchars}-{diff} character{suffix} too many)")
                }
            }
            Some(reason) => format!("{reason} ({diff} byte{suffix} too many)"),
        };
        return Err(format!("The email address is too long {reason}."));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    reason_tests! {
        must_have_at_sign: "not-an-email"
            => "An email address must have an @-sign.";
        must_have_at_sign_empty: ""
            => "An email address must have an @-sign.";
        full_width_at_sign: "bob＠example.com"
            => "The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.";
        small_commercial_at: "bob﹫example.com"
            => "The email address has the \"small commercial at\" character instead of a regular at-sign.";
        extra_characters_after_close_quote: "\"bob\"smith@example.com"
            => "Extra character(s) found after close quote: 's', 'm', 'i', 't', 'h'";
        display_name_invalid_characters_when_not_quoted: "Bob, Smith <bob@example.com>"
            => "The display name contains invalid characters when not quoted: ','.";
        display_name_invalid_characters_combining_mark: "Jose\u{0301} <jose@example.com>"
            => "The display name contains invalid characters when not quoted: COMBINING ACUTE ACCENT.";
        display_name_unsafe_characters: "\"Bob\u{200B}\" <bob@example.com> x"
            => "The email address contains unsafe characters: ZERO WIDTH SPACE.";
        open_angle_bracket_without_close: "Bob <bob@example.com"
            => "An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.";
        anything_after_the_address: "Bob <bob@example.com> (work)"
            => "There can't be anything after the email address.";
        empty_local_part: "@example.com"
            => "There must be something before the @-sign.";
        invalid_characters_before_at_space: "bob smith@example.com"
            => "The email address contains invalid characters before the @-sign: SPACE.";
        invalid_characters_before_at_quote: "bob\"smith\"@example.com"
            => "The email address contains invalid characters before the @-sign: '\"'.";
        quote_hides_the_at_sign: "bob\"smith@example.com"
            => "An email address must have an @-sign.";
        invalid_characters_before_at_backslash: "bob\\smith@example.com"
            => "The email address contains invalid characters before the @-sign: \"\\\".";
        invalid_characters_before_at_unnamed: "bob\tsmith@example.com"
            => "The email address contains invalid characters before the @-sign: U+0009.";
        local_part_starts_with_period: ".bob@example.com"
            => "An email address cannot start with a period.";
        local_part_ends_with_period: "bob.@example.com"
            => "An email address cannot have a period immediately before the @-sign.";
        local_part_consecutive_periods: "bob..smith@example.com"
            => "An email address cannot have two periods in a row.";
        invalid_characters_in_quotes: "\"bob\u{0001}smith\"@example.com"
            => "The email address contains invalid characters in quotes before the @-sign: U+0001.";
        unsafe_characters_in_local_part: "bob\u{00A0}smith@example.com"
            => "The email address contains unsafe characters: NO-BREAK SPACE.";
        unsafe_leading_combining_mark: "\u{0301}bob@example.com"
            => "The email address contains unsafe characters: COMBINING ACUTE ACCENT.";
        address_too_long: &[&"a".repeat(70), "@", &"b".repeat(63), ".", &"c".repeat(63), ".", &"d".repeat(57), ".com"].concat()
            => "The email address is too long (6 characters too many).";
        address_too_long_multibyte: &[&"ä".repeat(130), "@example.com"].concat()
            => "The email address is too long (9-18 characters too many).";
        address_too_long_after_normalization: &[&"\u{2ADC}".repeat(49), "@example.com"].concat()
            => "The email address is too long after normalization (3 bytes too many).";
        address_too_long_as_idna_ascii: &[&"x".repeat(192), "@", &"a".repeat(55), "ü.com"].concat()
            => "The email address is too long when the part after the @-sign is converted to IDNA ASCII (6 bytes too many).";
    }
}
