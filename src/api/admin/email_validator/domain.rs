//! The part after the @-sign when it is a domain name: email-validator
//! 2.4.0's `validate_email_domain_name` (`syntax.py`, with
//! `test_environment=False`, `globally_deliverable=True`) and its helper
//! `uts46_valid_char`.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::Res;
use super::idna::{idna_alabel, idna_check_bidi, idna_decode, idna_encode, idna_uts46_remap};
use super::idna_data::{Bidi, bidi_class};
use super::syntax::{
    DNS_LABEL_LENGTH_LIMIT, DOMAIN_MAX_LENGTH, SPECIAL_USE_DOMAIN_NAMES, atext_hostname_intl,
    bad_chars, check_dot_atom, check_unsafe_chars, dot_atom_text_hostname, get_length_reason,
};

/// `uts46_valid_char(char)`
fn uts46_valid_char(c: char) -> bool {
    let cp = u32::from(c);
    if (0x80..=0x9f).contains(&cp) {
        false
    } else if ((0x2010..=0x2060).contains(&cp)
        && !(0x2024..=0x2026).contains(&cp)
        && !(0x2028..=0x202e).contains(&cp))
        || matches!(cp, 0xad | 0x2064 | 0xff0e)
        || (0x200b..=0x200d).contains(&cp)
        || (0x1bca0..=0x1bca3).contains(&cp)
    {
        true
    } else if matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::Unassigned
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::SpaceSeparator
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) {
        false
    } else {
        !decomposition_has_full_stop(c)
    }
}

/// `"002E" in unicodedata.decomposition(c).split(" ")`. The crate gives the
/// full compatibility decomposition rather than the one-level mapping; they
/// agree on whether U+002E appears except for U+FE19 and U+FE30, whose
/// mappings (U+2026, U+2025) only contain dots after further decomposition
/// (checked against all of Unicode 18.0).
fn decomposition_has_full_stop(c: char) -> bool {
    if matches!(c, '.' | '\u{FE19}' | '\u{FE30}') {
        return false;
    }
    let mut found = false;
    unicode_normalization::char::decompose_compatible(c, |d| found |= d == '.');
    found
}

pub(super) struct DomainNameInfo {
    pub(super) ascii_domain: String,
    pub(super) domain: String,
}

