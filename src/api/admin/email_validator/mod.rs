//! What pydantic's `EmailStr` makes of a string: a port of pydantic's
//! `validate_email` wrapper and of the syntax checks of the Python package
//! `email-validator` that it calls with `check_deliverability=False`.
//!
//! Ported from, keeping the order of every check so that the first failing
//! one gives the same message:
//! - pydantic 2.14.3 (the version `conformance/requirements.txt` pins),
//!   `pydantic/networks.py`: `_build_pretty_email_regex`, `MAX_EMAIL_LENGTH`,
//!   `validate_email`. 2.14.4 has the same code; GitHub tag `v2.14.0b1`
//!   (commit 5922459fcf33d9a8767fd0fd25a982bbf0d7668d) lacks the carriage
//!   return / line feed check.
//! - email-validator 2.4.0, the latest 2.x release (PyPI sdist, sha256
//!   be487bc50bc3bd832a98515a55a15649d9bec06d954fa178663190714b6c4ee1):
//!   `validate_email.py`, `syntax.py`, `rfc_constants.py`, `__init__.py`, with
//!   the default options (`allow_smtputf8=True`, `allow_empty_local=False`,
//!   `allow_quoted_local=False`, `allow_domain_literal=False`,
//!   `allow_display_name=False`, `strict=False`, `globally_deliverable=True`,
//!   `test_environment=False`). The GitHub history of
//!   JoshData/python-email-validator available here ends at commit
//!   b73d010bb3db70547199f39fd85d2286a7f6f476, after tag `v2.3.0`
//!   (030a63a183a6a66450e98381ca9a23ab9769706a); 2.4.0 adds to it an up-front
//!   length check of the domain, the Bidi Rule across all labels of a domain
//!   with a right-to-left label, a case-insensitive `IPv6:` tag and the
//!   refusal of IPv6 zone indexes.
//! - what email-validator calls in the Python package `idna` 3.20
//!   (`idna/core.py`: `uts46_remap`, `alabel`, `ulabel`, `check_label`,
//!   `check_bidi`, `valid_contextj`, `valid_contexto`, `decode`, `encode`),
//!   and in CPython's `ipaddress` (bracketed domain literals) and
//!   `encodings/punycode.py`, with their error messages.
//!
//! Unicode data. Python takes general categories, normalization, names and
//! bidirectional classes from the interpreter's `unicodedata` (Unicode 14.0
//! in CPython 3.11, 15.1 in 3.13), while the `idna` package has its own
//! Unicode 18.0 tables. This port uses Unicode 18.0 throughout:
//! `unicode-properties` (general categories), `unicode-normalization`
//! (NFC/NFKD, combining classes), and the `idna` crate (ICU4X data) for the
//! UTS #46 mapping, bidirectional classes and joining types, which that
//! crate only applies inside `Uts46::to_unicode`, so they are read off small
//! probe strings (`uts46_map_char`, `bidi_class`, `idna_valid_contextj`).
//! The IDNA 2008 classes (PVALID etc.) are derived from those by the rules of
//! RFC 5892, and the names of marks, separators and format characters come
//! from the table in `names.rs`. Answers can therefore differ from
//! a given CPython only for characters its Unicode version does not know
//! (assigned after Unicode 14.0 for CPython 3.11), e.g. in `repr()` escapes
//! or general categories.
//!
//! Checks of the original that cannot fail with these options or after the
//! checks before them are kept for fidelity (e.g. "Internationalized
//! characters before the @-sign are not supported" is not ported at all:
//! `allow_smtputf8=True`); `idna.check_bidi`'s "Unknown directionality" is
//! given for unassigned code points, for which CPython has no direction.
//!
//! Layout: `python` (the Python built-ins emulated), `syntax` (constants
//! and the checks of the address and its local part), `domain` (the domain
//! name), `ip_literal` (bracketed domain literals), `idna` (the `idna`
//! package), `idna_data` (its Unicode data), `punycode`, and `names` (the
//! character-name table).

#[cfg(test)]
#[macro_use]
mod test_macros;

mod domain;
mod idna;
mod idna_data;
mod ip_literal;
mod names;
mod punycode;
mod python;
mod syntax;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use domain::validate_email_domain_name;
use ip_literal::validate_email_domain_literal;
use python::py_isspace;
use syntax::{
    CASE_INSENSITIVE_MAILBOX_NAMES, split_email, validate_email_length, validate_email_local_part,
};

/// What pydantic's EmailStr makes of `raw`: the normalized address, or the reason
/// email-validator gives (the text after "value is not a valid email address: ").
pub fn validate(raw: &str) -> Result<String, String> {
    pydantic_validate_email(raw)
}

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------------------
// pydantic/networks.py
// ---------------------------------------------------------------------------

