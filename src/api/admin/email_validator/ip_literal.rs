//! The part after the @-sign when it is in brackets: email-validator 2.4.0's
//! `validate_email_domain_literal` (`syntax.py`) and the parsing of
//! CPython's `Lib/ipaddress.py` it calls (`IPv4Address` and `IPv6Address`
//! from a string), with the `AddressValueError` messages.

use super::Res;
use super::python::py_repr;
use super::syntax::{bad_chars, domain_literal_char};

/// `validate_email_domain_literal(domain_literal)`; Ok when the literal is a
/// valid address (the caller then refuses it: `allow_domain_literal=False`).
pub(super) fn validate_email_domain_literal(domain_literal: &str) -> Res<()> {
    if !domain_literal.is_empty()
        && domain_literal
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    {
        ipv4_address(domain_literal).map_err(|e| {
            format!("The address in brackets after the @-sign is not valid: It is not an IPv4 address ({e}) or is missing an address literal tag.")
        })?;
        return Ok(());
    }
    let tag: String = domain_literal.chars().take(5).collect();
    if tag.to_lowercase() == "ipv6:" {
        let addr: String = domain_literal.chars().skip(5).collect();
        let has_zone = ipv6_address(&addr).map_err(|e| {
            format!("The IPv6 address in brackets after the @-sign is not valid ({e}).")
        })?;
        if has_zone {
            return Err(
                "The IPv6 address in brackets after the @-sign is not valid (It has a zone index)."
                    .to_owned(),
            );
        }
        return Ok(());
    }
    if !domain_literal.contains(':') {
        return Err("The part after the @-sign in brackets is not an IPv4 address and has no address literal tag.".to_owned());
    }
    if let Some(bad) = bad_chars(domain_literal.chars(), |c| !domain_literal_char(c)) {
        return Err(format!(
            "The part after the @-sign contains invalid characters in brackets: {bad}."
        ));
    }
    Err("The part after the @-sign contains an invalid address literal tag in brackets.".to_owned())
}

// ---------------------------------------------------------------------------
// CPython Lib/ipaddress.py (IPv4Address / IPv6Address from a string)
// ---------------------------------------------------------------------------

/// `IPv4Address(s)._ip`, or the `AddressValueError` message.
fn ipv4_address(s: &str) -> Res<u32> {
    if s.contains('/') {
        return Err(format!("Unexpected '/' in {}", py_repr(s)));
    }
    if s.is_empty() {
        return Err("Address cannot be empty".to_owned());
    }
    let octets: Vec<&str> = s.split('.').collect();
    if octets.len() != 4 {
        return Err(format!("Expected 4 octets in {}", py_repr(s)));
    }
    let mut ip = 0u32;
    for octet in octets {
        let value = parse_octet(octet).map_err(|e| format!("{e} in {}", py_repr(s)))?;
        ip = (ip << 8) | value;
    }
    Ok(ip)
}

/// `_BaseV4._parse_octet`
fn parse_octet(octet: &str) -> Res<u32> {
    if octet.is_empty() {
        return Err("Empty octet not permitted".to_owned());
    }
    if !octet.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "Only decimal digits permitted in {}",
            py_repr(octet)
        ));
    }
    if octet.len() > 3 {
        return Err(format!(
            "At most 3 characters permitted in {}",
            py_repr(octet)
        ));
    }
    if octet != "0" && octet.starts_with('0') {
        return Err(format!(
            "Leading zeros are not permitted in {}",
            py_repr(octet)
        ));
    }
    let value: u32 = octet.parse().unwrap_or(u32::MAX);
    if value > 255 {
        return Err(format!("Octet {value} (> 255) not permitted"));
    }
    Ok(value)
}

/// `IPv6Address(s)`: whether it has a scope id, or the error message.
fn ipv6_address(s: &str) -> Res<bool> {
    if s.contains('/') {
        return Err(format!("Unexpected '/' in {}", py_repr(s)));
    }
    // _split_scope_id
    let (addr, has_scope) = match s.split_once('%') {
        None => (s, false),
        Some((addr, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return Err(format!("Invalid IPv6 address: \"{}\"", py_repr(s)));
            }
            (addr, true)
        }
    };
    ipv6_int_from_string(addr)?;
    Ok(has_scope)
}

