//! `ETag` and `If-Match` on the management resources that change (the tenant's
//! policy, promo codes, custom fields): the version of a row, quoted (RFC 9110
//! section 8.8.3), and the version a change expects.

use crate::api::problem::errors::Failure;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// An `If-Match` that names no version of ours, so matches nothing (RFC 9110
/// section 13.1.1): 412.
pub struct MatchesNothing;

impl From<MatchesNothing> for Failure {
    fn from(_: MatchesNothing) -> Self {
        Failure::precondition_failed()
    }
}

/// The version an `If-Match` names; `*`, an empty value or none matches any.
pub fn if_match(header: Option<&str>) -> Result<Option<i64>, MatchesNothing> {
    match header.map(str::trim) {
        None | Some("*" | "") => Ok(None),
        Some(value) => value
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(Some)
            .map_err(|_| MatchesNothing),
    }
}