/// `MAX_EMAIL_LENGTH`
const MAX_EMAIL_LENGTH: usize = 2048;

/// pydantic's `validate_email(value)`, returning the normalized address.
fn pydantic_validate_email(value: &str) -> Res<String> {
    if value.chars().count() > MAX_EMAIL_LENGTH {
        return Err(format!(
            "Length must not exceed {MAX_EMAIL_LENGTH} characters"
        ));
    }
    if value.contains(['\r', '\n']) {
        return Err("Carriage return and line feed characters are not allowed".to_owned());
    }
    // m = pretty_email_regex.fullmatch(value); value = m.group(3) if m
    let value = pretty_email_address(value).unwrap_or(value);
    let email = value.trim_matches(py_isspace);
    validate_email(email)
}

/// `[\w.!#$%&'*+\-/=?^_`{|}~]` with Python's `\w` (str.isalnum() or `_`,
/// i.e. general categories L* and N*).
fn is_pretty_name_char(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
    ) || ".!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// The third group of
/// `pretty_email_regex.fullmatch(value)`, where the regex is
/// `\s*(?:((?:N+\s+)*N+)|"((?:[^"]|\")+)")?\s*<(.+)>\s*`, or None when it does
/// not match. `value` has no `\n` (checked before), so `.` matches anything.
///
/// The alternatives are mutually exclusive by their first character (a name
/// character, a quote, or `<`), and each has a single way to reach `<`, so
/// the backtracking search reduces to the scans below.
fn pretty_email_address(s: &str) -> Option<&str> {
    let cs: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| cs.get(i).map(|&(_, c)| c);
    let byte = |i: usize| cs.get(i).map_or(s.len(), |&(b, _)| b);
    let ws_end = |mut i: usize| {
        while at(i).is_some_and(py_isspace) {
            i += 1;
        }
        i
    };
    // `\s*<(.+)>\s*` anchored at the end: the `<` follows the spaces at
    // `p`, the `>` is the last non-space character, and `(.+)` (greedy) is
    // everything between them.
    let last_non_space = cs.iter().rposition(|&(_, c)| !py_isspace(c));
    let rest = |p: usize| -> Option<&str> {
        let q = ws_end(p);
        if at(q) != Some('<') {
            return None;
        }
        let j = last_non_space?;
        if at(j) == Some('>') && j >= q + 2 {
            s.get(byte(q + 1)..byte(j))
        } else {
            None
        }
    };
    let start = ws_end(0);
    match at(start) {
        Some(c) if is_pretty_name_char(c) => {
            let mut end = start;
            while at(end).is_some_and(|c| is_pretty_name_char(c) || py_isspace(c)) {
                end += 1;
            }
            while end > start && at(end - 1).is_some_and(py_isspace) {
                end -= 1;
            }
            rest(end)
        }
        Some('"') => {
            // Greedy `(?:[^"]|\")+`: try the last closing quote first.
            let mut j = cs.len();
            while j > start + 2 {
                j -= 1;
                if at(j) == Some('"')
                    && let Some(found) = rest(j + 1)
                {
                    return Some(found);
                }
            }
            None
        }
        _ => rest(start),
    }
}

// ---------------------------------------------------------------------------
// email_validator/validate_email.py
// ---------------------------------------------------------------------------