/// `_BaseV6._ip_int_from_string` (validity only).
fn ipv6_int_from_string(ip_str: &str) -> Res<()> {
    const HEXTET_COUNT: usize = 8;
    if ip_str.is_empty() {
        return Err("Address cannot be empty".to_owned());
    }
    let repr = py_repr(ip_str);
    let mut parts: Vec<String> = ip_str.split(':').map(str::to_owned).collect();
    if parts.len() < 3 {
        return Err(format!("At least 3 parts expected in {repr}"));
    }
    if parts.last().is_some_and(|p| p.contains('.')) {
        let last = parts.pop().unwrap_or_default();
        let ipv4 = ipv4_address(&last).map_err(|e| format!("{e} in {repr}"))?;
        parts.push(format!("{:x}", (ipv4 >> 16) & 0xffff));
        parts.push(format!("{:x}", ipv4 & 0xffff));
    }
    if parts.len() > HEXTET_COUNT + 1 {
        return Err(format!("At most {HEXTET_COUNT} colons permitted in {repr}"));
    }
    let mut skip_index = None;
    for (i, part) in parts.iter().enumerate().take(parts.len() - 1).skip(1) {
        if part.is_empty() {
            if skip_index.is_some() {
                return Err(format!("At most one '::' permitted in {repr}"));
            }
            skip_index = Some(i);
        }
    }
    let first_empty = parts.first().is_some_and(String::is_empty);
    let last_empty = parts.last().is_some_and(String::is_empty);
    let (parts_hi, parts_lo) = if let Some(skip_index) = skip_index {
        let mut parts_hi = skip_index;
        let mut parts_lo = parts.len() - skip_index - 1;
        if first_empty {
            parts_hi -= 1;
            if parts_hi > 0 {
                return Err(format!(
                    "Leading ':' only permitted as part of '::' in {repr}"
                ));
            }
        }
        if last_empty {
            parts_lo -= 1;
            if parts_lo > 0 {
                return Err(format!(
                    "Trailing ':' only permitted as part of '::' in {repr}"
                ));
            }
        }
        if parts_hi + parts_lo >= HEXTET_COUNT {
            return Err(format!(
                "Expected at most {} other parts with '::' in {repr}",
                HEXTET_COUNT - 1
            ));
        }
        (parts_hi, parts_lo)
    } else {
        if parts.len() != HEXTET_COUNT {
            return Err(format!(
                "Exactly {HEXTET_COUNT} parts expected without '::' in {repr}"
            ));
        }
        if first_empty {
            return Err(format!(
                "Leading ':' only permitted as part of '::' in {repr}"
            ));
        }
        if last_empty {
            return Err(format!(
                "Trailing ':' only permitted as part of '::' in {repr}"
            ));
        }
        (parts.len(), 0)
    };
    let hi = parts.iter().take(parts_hi);
    let lo = parts.iter().skip(parts.len() - parts_lo);
    for part in hi.chain(lo) {
        parse_hextet(part).map_err(|e| format!("{e} in {repr}"))?;
    }
    Ok(())
}