/// `validate_email_domain_name(domain, test_environment=False,
/// globally_deliverable=True)`
pub(super) fn validate_email_domain_name(domain: &str) -> Res<DomainNameInfo> {
    let chars: Vec<char> = domain.chars().collect();
    if chars.len() > DOMAIN_MAX_LENGTH {
        return Err(format!(
            "The email address is too long after the @-sign {}.",
            get_length_reason(chars.len(), DOMAIN_MAX_LENGTH)
        ));
    }
    if let Some(bad) = bad_chars(chars.iter().copied(), |c| !atext_hostname_intl(c)) {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {bad}."
        ));
    }
    check_unsafe_chars(&chars, false)?;
    if let Some(bad) = bad_chars(chars.iter().copied(), |c| !uts46_valid_char(c)) {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {bad}."
        ));
    }

    let original_domain = domain;
    let domain = idna_uts46_remap(domain)
        .map_err(|e| format!("The part after the @-sign contains invalid characters ({e})."))?;

    if let Some(bad) = bad_chars(domain.chars(), |c| !atext_hostname_intl(c)) {
        return Err(format!(
            "The part after the @-sign contains invalid characters after Unicode normalization: {bad}."
        ));
    }

    check_dot_atom(
        &domain,
        "An email address cannot have a {} immediately after the @-sign.",
        "An email address cannot end with a {}.",
        true,
    )?;

    // re.match(r"(?!xn)..--", label, re.I)
    for label in domain.split('.') {
        let lc: Vec<char> = label.chars().take(4).collect();
        if let [a, b, '-', '-'] = lc.as_slice()
            && !(a.eq_ignore_ascii_case(&'x') && b.eq_ignore_ascii_case(&'n'))
        {
            return Err("An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.".to_owned());
        }
    }

    let ascii_domain = if dot_atom_text_hostname(&domain) {
        domain.clone()
    } else {
        let mut labels = Vec::new();
        for label in domain.split('.') {
            let alabel = idna_alabel(label)
                .map_err(|e| format!("The part after the @-sign is invalid ({e})."))?;
            labels.push(alabel);
        }
        let ascii_domain = labels.join(".");
        if !dot_atom_text_hostname(&ascii_domain) {
            return Err("The email address contains invalid characters after the @-sign after IDNA encoding.".to_owned());
        }
        ascii_domain
    };

    if ascii_domain.len() > DOMAIN_MAX_LENGTH {
        if ascii_domain == original_domain {
            return Err(format!(
                "The email address is too long after the @-sign {}.",
                get_length_reason(ascii_domain.len(), DOMAIN_MAX_LENGTH)
            ));
        }
        let diff = ascii_domain.len() - DOMAIN_MAX_LENGTH;
        let s = if diff == 1 { "" } else { "s" };
        return Err(format!(
            "The email address is too long after the @-sign ({diff} byte{s} too many after IDNA encoding)."
        ));
    }

    for label in ascii_domain.split('.') {
        if label.len() > DNS_LABEL_LENGTH_LIMIT {
            return Err(format!(
                "After the @-sign, periods cannot be separated by so many characters {}.",
                get_length_reason(label.len(), DNS_LABEL_LENGTH_LIMIT)
            ));
        }
    }

    // globally_deliverable
    if !ascii_domain.contains('.') {
        return Err("The part after the @-sign is not valid. It should have a period.".to_owned());
    }
    if !ascii_domain
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return Err(
            "The part after the @-sign is not valid. It is not within a valid top-level domain."
                .to_owned(),
        );
    }

    for d in SPECIAL_USE_DOMAIN_NAMES {
        if ascii_domain == d || ascii_domain.ends_with(&format!(".{d}")) {
            return Err("The part after the @-sign is a special-use or reserved name that cannot be used with email.".to_owned());
        }
    }

    if !ascii_domain.contains("xn--") {
        return Ok(DomainNameInfo {
            domain: ascii_domain.clone(),
            ascii_domain,
        });
    }

    let domain_i18n = idna_decode(&ascii_domain)
        .map_err(|e| format!("The part after the @-sign is not valid IDNA ({e})."))?;

    let i18n_chars: Vec<char> = domain_i18n.chars().collect();
    if let Some(bad) = bad_chars(i18n_chars.iter().copied(), |c| !atext_hostname_intl(c)) {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {bad}."
        ));
    }
    check_unsafe_chars(&i18n_chars, false)?;

    if i18n_chars
        .iter()
        .any(|&c| matches!(bidi_class(c), Bidi::Rtl | Bidi::An))
    {
        for label in domain_i18n.split('.') {
            let label: Vec<char> = label.chars().collect();
            idna_check_bidi(&label, true)
                .map_err(|e| format!("The part after the @-sign is not valid IDNA ({e})."))?;
        }
    }

    idna_encode(&domain_i18n).map_err(|e| {
        format!("The part after the @-sign became invalid after normalizing to international characters ({e}).")
    })?;

    Ok(DomainNameInfo {
        ascii_domain,
        domain: domain_i18n,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    reason_tests! {
        domain_invalid_characters_at_sign: "a@@example.com"
            => "The part after the @-sign contains invalid characters: '@'.";
        domain_invalid_characters_underscore: "bob@exa_mple.com"
            => "The part after the @-sign contains invalid characters: '_'.";
        domain_invalid_characters_dot_decomposition: "bob@ex⒈ample.com"
            => "The part after the @-sign contains invalid characters: '⒈'.";
        domain_unsafe_characters: "bob@exam\u{200B}ple.com"
            => "The email address contains unsafe characters: ZERO WIDTH SPACE.";
        domain_invalid_after_unicode_normalization: "bob@exam＿ple.com"
            => "The part after the @-sign contains invalid characters after Unicode normalization: '_'.";
        domain_too_long: &["bob@", &"b".repeat(62), ".", &"b".repeat(62), ".", &"b".repeat(62), ".", &"b".repeat(62), ".commerce"].concat()
            => "The email address is too long after the @-sign (7 characters too many).";
        domain_without_period: "bob@example"
            => "The part after the @-sign is not valid. It should have a period.";
        localhost_has_no_period: "a@localhost"
            => "The part after the @-sign is not valid. It should have a period.";
        domain_consecutive_periods: "bob@example..com"
            => "An email address cannot have two periods in a row.";
        domain_starts_with_period: "bob@.example.com"
            => "An email address cannot have a period immediately after the @-sign.";
        domain_ends_with_period: "bob@example.com."
            => "An email address cannot end with a period.";
        domain_starts_with_hyphen: "bob@-example.com"
            => "An email address cannot have a hyphen immediately after the @-sign.";
        domain_ends_with_hyphen: "bob@example.com-"
            => "An email address cannot end with a hyphen.";
        label_ends_with_hyphen: "bob@example-.com"
            => "An email address cannot have a period and a hyphen next to each other.";
        label_starts_with_hyphen: "bob@sub.-example.com"
            => "An email address cannot have a period and a hyphen next to each other.";
        two_letters_two_dashes: "bob@ab--cd.com"
            => "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.";
        label_too_long: &["bob@", &"b".repeat(64), ".com"].concat()
            => "After the @-sign, periods cannot be separated by so many characters (1 character too many).";
        numeric_tld: "bob@example.123"
            => "The part after the @-sign is not valid. It is not within a valid top-level domain.";
        ip_address_without_brackets: "bob@127.0.0.1"
            => "The part after the @-sign is not valid. It is not within a valid top-level domain.";
        special_use_invalid: "a@example.invalid"
            => "The part after the @-sign is a special-use or reserved name that cannot be used with email.";
        special_use_localhost_subdomain: "bob@mail.localhost"
            => "The part after the @-sign is a special-use or reserved name that cannot be used with email.";
        special_use_test: "bob@example.test"
            => "The part after the @-sign is a special-use or reserved name that cannot be used with email.";
        special_use_arpa: "bob@1.0.0.127.in-addr.arpa"
            => "The part after the @-sign is a special-use or reserved name that cannot be used with email.";
        idna_bytes_too_many_after_encoding: "bob@一严乊乯五亹仞伃伨位佲侗侼信倆倫偐偵.凨刍刲剗剼务勆勫匐匵博卿厤叉叮吓吸呝.嗐嗵嘚嘿噤嚉嚮囓囸圝坂坧垌垱埖埻堠塅.妸姝娂娧婌婱媖媻嫠嬅嬪孏孴宙宾寣專尭.嶠巅巪帏帴幙幾庣廈廭弒強彜征徦忋忰怕.憈憭懒懷戜扁扦抋抰拕拺挟捄捩掎掳揘揽.com"
            => "The email address is too long after the @-sign (2 bytes too many after IDNA encoding).";
        idna_a_label_zwnj_unsafe: "bob@xn--11b2ezcs70k.com"
            => "The email address contains unsafe characters: ZERO WIDTH NON-JOINER.";
    }
}