/// `validate_email(email, check_deliverability=False)`, returning
/// `normalized`.
fn validate_email(email: &str) -> Res<String> {
    let split = split_email(email)?;
    let original = format!("{}@{}", split.original_local_part, split.domain_part);

    let mut info =
        validate_email_local_part(&split.unescaped_local_part, split.is_quoted_local_part)?;
    let normalized_local_part: String = split.unescaped_local_part.nfc().collect();
    if normalized_local_part != split.unescaped_local_part {
        info = validate_email_local_part(&normalized_local_part, split.is_quoted_local_part)
            .map_err(|e| format!("After Unicode normalization: {e}"))?;
    }
    let mut local_part = info.local_part;
    let mut ascii_local_part = info.ascii_local_part;

    if split.is_quoted_local_part {
        return Err("Quoting the part before the @-sign is not allowed here.".to_owned());
    }

    if let Some(ascii) = &ascii_local_part {
        let lower = ascii.to_lowercase();
        if CASE_INSENSITIVE_MAILBOX_NAMES.contains(&lower.as_str()) {
            local_part = local_part.to_lowercase();
            ascii_local_part = Some(lower);
        }
    }

    let domain_part = &split.domain_part;
    let (domain, ascii_domain) = if domain_part.is_empty() {
        return Err("There must be something after the @-sign.".to_owned());
    } else if domain_part.starts_with('[') && domain_part.ends_with(']') {
        let chars: Vec<char> = domain_part.chars().collect();
        let literal: String = chars
            .get(1..chars.len().saturating_sub(1))
            .unwrap_or_default()
            .iter()
            .collect();
        validate_email_domain_literal(&literal)?;
        return Err("A bracketed IP address after the @-sign is not allowed here.".to_owned());
    } else {
        let info = validate_email_domain_name(domain_part)?;
        (info.domain, info.ascii_domain)
    };

    let normalized = format!("{local_part}@{domain}");
    let ascii_form = format!(
        "{}@{}",
        ascii_local_part
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&local_part),
        ascii_domain
    );
    validate_email_length(&original, &normalized, &ascii_form)?;

    if split.display_name.is_some() {
        return Err(
            "A display name and angle brackets around the email address are not permitted here."
                .to_owned(),
        );
    }
    Ok(normalized)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    reason_tests! {
        pydantic_max_length: &"a".repeat(2049)
            => "Length must not exceed 2048 characters";
        pydantic_carriage_return_line_feed: "bob@example.com\r\n"
            => "Carriage return and line feed characters are not allowed";
        display_name_not_permitted: "Bob <<bob@example.com>>"
            => "A display name and angle brackets around the email address are not permitted here.";
        quoted_local_part_not_allowed: "\"bob smith\"@example.com"
            => "Quoting the part before the @-sign is not allowed here.";
        quoted_local_part_not_allowed_even_if_unneeded: "\"bob\"@example.com"
            => "Quoting the part before the @-sign is not allowed here.";
        quoted_local_part_with_at_sign: "\"bob@home\"@example.com"
            => "Quoting the part before the @-sign is not allowed here.";
        after_unicode_normalization: "bob\u{037E}smith@example.com"
            => "After Unicode normalization: The email address contains invalid characters before the @-sign: ';'.";
        nothing_after_at: "bob@"
            => "There must be something after the @-sign.";
        domain_literal_not_allowed: "bob@[127.0.0.1]"
            => "A bracketed IP address after the @-sign is not allowed here.";
        domain_literal_ipv6_not_allowed: "bob@[IPv6:2001:db8::1]"
            => "A bracketed IP address after the @-sign is not allowed here.";
    }

    valid_tests! {
        valid_simple: "bob@example.com"
            => "bob@example.com";
        valid_domain_lowercased: "Bob.Smith@Example.COM"
            => "Bob.Smith@example.com";
        valid_surrounding_whitespace_stripped: "  bob@example.com\t"
            => "bob@example.com";
        valid_display_name_dropped: "Bob <bob@example.com>"
            => "bob@example.com";
        valid_quoted_display_name_dropped: "\"Bob Smith\" <bob@example.com>"
            => "bob@example.com";
        valid_angle_brackets_only: "<bob@example.com>"
            => "bob@example.com";
        valid_long_local_part: &[&"a".repeat(65), "@example.com"].concat()
            => "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com";
        valid_case_insensitive_mailbox_lowercased: "Postmaster@Example.com"
            => "postmaster@example.com";
        valid_unicode_local_part: "jörg@example.com"
            => "jörg@example.com";
        valid_unicode_local_part_nfc: "jo\u{0308}rg@example.com"
            => "jörg@example.com";
        valid_unicode_domain_nfc_and_lowercase: "bob@Mu\u{0308}NCHEN.de"
            => "bob@münchen.de";
        valid_punycode_domain_decoded: "bob@xn--mnchen-3ya.de"
            => "bob@münchen.de";
        valid_fullwidth_domain: "bob@ｅｘａｍｐｌｅ．ｃｏｍ"
            => "bob@example.com";
        valid_ideographic_full_stop: "bob@example。com"
            => "bob@example.com";
        valid_cjk: "例え@例え.テスト"
            => "例え@例え.テスト";
        valid_greek: "δοκιμή@παράδειγμα.δοκιμή"
            => "δοκιμή@παράδειγμα.δοκιμή";
        valid_hebrew_domain: "bob@אב.com"
            => "bob@אב.com";
        valid_sharp_s_kept: "bob@straße.de"
            => "bob@straße.de";
        valid_max_label_length: &["bob@", &"b".repeat(63), ".com"].concat()
            => "bob@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.com";
        valid_tld_with_digit: "bob@example.c0m"
            => "bob@example.c0m";
        valid_plus_and_apostrophe: "o'brien+tag@example.com"
            => "o'brien+tag@example.com";
    }
}