/// `_BaseV6._parse_hextet`
fn parse_hextet(hextet: &str) -> Res<u32> {
    if !hextet.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("Only hex digits permitted in {}", py_repr(hextet)));
    }
    if hextet.len() > 4 {
        return Err(format!(
            "At most 4 characters permitted in {}",
            py_repr(hextet)
        ));
    }
    u32::from_str_radix(hextet, 16).map_err(|_| {
        format!(
            "invalid literal for int() with base 16: {}",
            py_repr(hextet)
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    reason_tests! {
        domain_literal_bad_ipv4: "bob@[300.1.1.1]"
            => "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Octet 300 (> 255) not permitted in '300.1.1.1') or is missing an address literal tag.";
        domain_literal_ipv4_leading_zero: "bob@[127.0.0.01]"
            => "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Leading zeros are not permitted in '01' in '127.0.0.01') or is missing an address literal tag.";
        domain_literal_ipv4_empty_octet: "bob@[127..0.1]"
            => "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Empty octet not permitted in '127..0.1') or is missing an address literal tag.";
        domain_literal_ipv4_three_octets: "bob@[127.0.1]"
            => "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Expected 4 octets in '127.0.1') or is missing an address literal tag.";
        domain_literal_ipv4_long_octet: "bob@[1271.0.0.1]"
            => "The address in brackets after the @-sign is not valid: It is not an IPv4 address (At most 3 characters permitted in '1271' in '1271.0.0.1') or is missing an address literal tag.";
        domain_literal_bad_ipv6: "bob@[IPv6:2001:db8::g]"
            => "The IPv6 address in brackets after the @-sign is not valid (Only hex digits permitted in 'g' in '2001:db8::g').";
        domain_literal_ipv6_two_double_colons: "bob@[IPv6:1::2::3]"
            => "The IPv6 address in brackets after the @-sign is not valid (At most one '::' permitted in '1::2::3').";
        domain_literal_ipv6_too_few_parts: "bob@[IPv6:1:2]"
            => "The IPv6 address in brackets after the @-sign is not valid (At least 3 parts expected in '1:2').";
        domain_literal_ipv6_too_many_colons: "bob@[IPv6:1:2:3:4:5:6:7:8:9:0]"
            => "The IPv6 address in brackets after the @-sign is not valid (At most 8 colons permitted in '1:2:3:4:5:6:7:8:9:0').";
        domain_literal_ipv6_leading_colon: "bob@[IPv6::1:2:3:4:5:6:7]"
            => "The IPv6 address in brackets after the @-sign is not valid (Leading ':' only permitted as part of '::' in ':1:2:3:4:5:6:7').";
        domain_literal_ipv6_trailing_colon: "bob@[IPv6:1::2:]"
            => "The IPv6 address in brackets after the @-sign is not valid (Trailing ':' only permitted as part of '::' in '1::2:').";
        domain_literal_ipv6_no_room_for_double_colon: "bob@[IPv6:1:2:3:4:5:6:7::8]"
            => "The IPv6 address in brackets after the @-sign is not valid (Expected at most 7 other parts with '::' in '1:2:3:4:5:6:7::8').";
        domain_literal_ipv6_eight_parts_expected: "bob@[IPv6:1:2:3:4:5:6:7]"
            => "The IPv6 address in brackets after the @-sign is not valid (Exactly 8 parts expected without '::' in '1:2:3:4:5:6:7').";
        domain_literal_ipv6_long_hextet: "bob@[IPv6:12345::1]"
            => "The IPv6 address in brackets after the @-sign is not valid (At most 4 characters permitted in '12345' in '12345::1').";
        domain_literal_ipv6_bad_embedded_ipv4: "bob@[IPv6:::ffff:1.2.3.x]"
            => "The IPv6 address in brackets after the @-sign is not valid (Only decimal digits permitted in 'x' in '1.2.3.x' in '::ffff:1.2.3.x').";
        domain_literal_ipv6_empty: "bob@[IPv6:]"
            => "The IPv6 address in brackets after the @-sign is not valid (Address cannot be empty).";
        domain_literal_ipv6_bad_scope: "bob@[IPv6:fe80::1%]"
            => "The IPv6 address in brackets after the @-sign is not valid (Invalid IPv6 address: \"'fe80::1%'\").";
        domain_literal_ipv6_slash: "bob@[IPv6:2001:db8::/32]"
            => "The IPv6 address in brackets after the @-sign is not valid (Unexpected '/' in '2001:db8::/32').";
        domain_literal_ipv6_zone_index: "bob@[IPv6:fe80::1%eth0]"
            => "The IPv6 address in brackets after the @-sign is not valid (It has a zone index).";
        domain_literal_no_tag: "bob@[example.com]"
            => "The part after the @-sign in brackets is not an IPv4 address and has no address literal tag.";
        domain_literal_invalid_characters: "bob@[tag:ÿ]"
            => "The part after the @-sign contains invalid characters in brackets: 'ÿ'.";
        domain_literal_unknown_tag: "bob@[tag:value]"
            => "The part after the @-sign contains an invalid address literal tag in brackets.";
    }
}
